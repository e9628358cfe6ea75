package sandbox_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// GitHub answers slow_down to a device poll inside the interval, not only to one inside half of it.
// fidelity: github-device-poll-errors, sandbox-clock
func TestDevicePollInsideTheIntervalIsSlowDown(t *testing.T) {
	t.Parallel()
	clock := sandbox.NewClock(time.Now())
	srv := sandboxtest.Start(t, sandboxtest.WithClock(clock), sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) { s.DeviceInterval = 1 })))
	_, _, body := postForm(t, srv.URL()+"/login/device/code", url.Values{"client_id": {sandbox.GitHubClientID}, "scope": {"read:user"}}, "", "")
	d, _ := url.ParseQuery(string(body))
	poll := func() string {
		_, _, body := postForm(t, srv.URL()+"/login/oauth/access_token",
			url.Values{"client_id": {sandbox.GitHubClientID}, "device_code": {d.Get("device_code")}, "grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}}, "", "")
		v, _ := url.ParseQuery(string(body))
		return v.Get("error")
	}
	if got := poll(); got != "authorization_pending" {
		t.Fatalf("first poll: %q", got)
	}
	clock.Advance(600 * time.Millisecond) // past half the 1 s interval, inside the interval
	if got := poll(); got != "slow_down" {
		t.Fatalf("poll 0.6 s into a 1 s interval: %q, want slow_down", got)
	}
}

// Sentry checks a device-grant client secret when one is sent, and its routes are exact paths.
// fidelity: sentry-device-public-client
func TestSentryDeviceSecretAndExactRoutes(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	status, header, body := postForm(t, srv.URL()+"/oauth/token/", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"client_id": {sandbox.SentryClientID}, "client_secret": {"WRONG"}, "device_code": {"x"}}, "", "")
	// fidelity: sentry-token-errors (only {"error"}, and WWW-Authenticate on invalid_client)
	if got := decode[map[string]string](t, body); status != 401 || got["error"] != "invalid_client" || len(got) != 1 || header.Get("WWW-Authenticate") != `Basic realm="oauth"` {
		t.Errorf("device grant with a wrong secret: %d %v %s, want 401 {error: invalid_client} with WWW-Authenticate", status, header, body)
	}
	if status, _, body := get(t, srv.URL()+"/api/0/organizations/nonexistent/members/", ""); status != 404 {
		t.Errorf("a path below /api/0/organizations/: %d %s, want 404", status, body)
	}
}

// GitHub and Sentry have no public clients: a seed that declares one is refused.
func TestSeedRefusesPublicGitHubAndSentryApps(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"github", "sentry"} {
		path := filepath.Join(t.TempDir(), "seed.yaml")
		seed := "users: [{id: \"1\", username: a}]\napps: [{kind: " + kind + ", client_id: c, public: true}]\n"
		if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := sandbox.LoadSeed(path); err == nil || !strings.Contains(err.Error(), "no public clients") {
			t.Errorf("%s public app: %v, want it refused", kind, err)
		}
	}
}

// GitHub revokes by access token only: a refresh token in the body is 404 and kills nothing.
// fidelity: github-revoke
func TestGitHubRevokeRefusesARefreshToken(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	tok := githubLogin(t, srv, sandbox.GitHubAppClientID, sandbox.GitHubAppClientSecret)
	req, _ := http.NewRequest(http.MethodDelete, srv.URL()+"/applications/"+sandbox.GitHubAppClientID+"/token", strings.NewReader(`{"access_token":"`+tok.RefreshToken+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(sandbox.GitHubAppClientID, sandbox.GitHubAppClientSecret)
	if status, _, body := do(t, req); status != 404 {
		t.Fatalf("revoke with a refresh token: %d %s, want 404", status, body)
	}
	if status, _, _ := get(t, srv.URL()+"/user", "Bearer "+tok.AccessToken); status != 200 {
		t.Errorf("the access token after a refused revoke: %d, want 200", status)
	}
}

// OpenID Connect userinfo answers POST as well as GET (Core §5.3.1); revoking the refresh token
// ends its grant's access tokens too (RFC 7009 §2.1).
// fidelity: oidc-userinfo, oidc-revoke
func TestOIDCUserinfoPostAndRefreshRevocation(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	_, conf := oidcClient(t, srv, sandbox.OIDCClientID, sandbox.OIDCClientSecret, oidc.ScopeOpenID, "offline_access")
	verifier, challenge := pkce()
	q := authorize(t, conf.AuthCodeURL("s", challenge, oidc.Nonce("n")), oidcRedirect)
	tok, err := conf.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v (refresh token set %v)", err, tok != nil && tok.RefreshToken != "")
	}
	userinfo := srv.URL() + "/oidc/userinfo"
	req, _ := http.NewRequest(http.MethodPost, userinfo, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if status, _, body := do(t, req); status != 200 {
		t.Fatalf("POST userinfo: %d %s", status, body)
	}
	if status, _, body := postForm(t, srv.URL()+"/oidc/revoke", url.Values{"token": {tok.RefreshToken}}, sandbox.OIDCClientID, sandbox.OIDCClientSecret); status != 200 {
		t.Fatalf("revoke the refresh token: %d %s", status, body)
	}
	if status, _, _ := get(t, userinfo, "Bearer "+tok.AccessToken); status != 401 {
		t.Errorf("the access token after its refresh token was revoked: %d, want 401", status)
	}
}
