package sandbox_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

const sentryRedirect = "http://127.0.0.1:42001/callback"

func sentryConfig(base string, style oauth2.AuthStyle, secret string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: sandbox.SentryClientID, ClientSecret: secret, RedirectURL: sentryRedirect, Scopes: []string{"org:read"},
		Endpoint: oauth2.Endpoint{AuthURL: base + "/oauth/authorize/", TokenURL: base + "/oauth/token/", DeviceAuthURL: base + "/oauth/device/code/", AuthStyle: style},
	}
}

func sentryLogin(t *testing.T, srv *sandbox.Server) *oauth2.Token {
	t.Helper()
	conf := sentryConfig(srv.URL(), oauth2.AuthStyleInParams, sandbox.SentryClientSecret)
	verifier, challenge := pkce()
	q := authorize(t, conf.AuthCodeURL("s", challenge), sentryRedirect)
	tok, err := conf.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

// PROVIDERS.md Sentry: the token response carries expires_in, expires_at, refresh_token,
// scope and a user object; refresh rotates both tokens.
// fidelity: sentry-token-response, sentry-user-token-lifetime
func TestSentryCodeAndRefresh(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	tok := sentryLogin(t, srv)
	user, _ := tok.Extra("user").(map[string]any)
	expiresAt, err := time.Parse(time.RFC3339, tok.Extra("expires_at").(string))
	if user["id"] != sandbox.AliceID || user["email"] != sandbox.AliceEmail || user["name"] == nil || err != nil ||
		expiresAt.Sub(time.Now()) < 29*24*time.Hour || tok.RefreshToken == "" || tok.Extra("scope") != "org:read" {
		t.Fatalf("token: user %v expires_at %v (%v) refresh %t scope %v", user, tok.Extra("expires_at"), err, tok.RefreshToken != "", tok.Extra("scope"))
	}
	status, _, body := get(t, srv.URL()+"/api/0/organizations/", "Bearer "+tok.AccessToken)
	if orgs := decode[[]map[string]any](t, body); status != 200 || len(orgs) != 1 || orgs[0]["slug"] != "sandbox" {
		t.Fatalf("organizations: %d %s", status, body)
	}
	if _, _, body := get(t, srv.URL()+"/api/0/users/me/", "Bearer "+tok.AccessToken); decode[map[string]any](t, body)["username"] != sandbox.AliceUsername {
		t.Fatalf("users/me: %s", body)
	}

	conf := sentryConfig(srv.URL(), oauth2.AuthStyleInHeader, sandbox.SentryClientSecret)
	fresh, err := conf.TokenSource(clientCtx(t), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if status, _, _ := get(t, srv.URL()+"/api/0/organizations/", "Bearer "+tok.AccessToken); status != 401 {
		t.Fatalf("old access token after refresh: %d, want 401", status)
	}
	if status, _, _ := get(t, srv.URL()+"/api/0/organizations/", "Bearer "+fresh.AccessToken); status != 200 {
		t.Fatalf("new access token: %d", status)
	}
	_, err = conf.TokenSource(clientCtx(t), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	retrieveError(t, err, "invalid_grant", 400)
}

// PROVIDERS.md Sentry errors: invalid_grant 400, invalid_client 401, credentials as Basic and
// in the form at once refused (Sentry: 400 invalid_request, "credential conflict", even for a
// matching client_id), the secret required even with PKCE.
// fidelity: sentry-token-errors
func TestSentryTokenErrors(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	tokenURL := srv.URL() + "/oauth/token/"
	newCode := func() (string, string) {
		verifier, challenge := pkce()
		return authorize(t, sentryConfig(srv.URL(), oauth2.AuthStyleInParams, "").AuthCodeURL("s", challenge), sentryRedirect).Get("code"), verifier
	}
	codeForm := func(code, verifier string, withSecret bool) url.Values {
		f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {sentryRedirect}, "client_id": {sandbox.SentryClientID}}
		if withSecret {
			f.Set("client_secret", sandbox.SentryClientSecret)
		}
		return f
	}
	tests := []struct {
		name      string
		form      func() url.Values
		basic     bool
		status    int
		wantError string
	}{
		{"double auth", func() url.Values { c, v := newCode(); return codeForm(c, v, true) }, true, 400, "invalid_request"},
		{"basic and a matching client_id", func() url.Values { c, v := newCode(); return codeForm(c, v, false) }, true, 400, "invalid_request"},
		{"no secret with PKCE", func() url.Values { c, v := newCode(); return codeForm(c, v, false) }, false, 401, "invalid_client"},
		{"bad code", func() url.Values { _, v := newCode(); return codeForm("nope", v, true) }, false, 400, "invalid_grant"},
		{"unknown client", func() url.Values { return url.Values{"grant_type": {"authorization_code"}, "client_id": {"nope"}} }, false, 401, "invalid_client"},
		{"bad grant type", func() url.Values {
			return url.Values{"grant_type": {"password"}, "client_id": {sandbox.SentryClientID}, "client_secret": {sandbox.SentryClientSecret}}
		}, false, 400, "unsupported_grant_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			user, pass := "", ""
			if tc.basic {
				user, pass = sandbox.SentryClientID, sandbox.SentryClientSecret
			}
			status, _, body := postForm(t, tokenURL, tc.form(), user, pass)
			if got := decode[map[string]string](t, body); status != tc.status || got["error"] != tc.wantError {
				t.Fatalf("%d %s, want %d %s", status, body, tc.status, tc.wantError)
			}
		})
	}
	t.Run("basic alone works", func(t *testing.T) {
		c, v := newCode()
		f := codeForm(c, v, false)
		f.Del("client_id")
		if status, _, body := postForm(t, tokenURL, f, sandbox.SentryClientID, sandbox.SentryClientSecret); status != 200 {
			t.Fatalf("Basic only: %d %s", status, body)
		}
	})
}

// PROVIDERS.md Sentry: loopback redirect with any port; 127.0.0.1 and localhost differ.
// fidelity: sentry-redirect-strict
func TestSentryRedirectRules(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	conf := sentryConfig(srv.URL(), oauth2.AuthStyleInParams, "")
	conf.RedirectURL = "http://127.0.0.1:9/callback"
	if q := authorize(t, conf.AuthCodeURL("s"), conf.RedirectURL); q.Get("code") == "" {
		t.Fatalf("any port: %v", q)
	}
	conf.RedirectURL = "http://localhost:9/callback"
	authorizeRefused(t, conf.AuthCodeURL("s"))
	conf.RedirectURL = sentryRedirect
	if q := authorize(t, conf.AuthCodeURL("s", oauth2.SetAuthURLParam("scope", "bogus")), sentryRedirect); q.Get("error") != "invalid_scope" {
		t.Fatalf("unknown scope: %v", q)
	}
}

// Sentry's ApiApplication.is_valid_redirect_uri: the loopback rule ignores only the port (the
// path must match); a legacy application also accepts any URI that starts with a registered
// one, a strict one (version 1) does not.
// fidelity: sentry-redirect-strict, sentry-redirect-legacy-prefix
func TestSentryStrictAndLegacyRedirects(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		srv := sandboxtest.Start(t, sandboxtest.AutoApprove(), sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) {
			for i := range s.Apps {
				if s.Apps[i].ClientID == sandbox.SentryClientID {
					s.Apps[i].StrictRedirect = strict
					s.Apps[i].RedirectURIs = append(s.Apps[i].RedirectURIs, "http://127.0.0.1:5000/cb")
				}
			}
		})))
		conf := sentryConfig(srv.URL(), oauth2.AuthStyleInParams, "")
		try := func(redirect string) bool {
			conf.RedirectURL = redirect
			resp, err := noRedirect().Get(conf.AuthCodeURL("s"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode == 302
		}
		cases := map[string]bool{
			"http://127.0.0.1:7/callback":     true,  // loopback, any port
			"http://127.0.0.1:7/callback/sub": false, // the loopback rule needs the exact path
			"http://127.0.0.1:5000/cb":        true,  // exact
			"http://127.0.0.1:5000/cb/../cb":  true,  // exact after normalising the path
			"http://127.0.0.1:5000/cb/sub":    !strict,
			"http://127.0.0.1:5000/cbx":       !strict, // a string prefix, as Sentry's startswith
			"http://127.0.0.1:5001/cb":        false,
			"http://localhost:7/callback":     false,
		}
		for redirect, want := range cases {
			if got := try(redirect); got != want {
				t.Errorf("strict %v, redirect %s: accepted %v, want %v", strict, redirect, got, want)
			}
		}
	}
}

