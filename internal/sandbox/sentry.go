package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

const (
	// sentryUserTokenLifetime is ApiToken's DEFAULT_EXPIRATION (src/sentry/models/apitoken.py).
	sentryUserTokenLifetime = 30 * 24 * time.Hour
	// sentryIntegrationTokenLifetime is token_exchange's TOKEN_LIFE_IN_HOURS.
	sentryIntegrationTokenLifetime = 8 * time.Hour
)

func (s *Server) sentryRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth/authorize/{$}", s.authorize(KindSentry, KindSentry, nil))
	mux.HandleFunc("POST /oauth/token/{$}", s.sentryToken)
	mux.HandleFunc("POST /oauth/revoke/{$}", s.sentryRevoke)
	mux.HandleFunc("POST /oauth/device/code/{$}", s.sentryDeviceCode)
	mux.HandleFunc("GET /oauth/device/{$}", s.devicePage)
	mux.HandleFunc("POST /oauth/device/{$}", s.devicePage)
	mux.HandleFunc("GET /api/0/organizations/{$}", s.sentryOrganizations)
	mux.HandleFunc("GET /api/0/users/me/{$}", s.sentryMe)
}

// sentryOAuthError is OAuthTokenView.error: {"error": name} only, and
// WWW-Authenticate on invalid_client (RFC 6749 §5.2).
func sentryOAuthError(w http.ResponseWriter, e *oauthError) {
	if e.code == "invalid_client" {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
	}
	writeJSON(w, e.status, map[string]string{"error": e.code})
}

