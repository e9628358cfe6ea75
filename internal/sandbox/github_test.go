package sandbox_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

func githubConfig(base, clientID, secret, redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: clientID, ClientSecret: secret, RedirectURL: redirect, Scopes: []string{"read:user"},
		Endpoint: oauth2.Endpoint{
			AuthURL: base + "/login/oauth/authorize", TokenURL: base + "/login/oauth/access_token",
			DeviceAuthURL: base + "/login/device/code", AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

func githubLogin(t *testing.T, srv *sandbox.Server, clientID, secret string) *oauth2.Token {
	t.Helper()
	redirect := "http://127.0.0.1:41234/callback" // an OAuth App takes any loopback port
	if clientID == sandbox.GitHubAppClientID {
		redirect = sandbox.GitHubAppRedirectURI
	}
	conf := githubConfig(srv.URL(), clientID, secret, redirect)
	verifier, challenge := pkce()
	q := authorize(t, conf.AuthCodeURL("st", challenge), redirect+"?")
	tok, err := conf.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

// PROVIDERS.md GitHub: loopback redirect on any port; OAuth App tokens do not expire
// (no expires_in, no refresh token); GET /user.
// fidelity: github-authorize-oauth-app-redirect, github-oauth-app-no-expiry, github-user, github-enterprise-prefix
func TestGitHubOAuthAppCodePKCE(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	tok := githubLogin(t, srv, sandbox.GitHubClientID, sandbox.GitHubClientSecret)
	if !tok.Expiry.IsZero() || tok.RefreshToken != "" || !strings.HasPrefix(tok.AccessToken, "gho_") {
		t.Fatalf("OAuth App token: expiry %v refresh %t token prefix %.4s", tok.Expiry, tok.RefreshToken != "", tok.AccessToken)
	}
	for _, prefix := range []string{"", "/api/v3"} {
		status, _, body := get(t, srv.URL()+prefix+"/user", "Bearer "+tok.AccessToken)
		if u := decode[map[string]any](t, body); status != 200 || u["login"] != sandbox.AliceUsername || u["id"] != float64(80351110224678912) {
			t.Fatalf("%s/user: %d %s", prefix, status, body)
		}
	}
	if status, _, _ := get(t, srv.URL()+"/user", "token "+tok.AccessToken); status != 200 {
		t.Fatalf(`"token" scheme: %d`, status)
	}
	status, _, body := get(t, srv.URL()+"/user", "Bearer nope")
	if status != 401 || decode[map[string]any](t, body)["message"] != "Bad credentials" {
		t.Fatalf("bad token: %d %s", status, body)
	}
}

// PROVIDERS.md GitHub: the port may differ from the registered one; 127.0.0.1 is not localhost.
// fidelity: github-authorize-oauth-app-redirect
func TestGitHubRedirectRules(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	for _, ok := range []string{"http://127.0.0.1:1/callback", "http://127.0.0.1:65535/callback", "http://127.0.0.1/callback", "http://127.0.0.1:5000/callback/sub"} {
		conf := githubConfig(srv.URL(), sandbox.GitHubClientID, "", ok)
		if q := authorize(t, conf.AuthCodeURL("s"), ok); q.Get("code") == "" {
			t.Errorf("%s: no code in %v", ok, q)
		}
	}
	for _, bad := range []string{"http://localhost:5000/callback", "http://127.0.0.1:5000/other", "https://127.0.0.1:5000/callback", "http://10.0.0.1/callback"} {
		authorizeRefused(t, githubConfig(srv.URL(), sandbox.GitHubClientID, "", bad).AuthCodeURL("s"))
	}
}

// PROVIDERS.md GitHub: the token endpoint answers form-encoded unless Accept: application/json,
// and errors come with HTTP 200 (bad_verification_code, incorrect_client_credentials).
// fidelity: github-token-form, github-token-http200-errors, github-web-secret
func TestGitHubTokenShapes(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	tokenURL := srv.URL() + "/login/oauth/access_token"
	code := func() string {
		conf := githubConfig(srv.URL(), sandbox.GitHubClientID, "", "http://127.0.0.1:5/callback")
		return authorize(t, conf.AuthCodeURL("s"), "http://127.0.0.1:5/callback").Get("code")
	}
	form := func(c, secret string) url.Values {
		return url.Values{"client_id": {sandbox.GitHubClientID}, "client_secret": {secret}, "code": {c}, "redirect_uri": {"http://127.0.0.1:5/callback"}}
	}

	status, h, body := postForm(t, tokenURL, form(code(), sandbox.GitHubClientSecret), "", "")
	vals, err := url.ParseQuery(string(body))
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/x-www-form-urlencoded") || err != nil || vals.Get("access_token") == "" || vals.Get("token_type") != "bearer" {
		t.Fatalf("form answer: %d %s %s", status, h.Get("Content-Type"), body)
	}

	cases := []struct {
		name string
		form url.Values
		want string
	}{
		{"bad code", form("nope", sandbox.GitHubClientSecret), "bad_verification_code"},
		{"secret required", form(code(), ""), "incorrect_client_credentials"},
		{"wrong secret", form(code(), "nope"), "incorrect_client_credentials"},
		{"unknown client", url.Values{"client_id": {"nope"}, "code": {"x"}}, "incorrect_client_credentials"},
		{"redirect mismatch", func() url.Values {
			f := form(code(), sandbox.GitHubClientSecret)
			f.Set("redirect_uri", "http://127.0.0.1:6/x")
			return f
		}(), "redirect_uri_mismatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(tc.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "application/json")
			status, _, body := do(t, req)
			got := decode[map[string]string](t, body)
			if status != 200 || got["error"] != tc.want || got["error_description"] == "" || got["error_uri"] == "" {
				t.Fatalf("%d %s, want HTTP 200 error %s with description and uri", status, body, tc.want)
			}
		})
	}
	// golang.org/x/oauth2 sees an HTTP-200 error as a RetrieveError too.
	conf := githubConfig(srv.URL(), sandbox.GitHubClientID, sandbox.GitHubClientSecret, "http://127.0.0.1:5/callback")
	_, err = conf.Exchange(clientCtx(t), "nope")
	retrieveError(t, err, "bad_verification_code", 200)
}

// PROVIDERS.md GitHub App user tokens: expires_in 28800, ghr_ refresh token with
// refresh_token_expires_in; refreshing invalidates the old access and refresh tokens at once.
// fidelity: github-app-token-lifetime, github-app-refresh-rotation
func TestGitHubAppRefresh(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	tok := githubLogin(t, srv, sandbox.GitHubAppClientID, sandbox.GitHubAppClientSecret)
	if !strings.HasPrefix(tok.RefreshToken, "ghr_") || fmt.Sprint(tok.Extra("expires_in")) != "28800" || fmt.Sprint(tok.Extra("refresh_token_expires_in")) != "15811200" {
		t.Fatalf("GitHub App token: refresh %.4s expires_in %v refresh_token_expires_in %v", tok.RefreshToken, tok.Extra("expires_in"), tok.Extra("refresh_token_expires_in"))
	}
	conf := githubConfig(srv.URL(), sandbox.GitHubAppClientID, sandbox.GitHubAppClientSecret, "")
	fresh, err := conf.TokenSource(clientCtx(t), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if status, _, _ := get(t, srv.URL()+"/user", "Bearer "+tok.AccessToken); status != 401 {
		t.Fatalf("old access token after refresh: %d, want 401", status)
	}
	if status, _, _ := get(t, srv.URL()+"/user", "Bearer "+fresh.AccessToken); status != 200 {
		t.Fatalf("new access token: %d", status)
	}
	_, err = conf.TokenSource(clientCtx(t), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	retrieveError(t, err, "bad_refresh_token", 200)
	// OAuth App tokens have no refresh.
	_, err = githubConfig(srv.URL(), sandbox.GitHubClientID, sandbox.GitHubClientSecret, "").TokenSource(clientCtx(t), &oauth2.Token{RefreshToken: fresh.RefreshToken}).Token()
	retrieveError(t, err, "bad_refresh_token", 200)
}

// PROVIDERS.md GitHub: device flow needs no secret; the user enters the code on a page.
// fidelity: github-device-code
func TestGitHubDeviceFlow(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) { s.DeviceInterval = 1 })))
	conf := githubConfig(srv.URL(), sandbox.GitHubClientID, "", "")
	ctx := clientCtx(t)
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		t.Fatalf("device auth: %v", err)
	}
	if da.VerificationURI != srv.URL()+"/login/device" || len(da.UserCode) != 9 || da.Interval != 1 {
		t.Fatalf("device answer %+v", da)
	}
	status, _, page := get(t, da.VerificationURI, "")
	if status != 200 || !strings.Contains(string(page), `name="user_code"`) {
		t.Fatalf("verification page: %d", status)
	}
	status, _, page = postForm(t, da.VerificationURI, url.Values{"user_code": {strings.ToLower(da.UserCode)}, "user": {sandbox.BobUsername}, "action": {"approve"}}, "", "")
	if status != 200 || !strings.Contains(string(page), "Device authorized") {
		t.Fatalf("approve on page: %d %s", status, page)
	}
	tok, err := conf.DeviceAccessToken(ctx, da)
	if err != nil {
		t.Fatalf("device token: %v", err)
	}
	_, _, body := get(t, srv.URL()+"/user", "Bearer "+tok.AccessToken)
	if decode[map[string]any](t, body)["login"] != sandbox.BobUsername {
		t.Fatalf("device user: %s", body)
	}
	// A used user code cannot be entered again.
	if status, _, _ := postForm(t, da.VerificationURI, url.Values{"user_code": {da.UserCode}, "user": {"alice"}, "action": {"approve"}}, "", ""); status != 400 {
		t.Fatalf("reused user code: %d, want 400", status)
	}
}

