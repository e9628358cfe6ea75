package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	githubAppTokenLifetime   = 28800 * time.Second
	githubAppRefreshLifetime = 15811200 * time.Second
	githubErrorURI           = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"
)

func (s *Server) githubRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login/oauth/authorize", s.authorize(KindGitHub, KindGitHub, nil))
	mux.HandleFunc("POST /login/oauth/access_token", s.githubToken)
	mux.HandleFunc("POST /login/device/code", s.githubDeviceCode)
	mux.HandleFunc("GET /login/device", s.devicePage)
	mux.HandleFunc("POST /login/device", s.devicePage)
	for _, prefix := range []string{"", "/api/v3"} { // api.github.com and GitHub Enterprise
		mux.HandleFunc("GET "+prefix+"/user", s.githubUser)
		mux.HandleFunc("DELETE "+prefix+"/applications/{client_id}/token", s.githubRevoke)
	}
}

// githubWrite answers the token endpoints: JSON when the client accepts it,
// else form-encoded, like GitHub.
func githubWrite(w http.ResponseWriter, r *http.Request, status int, v map[string]any) {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeJSON(w, status, v)
		return
	}
	form := url.Values{}
	for k, val := range v {
		form.Set(k, fmt.Sprint(val))
	}
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(form.Encode()))
}

// githubError is GitHub's token error: HTTP 200 with error fields.
func githubError(w http.ResponseWriter, r *http.Request, code, desc string) {
	githubWrite(w, r, http.StatusOK, map[string]any{"error": code, "error_description": desc, "error_uri": githubErrorURI})
}