// PROVIDERS.md Sentry: device flow; API 401 for expired tokens and 403 for a missing scope.
// fidelity: sentry-device-code, sentry-api-auth
func TestSentryDeviceAndAPIErrors(t *testing.T) {
	t.Parallel()
	clock := sandbox.NewClock(time.Now())
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove(), sandboxtest.WithClock(clock), sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) { s.DeviceInterval = 1 })))
	conf := sentryConfig(srv.URL(), oauth2.AuthStyleInParams, "")
	da, err := conf.DeviceAuth(clientCtx(t))
	if err != nil {
		t.Fatalf("device auth: %v", err)
	}
	if left := time.Until(da.Expiry); !strings.HasSuffix(da.VerificationURI, "/oauth/device/") || !strings.Contains(da.VerificationURIComplete, da.UserCode) ||
		left > 10*time.Minute || left < 9*time.Minute {
		t.Fatalf("device answer %+v (expires in %s, want ten minutes)", da, left)
	}
	// Polled by hand on the sandbox's clock: x/oauth2's poller ticks on the wall clock and, when a
	// loaded machine delays an answer past a tick, polls again at once and is told slow_down.
	poll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {da.DeviceCode}, "client_id": {sandbox.SentryClientID}}
	// Auto-approve answers the first poll authorization_pending and approves after it.
	if status, _, body := postForm(t, srv.URL()+"/oauth/token/", poll, "", ""); status != 400 || decode[map[string]any](t, body)["error"] != "authorization_pending" {
		t.Fatalf("first poll: %d %s, want 400 authorization_pending", status, body)
	}
	clock.Advance(time.Second)
	status, _, body := postForm(t, srv.URL()+"/oauth/token/", poll, "", "")
	tok := decode[map[string]any](t, body)
	if status != 200 || tok["user"] == nil || tok["refresh_token"] == nil || tok["access_token"] == nil {
		t.Fatalf("second poll: %d %s, want the token with user and refresh token", status, body)
	}

	noScope := sentryConfig(srv.URL(), oauth2.AuthStyleInParams, sandbox.SentryClientSecret)
	noScope.Scopes = []string{"project:read"}
	verifier, challenge := pkce()
	q := authorize(t, noScope.AuthCodeURL("s", challenge), sentryRedirect)
	narrow, err := noScope.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	status, _, body = get(t, srv.URL()+"/api/0/organizations/", "Bearer "+narrow.AccessToken)
	if status != 403 || decode[map[string]string](t, body)["detail"] == "" {
		t.Fatalf("missing scope: %d %s", status, body)
	}
	srv.ExpireAccessTokens()
	status, _, body = get(t, srv.URL()+"/api/0/organizations/", "Bearer "+tok["access_token"].(string))
	if status != 401 || decode[map[string]string](t, body)["detail"] == "" {
		t.Fatalf("expired: %d %s", status, body)
	}
}