// PROVIDERS.md GitHub device flow errors: authorization_pending, slow_down, expired_token,
// access_denied, all with HTTP 200.
// fidelity: github-device-poll-errors
func TestGitHubDeviceErrors(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	start := func() url.Values {
		status, _, body := postForm(t, srv.URL()+"/login/device/code", url.Values{"client_id": {sandbox.GitHubClientID}, "scope": {"read:user"}}, "", "")
		v, err := url.ParseQuery(string(body))
		if status != 200 || err != nil || v.Get("device_code") == "" {
			t.Fatalf("device code: %d %s", status, body)
		}
		return v
	}
	poll := func(deviceCode string) string {
		status, _, body := postForm(t, srv.URL()+"/login/oauth/access_token",
			url.Values{"client_id": {sandbox.GitHubClientID}, "device_code": {deviceCode}, "grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}}, "", "")
		v, _ := url.ParseQuery(string(body))
		if status != 200 {
			t.Fatalf("poll: HTTP %d, want 200", status)
		}
		return v.Get("error")
	}
	d := start()
	if got := poll(d.Get("device_code")); got != "authorization_pending" {
		t.Fatalf("first poll: %q", got)
	}
	if got := poll(d.Get("device_code")); got != "slow_down" {
		t.Fatalf("immediate second poll: %q, want slow_down", got)
	}
	denied := start()
	if !srv.DenyDevice(denied.Get("user_code")) {
		t.Fatal("DenyDevice refused a fresh code")
	}
	if got := poll(denied.Get("device_code")); got != "access_denied" {
		t.Fatalf("denied: %q", got)
	}
	if got := poll("nope"); got != "incorrect_device_code" {
		t.Fatalf("unknown device code: %q", got)
	}
	expired := start()
	srv.ExpireDeviceCodes()
	if got := poll(expired.Get("device_code")); got != "expired_token" {
		t.Fatalf("expired: %q", got)
	}
	if srv.ApproveDevice(expired.Get("user_code"), sandbox.AliceUsername) {
		t.Fatal("ApproveDevice accepted an expired code")
	}
	if status, _, _ := postForm(t, srv.URL()+"/login/device/code", url.Values{"client_id": {"nope"}}, "", ""); status != 400 {
		t.Fatalf("device code for unknown client: %d", status)
	}
}

// PROVIDERS.md GitHub revoke: DELETE /applications/{client_id}/token with Basic client
// credentials and JSON {"access_token"}.
// fidelity: github-revoke
func TestGitHubRevoke(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	tok := githubLogin(t, srv, sandbox.GitHubClientID, sandbox.GitHubClientSecret)
	revoke := func(user, pass, body string) int {
		req, _ := http.NewRequest(http.MethodDelete, srv.URL()+"/applications/"+sandbox.GitHubClientID+"/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		status, _, _ := do(t, req)
		return status
	}
	body := `{"access_token":"` + tok.AccessToken + `"}`
	if got := revoke("", "", body); got != 401 {
		t.Fatalf("no client credentials: %d", got)
	}
	if got := revoke(sandbox.GitHubClientID, "nope", body); got != 401 {
		t.Fatalf("wrong secret: %d", got)
	}
	if got := revoke(sandbox.GitHubClientID, sandbox.GitHubClientSecret, `{}`); got != 422 {
		t.Fatalf("no access_token: %d", got)
	}
	if got := revoke(sandbox.GitHubClientID, sandbox.GitHubClientSecret, body); got != 204 {
		t.Fatalf("revoke: %d", got)
	}
	if status, _, _ := get(t, srv.URL()+"/user", "Bearer "+tok.AccessToken); status != 401 {
		t.Fatalf("revoked token: %d", status)
	}
	if got := revoke(sandbox.GitHubClientID, sandbox.GitHubClientSecret, `{"access_token":"gho_unknown"}`); got != 404 {
		t.Fatalf("unknown token: %d", got)
	}
}

// githubDevice starts a device authorization for clientID, approves it for alice and polls once.
func githubDevice(t *testing.T, srv *sandbox.Server, clientID string) url.Values {
	t.Helper()
	_, _, body := postForm(t, srv.URL()+"/login/device/code", url.Values{"client_id": {clientID}}, "", "")
	d, _ := url.ParseQuery(string(body))
	if !srv.ApproveDevice(d.Get("user_code"), sandbox.AliceUsername) {
		t.Fatalf("approve: %s", body)
	}
	_, _, body = postForm(t, srv.URL()+"/login/oauth/access_token",
		url.Values{"client_id": {clientID}, "device_code": {d.Get("device_code")}, "grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}}, "", "")
	v, _ := url.ParseQuery(string(body))
	return v
}

// GitHub ("Refreshing user access tokens"): client_secret is required unless the user access
// token was generated with the device flow; slow_down carries the new interval.
// fidelity: github-device-refresh-no-secret, github-device-slow-down-interval
func TestGitHubDeviceRefreshWithoutSecretAndSlowDownInterval(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	refresh := func(token string) url.Values {
		_, _, body := postForm(t, srv.URL()+"/login/oauth/access_token",
			url.Values{"client_id": {sandbox.GitHubAppClientID}, "grant_type": {"refresh_token"}, "refresh_token": {token}}, "", "")
		v, _ := url.ParseQuery(string(body))
		return v
	}
	device := githubDevice(t, srv, sandbox.GitHubAppClientID)
	if got := refresh(device.Get("refresh_token")); got.Get("access_token") == "" {
		t.Fatalf("refresh of a device-flow token without the secret: %v", got)
	}
	web := githubLogin(t, srv, sandbox.GitHubAppClientID, sandbox.GitHubAppClientSecret)
	if got := refresh(web.RefreshToken); got.Get("error") != "incorrect_client_credentials" {
		t.Fatalf("refresh of a web-flow token without the secret: %v, want incorrect_client_credentials", got)
	}

	_, _, body := postForm(t, srv.URL()+"/login/device/code", url.Values{"client_id": {sandbox.GitHubClientID}}, "", "")
	d, _ := url.ParseQuery(string(body))
	var last url.Values
	for range 2 {
		_, _, body := postForm(t, srv.URL()+"/login/oauth/access_token",
			url.Values{"client_id": {sandbox.GitHubClientID}, "device_code": {d.Get("device_code")}, "grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}}, "", "")
		last, _ = url.ParseQuery(string(body))
	}
	if last.Get("error") != "slow_down" || last.Get("interval") != "10" {
		t.Fatalf("second immediate poll: %v, want slow_down with interval 10", last)
	}
}

// A GitHub app with the device flow switched off answers 400 device_flow_disabled or 200
// without verification_uri (cli/oauth's device package handles both).
// fidelity: github-device-flow-disabled
func TestGitHubDeviceFlowDisabled(t *testing.T) {
	t.Parallel()
	for _, off := range []string{sandbox.DeviceFlowOffError, sandbox.DeviceFlowOffNoURI} {
		srv := sandboxtest.Start(t, sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) {
			for i := range s.Apps {
				if s.Apps[i].ClientID == sandbox.GitHubClientID {
					s.Apps[i].DeviceFlowOff = off
				}
			}
		})))
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/login/device/code", strings.NewReader(url.Values{"client_id": {sandbox.GitHubClientID}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		status, _, body := do(t, req)
		got := decode[map[string]any](t, body)
		switch {
		case off == sandbox.DeviceFlowOffError && (status != 400 || got["error"] != "device_flow_disabled"):
			t.Errorf("%s: %d %s, want 400 device_flow_disabled", off, status, body)
		case off == sandbox.DeviceFlowOffNoURI && (status != 200 || got["verification_uri"] != nil):
			t.Errorf("%s: %d %s, want 200 without verification_uri", off, status, body)
		}
	}
}

// A GitHub App's redirect_uri must match a callback URL exactly; an OAuth App's loopback port
// may differ.
// fidelity: github-app-redirect-exact
func TestGitHubAppRedirectExact(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	app := githubConfig(srv.URL(), sandbox.GitHubAppClientID, sandbox.GitHubAppClientSecret, "http://127.0.0.1:41234/callback")
	authorizeRefused(t, app.AuthCodeURL("st"))
	oauthApp := githubConfig(srv.URL(), sandbox.GitHubClientID, sandbox.GitHubClientSecret, "http://127.0.0.1:41234/callback")
	if q := authorize(t, oauthApp.AuthCodeURL("st"), "http://127.0.0.1:41234/callback?"); q.Get("code") == "" {
		t.Fatalf("OAuth App, another loopback port: %v", q)
	}
}

// GitHub's codes expire after 10 minutes and are single use; a replayed code revokes the token
// of the first exchange.
// fidelity: github-code-lifetime
func TestGitHubCodeLifetimeAndReplay(t *testing.T) {
	t.Parallel()
	clock := sandbox.NewClock(time.Now())
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove(), sandboxtest.WithClock(clock))
	redirect := "http://127.0.0.1:41234/callback"
	conf := githubConfig(srv.URL(), sandbox.GitHubClientID, sandbox.GitHubClientSecret, redirect)
	code := func() string { return authorize(t, conf.AuthCodeURL("st"), redirect+"?").Get("code") }
	exchange := func(c string) url.Values {
		_, _, body := postForm(t, srv.URL()+"/login/oauth/access_token", url.Values{"client_id": {sandbox.GitHubClientID},
			"client_secret": {sandbox.GitHubClientSecret}, "code": {c}, "redirect_uri": {redirect}}, "", "")
		v, _ := url.ParseQuery(string(body))
		return v
	}
	stale := code()
	clock.Advance(10*time.Minute + time.Second)
	if got := exchange(stale); got.Get("error") != "bad_verification_code" {
		t.Fatalf("a code after 10 minutes: %v, want bad_verification_code", got)
	}
	fresh := code()
	first := exchange(fresh)
	if first.Get("access_token") == "" {
		t.Fatalf("exchange: %v", first)
	}
	if got := exchange(fresh); got.Get("error") != "bad_verification_code" {
		t.Fatalf("replayed code: %v, want bad_verification_code", got)
	}
	if status, _, _ := get(t, srv.URL()+"/user", "Bearer "+first.Get("access_token")); status != 401 {
		t.Errorf("the first exchange's token after a replay: %d, want 401", status)
	}
}