func (s *Server) githubToken(w http.ResponseWriter, r *http.Request) {
	tr, err := parseTokenRequest(w, r)
	if err != nil {
		githubError(w, r, "invalid_request", err.Error())
		return
	}
	app := s.app(KindGitHub, tr.clientID())
	if app == nil {
		githubError(w, r, "incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.")
		return
	}
	var g *grant
	switch gt := tr.form.Get("grant_type"); gt {
	case deviceGrantType: // the device flow needs no secret
		if app.DeviceFlowOff != "" {
			githubError(w, r, "device_flow_disabled", "Device flow has not been enabled for this application.")
			return
		}
		var oerr *oauthError
		if g, oerr = s.pollDevice(app, tr.form.Get("device_code"), "incorrect_device_code"); oerr != nil {
			if oerr.code == "slow_down" {
				// fidelity: github-device-slow-down-interval
				githubWrite(w, r, http.StatusOK, map[string]any{"error": oerr.code, "error_description": oerr.desc,
					"error_uri": githubErrorURI, "interval": s.deviceInterval(tr.form.Get("device_code"))})
				return
			}
			githubError(w, r, oerr.code, oerr.desc)
			return
		}
		g.publicRefresh = true // "Required unless the user access token was generated using the device flow"
	case "", "authorization_code":
		if !tr.secretOK(app) {
			githubError(w, r, "incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.")
			return
		}
		c, oerr := s.redeemCode(app, tr)
		if oerr != nil {
			code := "bad_verification_code"
			if strings.HasPrefix(oerr.desc, "redirect_uri") {
				code = "redirect_uri_mismatch"
			}
			githubError(w, r, code, "The code passed is incorrect or expired: "+oerr.desc)
			return
		}
		g = c.used
	case "refresh_token":
		// fidelity: github-device-refresh-no-secret
		secretGiven := tr.form.Get("client_secret") != "" || tr.basicSecret != ""
		if (secretGiven || !s.publicRefreshToken(app, tr.form.Get("refresh_token"))) && !tr.secretOK(app) {
			githubError(w, r, "incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.")
			return
		}
		var oerr *oauthError
		if !app.ExpiringTokens {
			oerr = invalidGrant("this app's tokens do not expire")
		} else {
			// A GitHub App refresh kills the old access and refresh tokens at once.
			g, oerr = s.rotate(app, tr.form.Get("refresh_token"), true)
		}
		if oerr != nil {
			githubError(w, r, "bad_refresh_token", "The refresh token passed is incorrect or expired.")
			return
		}
	default:
		githubError(w, r, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported", gt))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if !app.ExpiringTokens {
		t := s.issue(g, 0, "gho_", "", -1)
		githubWrite(w, r, http.StatusOK, map[string]any{"access_token": t.access.value, "token_type": "bearer", "scope": strings.Join(g.scopes, ",")})
		return
	}
	t := s.issue(g, s.lifetime(githubAppTokenLifetime), "ghu_", "ghr_", githubAppRefreshLifetime)
	githubWrite(w, r, http.StatusOK, map[string]any{
		"access_token": t.access.value, "token_type": "bearer", "scope": "",
		"expires_in": int(t.lifetime.Seconds()), "refresh_token": t.refresh.value,
		"refresh_token_expires_in": int(githubAppRefreshLifetime.Seconds()),
	})
}

func (s *Server) githubDeviceCode(w http.ResponseWriter, r *http.Request) {
	tr, err := parseTokenRequest(w, r)
	if err != nil {
		githubWrite(w, r, http.StatusBadRequest, map[string]any{"error": "invalid_request", "error_description": err.Error()})
		return
	}
	app := s.app(KindGitHub, tr.form.Get("client_id"))
	if app == nil {
		githubWrite(w, r, http.StatusBadRequest, map[string]any{"error": "incorrect_client_credentials", "error_description": "The client_id passed is incorrect."})
		return
	}
	// fidelity: github-device-flow-disabled
	switch app.DeviceFlowOff {
	case DeviceFlowOffError:
		githubWrite(w, r, http.StatusBadRequest, map[string]any{"error": "device_flow_disabled", "error_description": "Device flow has not been enabled for this application.", "error_uri": githubErrorURI})
		return
	case DeviceFlowOffNoURI:
		githubWrite(w, r, http.StatusOK, map[string]any{})
		return
	}
	d := s.startDevice(app, splitScopes(KindGitHub, tr.form.Get("scope")), githubDeviceLifetime)
	githubWrite(w, r, http.StatusOK, map[string]any{
		"device_code": d.deviceCode, "user_code": d.userCode, "verification_uri": baseURL(r) + "/login/device",
		"expires_in": int(d.expires.Sub(s.now()).Round(time.Second).Seconds()), "interval": int(d.interval.Seconds()),
	})
}

// githubAuth accepts "Bearer X" and the older "token X".
func (s *Server) githubAuth(w http.ResponseWriter, r *http.Request) (*token, bool) {
	scheme, value, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "token") {
		if t, state := s.lookupAccess(strings.TrimSpace(value)); state == tokenValid && t.grant.app.Kind == KindGitHub {
			return t, true
		}
	}
	writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
	return nil, false
}

func (s *Server) githubUser(w http.ResponseWriter, r *http.Request) {
	t, ok := s.githubAuth(w, r)
	if !ok {
		return
	}
	u := t.grant.user
	if u == nil {
		githubMessage(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	id, _ := strconv.ParseInt(u.ID, 10, 64)
	if !t.grant.app.ExpiringTokens {
		w.Header().Set("X-OAuth-Scopes", strings.Join(t.grant.scopes, ", "))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"login": u.Username, "id": id, "node_id": "U_" + u.ID, "type": "User", "site_admin": false,
		"name": u.Name, "email": u.Email, "html_url": baseURL(r) + "/" + u.Username,
	})
}

// githubRevoke is DELETE /applications/{client_id}/token: Basic client
// credentials and a JSON body {"access_token": …}; 204 on success.
func (s *Server) githubRevoke(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	app := s.app(KindGitHub, r.PathValue("client_id"))
	if !ok || app == nil || id != app.ClientID || !(&tokenRequest{hasBasic: true, basicSecret: secret}).secretOK(app) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
		return
	}
	tr, err := parseTokenRequest(w, r)
	if err != nil || !tr.isJSON || tr.form.Get("access_token") == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Invalid request. \"access_token\" wasn't supplied.", "documentation_url": "https://docs.github.com/rest"})
		return
	}
	// The body names an access token; GitHub does not revoke by refresh token.
	if !s.revokeAccessToken(app, tr.form.Get("access_token"), true) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
