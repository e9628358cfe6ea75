package sandbox

import (
	"net/http"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// Sign in with Slack: OpenID Connect with Slack's paths, ok:true/false
// bodies and Slack's own claims. Its issuer is the sandbox's base URL (the
// real one is https://slack.com), discovered at /.well-known/openid-configuration.
func (s *Server) slackOIDCRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /.well-known/openid-configuration", s.slackOIDCDiscovery)
	mux.HandleFunc("GET /openid/connect/keys", s.slackOIDCKeys)
	mux.HandleFunc("GET /openid/connect/authorize", s.authorize(KindSlack, KindOIDC, nil)) // OpenID Connect: scopes separated by spaces
	mux.HandleFunc("POST /api/openid.connect.token", s.slackOIDCToken)
	mux.HandleFunc("/api/openid.connect.userInfo", s.slackOIDCUserInfo)
}

func (s *Server) slackOIDCDiscovery(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": base, "authorization_endpoint": base + "/openid/connect/authorize",
		"token_endpoint": base + "/api/openid.connect.token", "userinfo_endpoint": base + "/api/openid.connect.userInfo",
		"jwks_uri": base + "/openid/connect/keys", "scopes_supported": []string{"openid", "profile", "email"},
		"response_types_supported": []string{"code"}, "response_modes_supported": []string{"form_post"},
		"grant_types_supported": []string{"authorization_code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
	})
}

func (s *Server) slackOIDCKeys(w http.ResponseWriter, r *http.Request) {
	if err := s.signer.init(); err != nil {
		slackFail(w, "internal_error")
		return
	}
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &s.signer.key.PublicKey, KeyID: oidcKeyID, Algorithm: string(jose.RS256), Use: "sig"}}})
}

// slackClaims are the claims Slack adds to ID tokens and userInfo.
func slackClaims(g *grant) map[string]any {
	m := map[string]any{
		"https://slack.com/user_id": SlackUserID(*g.user), "https://slack.com/team_id": SlackTeamID,
		"https://slack.com/team_name": slackTeamName, "name": g.user.Name,
	}
	if hasScope(g, "email") {
		m["email"], m["email_verified"] = g.user.Email, true
	}
	return m
}

func (s *Server) slackOIDCToken(w http.ResponseWriter, r *http.Request) {
	tr, err := parseTokenRequest(w, r)
	if err != nil || tr.isJSON {
		slackFail(w, "invalid_arguments")
		return
	}
	app := s.app(KindSlack, tr.clientID())
	switch {
	case app == nil:
		slackFail(w, "invalid_client_id")
		return
	case !tr.secretOK(app):
		slackFail(w, "bad_client_secret")
		return
	case tr.form.Get("grant_type") != "" && tr.form.Get("grant_type") != "authorization_code":
		slackFail(w, "invalid_grant_type")
		return
	}
	c, oerr := s.redeemCode(app, tr)
	if oerr != nil {
		code := "invalid_code"
		if strings.HasPrefix(oerr.desc, "redirect_uri") {
			code = "bad_redirect_uri"
		}
		slackFail(w, code)
		return
	}
	g := c.used
	if !hasScope(g, "openid") {
		slackFail(w, "invalid_scope")
		return
	}
	g.scopes = append([]string{"user"}, g.scopes...) // a user token for auth.test and userInfo
	t := s.issue(g, s.lifetime(slackTokenLifetime), "xoxp-", "", -1)
	idToken, err := s.idToken(baseURL(r), SlackUserID(*g.user), g, g.nonce, t.lifetime, slackClaims(g))
	if err != nil {
		slackFail(w, "internal_error")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "access_token": t.access.value, "token_type": "Bearer", "id_token": idToken})
}

func (s *Server) slackOIDCUserInfo(w http.ResponseWriter, r *http.Request) {
	t, ok := s.slackCaller(w, r)
	if !ok {
		return
	}
	if !hasScope(t.grant, "openid") {
		slackFail(w, "missing_scope")
		return
	}
	out := slackClaims(t.grant)
	out["ok"], out["sub"] = true, SlackUserID(*t.grant.user)
	writeJSON(w, http.StatusOK, out)
}