func (s *Server) sentryToken(w http.ResponseWriter, r *http.Request) {
	tr, err := parseTokenRequest(w, r)
	if err != nil || tr.isJSON {
		sentryOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded"})
		return
	}
	// Sentry refuses any client credential in the body next to Basic, even a matching client_id.
	if tr.hasBasic && (tr.form.Has("client_secret") || tr.form.Has("client_id")) {
		sentryOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", "credential conflict: client credentials were sent both as Basic and in the body"})
		return
	}
	app := s.app(KindSentry, tr.clientID())
	if app == nil {
		sentryOAuthError(w, &oauthError{http.StatusUnauthorized, "invalid_client", "Invalid client_id"})
		return
	}
	var g *grant
	var oerr *oauthError
	switch gt := tr.form.Get("grant_type"); gt {
	case deviceGrantType:
		// The secret is optional for the device grant, but checked when given.
		if (tr.hasBasic || tr.form.Has("client_secret")) && !tr.secretOK(app) {
			oerr = &oauthError{http.StatusUnauthorized, "invalid_client", "Invalid client_secret"}
			break
		}
		g, oerr = s.pollDevice(app, tr.form.Get("device_code"), "invalid_grant")
	case "authorization_code", "refresh_token":
		if !tr.secretOK(app) { // the secret is required even with PKCE
			oerr = &oauthError{http.StatusUnauthorized, "invalid_client", "Invalid client_secret"}
			break
		}
		if gt == "refresh_token" {
			g, oerr = s.rotate(app, tr.form.Get("refresh_token"), true) // both tokens rotate
			break
		}
		var c *authCode
		if c, oerr = s.redeemCode(app, tr); oerr == nil {
			g = c.used
		}
	default:
		oerr = &oauthError{http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported", gt)}
	}
	if oerr != nil {
		sentryOAuthError(w, oerr)
		return
	}
	t := s.issue(g, s.lifetime(sentryUserTokenLifetime), "sntryu_", "", 0)
	out := map[string]any{
		"access_token": t.access.value, "refresh_token": t.refresh.value, "token_type": "Bearer",
		"expires_in": int(t.lifetime.Seconds()), "expires_at": t.access.expiry.UTC().Format(time.RFC3339Nano),
		"scope": strings.Join(g.scopes, " "),
	}
	if g.user != nil { // integration grants have no user
		out["user"] = map[string]string{"id": g.user.ID, "name": g.user.Name, "email": g.user.Email}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// sentryRevoke is OAuthRevokeView (RFC 7009): client_id and client_secret in
// the form, both required; the token named (access or refresh) is deleted with
// its pair; an unknown token, or another app's, is a silent 200.
func (s *Server) sentryRevoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		sentryRevokeError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	f := r.PostForm
	hint := f.Get("token_type_hint")
	switch {
	case f.Get("client_id") == "":
		sentryRevokeError(w, http.StatusBadRequest, "invalid_client", "client_id parameter not found")
		return
	case f.Get("client_secret") == "":
		sentryRevokeError(w, http.StatusBadRequest, "invalid_client", "client_secret parameter not found")
		return
	case f.Get("token") == "":
		sentryRevokeError(w, http.StatusBadRequest, "invalid_request", "token parameter not found")
		return
	case hint != "" && hint != "access_token" && hint != "refresh_token":
		sentryRevokeError(w, http.StatusBadRequest, "unsupported_token_type", "an unsupported token_type_hint was provided, must be either 'access_token' or 'refresh_token'")
		return
	}
	app := s.app(KindSentry, f.Get("client_id"))
	if app == nil || !(&tokenRequest{form: f}).secretOK(app) {
		sentryRevokeError(w, http.StatusUnauthorized, "invalid_client", "failed to authenticate client")
		return
	}
	// Sentry deletes the ApiToken row, which holds both the access and the refresh token.
	s.revokeToken(app, f.Get("token"), true)
	w.WriteHeader(http.StatusOK)
}

func sentryRevokeError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (s *Server) sentryDeviceCode(w http.ResponseWriter, r *http.Request) {
	tr, err := parseTokenRequest(w, r)
	if err != nil {
		sentryOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", err.Error()})
		return
	}
	app := s.app(KindSentry, tr.clientID())
	if app == nil {
		sentryOAuthError(w, &oauthError{http.StatusUnauthorized, "invalid_client", "Invalid client_id"})
		return
	}
	scopes := splitScopes(KindSentry, tr.form.Get("scope"))
	for _, sc := range scopes {
		if !sentryScope(sc) {
			sentryOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_scope", fmt.Sprintf("unknown scope %q", sc)})
			return
		}
	}
	d := s.startDevice(app, scopes, sentryDeviceLifetime) // fidelity: sentry-device-code
	verify := baseURL(r) + "/oauth/device/"
	writeJSON(w, http.StatusOK, map[string]any{
		"device_code": d.deviceCode, "user_code": d.userCode, "verification_uri": verify,
		"verification_uri_complete": verify + "?user_code=" + d.userCode,
		"expires_in":                int(d.expires.Sub(s.now()).Round(time.Second).Seconds()), "interval": int(d.interval.Seconds()),
	})
}

// sentryAuth answers 401 for a bad or expired token and 403 for a missing
// scope, like Sentry.
func (s *Server) sentryAuth(w http.ResponseWriter, r *http.Request, scope string) (*token, bool) {
	t, state := s.lookupAccess(bearer(r))
	switch {
	case state != tokenValid || t.grant.app.Kind != KindSentry:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid token"})
	case scope != "" && !hasScope(t.grant, scope):
		writeJSON(w, http.StatusForbidden, map[string]string{"detail": "You do not have permission to perform this action."})
	default:
		return t, true
	}
	return nil, false
}

func (s *Server) sentryOrganizations(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.sentryAuth(w, r, "org:read"); !ok {
		return
	}
	writeJSON(w, http.StatusOK, []map[string]any{{
		"id": "1", "slug": "sandbox", "name": "Sandbox Org", "dateCreated": "2021-03-04T05:06:07.000000Z",
		"status": map[string]string{"id": "active", "name": "active"}, "isEarlyAdopter": false, "require2FA": false,
	}})
}

func (s *Server) sentryMe(w http.ResponseWriter, r *http.Request) {
	t, ok := s.sentryAuth(w, r, "")
	if !ok {
		return
	}
	u := t.grant.user
	if u == nil {
		writeJSON(w, http.StatusForbidden, map[string]string{"detail": "This endpoint requires user info"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "username": u.Username, "name": u.Name, "email": u.Email})
}
