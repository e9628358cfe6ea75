package sandbox

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	slackTokenLifetime = 12 * time.Hour // with token rotation on
	// slackPKCERefreshLifetime: "all refresh tokens issued to PKCE-enabled apps expire after 30 days".
	slackPKCERefreshLifetime = 30 * 24 * time.Hour
	slackAppID               = "A0SANDBOX"
	slackTeamName            = "Sandbox Team"
)

func (s *Server) slackRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth/v2/authorize", s.authorize(KindSlack, KindSlack, nil))
	mux.HandleFunc("POST /api/oauth.v2.access", s.slackToken)
	mux.HandleFunc("/api/auth.test", s.slackAuthTest)
	mux.HandleFunc("/api/auth.revoke", s.slackRevoke)
}

// slackFail is Slack's error shape: HTTP 200 and ok:false.
func slackFail(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code})
}

// SlackUserID is the Slack member id of a seeded user.
func SlackUserID(u User) string { return "U" + u.ID }

func (s *Server) slackToken(w http.ResponseWriter, r *http.Request) {
	tr, err := parseTokenRequest(w, r)
	if err != nil || tr.isJSON {
		slackFail(w, "invalid_arguments")
		return
	}
	app := s.app(KindSlack, tr.clientID())
	if app == nil {
		slackFail(w, "invalid_client_id")
		return
	}
	secretGiven := tr.form.Get("client_secret") != "" || tr.basicSecret != ""
	w.Header().Set("Cache-Control", "no-store")
	switch tr.form.Get("grant_type") {
	case "", "authorization_code":
		// With PKCE a public Slack app may leave the secret out; a wrong one always fails.
		if (secretGiven || tr.form.Get("code_verifier") == "") && !tr.secretOK(app) {
			slackFail(w, "bad_client_secret")
			return
		}
		c, oerr := s.redeemCode(app, tr)
		if oerr != nil {
			code := "invalid_code"
			switch {
			case strings.HasSuffix(oerr.desc, "already used"):
				code = "code_already_used"
			case strings.HasPrefix(oerr.desc, "redirect_uri"):
				code = "bad_redirect_uri"
			case strings.HasPrefix(oerr.desc, "code_verifier"):
				code = "invalid_code_verifier"
			}
			slackFail(w, code)
			return
		}
		s.slackInstall(w, c)
	case "refresh_token":
		// fidelity: slack-pkce-refresh-no-secret
		if (secretGiven || !s.publicRefreshToken(app, tr.form.Get("refresh_token"))) && !tr.secretOK(app) {
			slackFail(w, "bad_client_secret")
			return
		}
		g, oerr := s.rotate(app, tr.form.Get("refresh_token"), false)
		if oerr != nil {
			slackFail(w, "invalid_refresh_token")
			return
		}
		kind, prefix := "bot", "xoxb-"
		if slices.Contains(g.scopes, "user") {
			kind, prefix = "user", "xoxp-"
		}
		t := s.issue(g, s.lifetime(slackTokenLifetime), prefix, "xoxe-1-", slackRefreshLifetime(g))
		writeJSON(w, http.StatusOK, map[string]any{
			"ok": true, "app_id": slackAppID, "access_token": t.access.value, "token_type": kind,
			"scope": strings.Join(withoutMarker(g.scopes), ","), "refresh_token": t.refresh.value,
			"expires_in": int(t.lifetime.Seconds()), "team": map[string]string{"id": SlackTeamID, "name": slackTeamName},
		})
	default:
		slackFail(w, "invalid_grant_type")
	}
}