// Sentry's OAuthRevokeView: client_id and client_secret in the form, both required; a revoked
// token (access or refresh) takes its pair with it; an unknown token is a silent 200.
// fidelity: sentry-revoke
func TestSentryRevoke(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	tok := sentryLogin(t, srv)
	revoke := srv.URL() + "/oauth/revoke/"
	form := func(extra url.Values) url.Values {
		v := url.Values{"client_id": {sandbox.SentryClientID}, "client_secret": {sandbox.SentryClientSecret}, "token": {tok.AccessToken}}
		for k, vals := range extra {
			v[k] = vals
		}
		return v
	}
	refusals := []struct {
		form   url.Values
		status int
		code   string
	}{
		{form(url.Values{"client_secret": {""}}), 400, "invalid_client"},
		{form(url.Values{"client_secret": {"wrong"}}), 401, "invalid_client"},
		{form(url.Values{"token": {""}}), 400, "invalid_request"},
		{form(url.Values{"token_type_hint": {"id_token"}}), 400, "unsupported_token_type"},
	}
	for _, r := range refusals {
		status, _, body := postForm(t, revoke, r.form, "", "")
		if status != r.status || decode[map[string]string](t, body)["error"] != r.code {
			t.Errorf("revoke %v: %d %s, want %d %s", r.form, status, body, r.status, r.code)
		}
	}
	if status, _, _ := get(t, srv.URL()+"/api/0/users/me/", "Bearer "+tok.AccessToken); status != 200 {
		t.Fatalf("a refused revoke killed the token: %d", status)
	}
	if status, _, body := postForm(t, revoke, form(url.Values{"token": {"unknown"}}), "", ""); status != 200 {
		t.Errorf("unknown token: %d %s, want 200", status, body)
	}
	if status, _, body := postForm(t, revoke, form(nil), "", ""); status != 200 {
		t.Fatalf("revoke: %d %s", status, body)
	}
	if status, _, _ := get(t, srv.URL()+"/api/0/users/me/", "Bearer "+tok.AccessToken); status != 401 {
		t.Errorf("revoked token: %d, want 401", status)
	}
	conf := sentryConfig(srv.URL(), oauth2.AuthStyleInParams, sandbox.SentryClientSecret)
	if _, err := conf.TokenSource(clientCtx(t), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("the refresh token of a revoked access token still works")
	}
}
