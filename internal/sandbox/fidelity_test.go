package sandbox_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// GitHub answers slow_down to a device poll inside the interval, not only to one inside half of it.
func TestDevicePollInsideTheIntervalIsSlowDown(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) { s.DeviceInterval = 1 })))
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
	time.Sleep(600 * time.Millisecond) // past half the 1 s interval, inside the interval
	if got := poll(); got != "slow_down" {
		t.Fatalf("poll 0.6 s into a 1 s interval: %q, want slow_down", got)
	}
}

// Sentry checks a device-grant client secret when one is sent, and its routes are exact paths.
func TestSentryDeviceSecretAndExactRoutes(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	status, _, body := postForm(t, srv.URL()+"/oauth/token/", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"client_id": {sandbox.SentryClientID}, "client_secret": {"WRONG"}, "device_code": {"x"}}, "", "")
	if status != 401 || decode[map[string]string](t, body)["error"] != "invalid_client" {
		t.Errorf("device grant with a wrong secret: %d %s, want 401 invalid_client", status, body)
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