// slackInstall answers a code exchange: bot scopes give a top-level bot
// token, user scopes a token in authed_user only.
func (s *Server) slackInstall(w http.ResponseWriter, c *authCode) {
	var botScopes, userScopes []string
	for _, sc := range c.req.scopes {
		if us, ok := strings.CutPrefix(sc, "user:"); ok {
			userScopes = append(userScopes, us)
		} else {
			botScopes = append(botScopes, sc)
		}
	}
	lifetime := s.lifetime(slackTokenLifetime)
	redirect, _ := url.Parse(c.req.redirectURI)
	// A PKCE exchange for a localhost redirect is a desktop client's: it refreshes without the secret.
	public := c.req.challenge != "" && redirect != nil && redirect.Scheme == "http"
	out := map[string]any{
		"ok": true, "app_id": slackAppID, "team": map[string]string{"id": SlackTeamID, "name": slackTeamName},
		"enterprise": nil, "is_enterprise_install": false,
	}
	authed := map[string]any{"id": SlackUserID(*c.user)}
	if len(userScopes) > 0 {
		// "user" marks the grant as a user token for refresh and auth.test.
		g := &grant{app: c.req.app, user: c.user, scopes: append([]string{"user"}, userScopes...), publicRefresh: public}
		s.alsoIssued(c, g)
		t := s.issue(g, lifetime, "xoxp-", "xoxe-1-", slackRefreshLifetime(g))
		authed["scope"] = strings.Join(userScopes, ",")
		authed["access_token"] = t.access.value
		authed["token_type"] = "user"
		authed["refresh_token"] = t.refresh.value
		authed["expires_in"] = int(lifetime.Seconds())
	}
	out["authed_user"] = authed
	if len(botScopes) > 0 {
		g := &grant{app: c.req.app, user: c.user, scopes: botScopes, publicRefresh: public}
		s.alsoIssued(c, g)
		t := s.issue(g, lifetime, "xoxb-", "xoxe-1-", slackRefreshLifetime(g))
		out["access_token"] = t.access.value
		out["token_type"] = "bot"
		out["scope"] = strings.Join(botScopes, ",")
		out["bot_user_id"] = "B0SANDBOX"
		out["refresh_token"] = t.refresh.value
		out["expires_in"] = int(lifetime.Seconds())
	}
	writeJSON(w, http.StatusOK, out)
}

// slackRefreshLifetime: PKCE apps' refresh tokens expire after 30 days, others never.
func slackRefreshLifetime(g *grant) time.Duration {
	if g.publicRefresh {
		return slackPKCERefreshLifetime
	}
	return 0
}

// alsoIssued ties g to code c, so that replaying c revokes g (point 11 of issue 13).
func (s *Server) alsoIssued(c *authCode, g *grant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.also = append(c.also, g)
}

func withoutMarker(scopes []string) []string {
	return slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return s == "user" })
}

// slackCaller reads the token from the Authorization header or the token
// form field and answers Slack's auth errors.
func (s *Server) slackCaller(w http.ResponseWriter, r *http.Request) (*token, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	_ = r.ParseForm()
	value := bearer(r)
	if value == "" {
		value = r.Form.Get("token")
	}
	t, state := s.lookupAccess(value)
	switch {
	case value == "":
		slackFail(w, "not_authed")
	case state == tokenUnknown || t.grant.app.Kind != KindSlack:
		slackFail(w, "invalid_auth")
	case state == tokenRevoked:
		slackFail(w, "token_revoked")
	case state == tokenExpired:
		slackFail(w, "token_expired")
	default:
		return t, true
	}
	return nil, false
}

func (s *Server) slackAuthTest(w http.ResponseWriter, r *http.Request) {
	t, ok := s.slackCaller(w, r)
	if !ok {
		return
	}
	out := map[string]any{
		"ok": true, "url": "https://sandbox.slack.com/", "team": slackTeamName, "user": t.grant.user.Username,
		"team_id": SlackTeamID, "user_id": SlackUserID(*t.grant.user), "is_enterprise_install": false,
	}
	if !slices.Contains(t.grant.scopes, "user") {
		out["bot_id"] = "B0SANDBOX"
	}
	writeJSON(w, http.StatusOK, out)
}

// slackRevoke revokes the calling token; test=true only pretends.
func (s *Server) slackRevoke(w http.ResponseWriter, r *http.Request) {
	t, ok := s.slackCaller(w, r)
	if !ok {
		return
	}
	if r.Form.Get("test") == "true" || r.Form.Get("test") == "1" {
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "revoked": false})
		return
	}
	s.revokeToken(t.grant.app, t.value, false)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "revoked": true})
}
