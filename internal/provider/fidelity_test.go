package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/oauthflow"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// resolveFrom resolves name from the sandbox's configuration after edit has changed its text.
func resolveFrom(t *testing.T, srv *sandbox.Server, name string, edit func(string) string) *provider.Provider {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(edit(srv.ConfigYAML())), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(string) string { return "" }
	cfg, err := config.Load(path, getenv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := provider.Resolve(context.Background(), cfg, name, getenv, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("resolve %s: %v", name, err)
	}
	return p
}

// deviceToken runs one device authorization for p, approved at once, and returns the token
// answer of a single poll.
func deviceToken(t *testing.T, srv *sandbox.Server, p *provider.Provider) map[string]any {
	t.Helper()
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, p.HTTPClient())
	da, err := p.OAuth2("", nil).DeviceAuth(ctx)
	if err != nil {
		t.Fatalf("device code: %v", err)
	}
	if !srv.ApproveDevice(da.UserCode, sandbox.AliceUsername) {
		t.Fatal("approve device")
	}
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {da.DeviceCode}, "client_id": {p.ClientID}}
	req, _ := http.NewRequest(http.MethodPost, p.Endpoint.TokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := p.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out["access_token"] == nil {
		t.Fatalf("device token: %d %v %v", resp.StatusCode, out, err)
	}
	return out
}

// Sentry: a public client logs in with the device flow without a secret; the user token lives
// 30 days and is a "Bearer" token; it cannot be refreshed or revoked without the secret.
// fidelity: sentry-user-token-lifetime, sentry-device-public-client
func TestSentryPublicDeviceClient(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	p := resolveFrom(t, srv, "sentry", func(yaml string) string {
		return strings.Replace(yaml, `    client_secret: "`+sandbox.SentryClientSecret+`"`+"\n", "", 1)
	})
	out := deviceToken(t, srv, p)
	if out["token_type"] != "Bearer" || out["expires_in"].(float64) < 29*24*3600 {
		t.Fatalf("token answer: token_type %v expires_in %v, want Bearer and about 30 days", out["token_type"], out["expires_in"])
	}
	cred, err := p.FromToken(context.Background(), &oauth2.Token{AccessToken: out["access_token"].(string), RefreshToken: out["refresh_token"].(string), Expiry: time.Now().Add(30 * 24 * time.Hour)})
	if err != nil || cred.UserName != sandbox.AliceEmail {
		t.Fatalf("from token: %+v %v", cred, err)
	}
	if _, err := p.Refresh(context.Background(), cred); exitcode.Of(err) != exitcode.Auth || !strings.Contains(err.Error(), "run authctl login sentry --device again") {
		t.Errorf("refresh without the secret: %v (exit %d), want exit 3 naming --device", err, exitcode.Of(err))
	}
	if err := p.Revoke(context.Background(), cred); !errors.Is(err, provider.ErrRevokeUnsupported) {
		t.Errorf("revoke without the secret: %v, want ErrRevokeUnsupported", err)
	}
	if err := p.CheckWebLoginSecret(); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("web login without the secret: %v, want exit 2", err)
	}
}

// Slack: an app using PKCE with a localhost redirect logs in and refreshes without a client
// secret; the redirect uses the registered port (redirect_ports), as Slack's port matching is
// undocumented.
// fidelity: slack-pkce-refresh-no-secret
func TestSlackPublicPKCEClientRefreshes(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	p := resolveFrom(t, srv, "slack", func(yaml string) string {
		return strings.Replace(yaml, `    client_secret: "`+sandbox.SlackClientSecret+`"`+"\n", "", 1)
	})
	if len(p.RedirectPorts) != 1 || p.RedirectPorts[0] != sandbox.SlackRedirectPort {
		t.Fatalf("redirect ports %v, want [%d]", p.RedirectPorts, sandbox.SlackRedirectPort)
	}
	cred := login(t, p)
	srv.ExpireAccessTokens()
	next, err := p.Refresh(context.Background(), cred)
	if err != nil || next.AccessToken == cred.AccessToken {
		t.Fatalf("refresh without the secret: %v", err)
	}
}

// A GitHub app with the device flow off is a configuration error (exit 2) at the start, for
// both of GitHub's answers, instead of polling with an empty URL.
// fidelity: github-device-flow-disabled
func TestGitHubDeviceFlowOffIsConfiguration(t *testing.T) {
	t.Parallel()
	for _, off := range []string{sandbox.DeviceFlowOffError, sandbox.DeviceFlowOffNoURI} {
		t.Run(off, func(t *testing.T) {
			t.Parallel()
			seed := sandbox.DefaultSeed()
			for i := range seed.Apps {
				if seed.Apps[i].ClientID == sandbox.GitHubClientID {
					seed.Apps[i].DeviceFlowOff = off
				}
			}
			srv := sandboxtest.Start(t, sandboxtest.WithSeed(seed))
			p := resolveFrom(t, srv, "github", func(yaml string) string { return yaml })
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, p.HTTPClient())
			var prompt strings.Builder
			_, err := oauthflow.Device(ctx, p.OAuth2("", nil), &prompt)
			if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "log in without --device") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("device login: %v (exit %d), want one line, exit 2", err, exitcode.Of(err))
			}
			if srv.Count(http.MethodPost, "/login/oauth/access_token") != 0 || prompt.Len() != 0 {
				t.Errorf("polled %d times, prompted %q: want neither", srv.Count(http.MethodPost, "/login/oauth/access_token"), prompt.String())
			}
		})
	}
}

// A GitHub App user token from the device flow refreshes without the client secret
// ("Refreshing user access tokens": client_secret required unless the device flow made it).
// fidelity: github-device-refresh-no-secret
func TestGitHubDeviceTokenRefreshesWithoutSecret(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	p := resolveFrom(t, srv, "github-app", func(yaml string) string {
		return strings.Replace(yaml, `    client_secret: "`+sandbox.GitHubAppClientSecret+`"`+"\n", "", 1)
	})
	out := deviceToken(t, srv, p)
	tok := &oauth2.Token{AccessToken: out["access_token"].(string), RefreshToken: out["refresh_token"].(string), Expiry: time.Now().Add(8 * time.Hour)}
	cred, err := p.FromToken(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	next, err := p.Refresh(context.Background(), cred)
	if err != nil || next.AccessToken == cred.AccessToken {
		t.Fatalf("refresh without the secret: %v", err)
	}
}

// GitHub answers rate limits with 403 or 429 (x-ratelimit-remaining 0 and a reset, or
// Retry-After), Slack with 429 and Retry-After: a provider failure (exit 4) that says when to
// try again, not a missing scope or a login to redo.
// fidelity: github-rate-limit, slack-rate-limit
func TestRateLimitsSayWhenToRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		provider, path string
		fault          sandbox.Fault
		want           string
	}{
		{"github", "/user", sandbox.Fault{Status: 403, RateLimit: true}, "github: identity: rate limited (HTTP 403); the limit resets at "},
		{"github", "/user", sandbox.Fault{RateLimit: true}, "github: identity: rate limited (HTTP 429); the limit resets at "},
		{"github", "/user", sandbox.Fault{Status: 403, RetryAfter: 30}, "github: identity: rate limited (HTTP 403); try again in 30s"},
		{"slack", "/api/auth.test", sandbox.Fault{RetryAfter: 7}, "slack: identity: rate limited (ratelimited); try again in 7s"},
	}
	for _, tt := range tests {
		t.Run(tt.provider+" "+tt.want, func(t *testing.T) {
			t.Parallel()
			srv, p := sandboxProvider(t, tt.provider)
			cred := login(t, p)
			srv.SetFault(tt.path, tt.fault)
			_, err := p.Identity(context.Background(), cred.AccessToken)
			if exitcode.Of(err) != exitcode.Provider || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("identity: %v (exit %d), want exit 4 with %q", err, exitcode.Of(err), tt.want)
			}
		})
	}
}

// Slack's userInfo answers a rejected token with HTTP 200 {"ok":false}: no sub, no identity.
// fidelity: slack-userinfo-ok-false
func TestUserinfoWithoutSubIsNoIdentity(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	p := resolveFrom(t, srv, "slack-oidc", func(yaml string) string {
		return yaml + "  slack-oidc:\n    kind: oidc\n    client_id: \"" + sandbox.SlackClientID + "\"\n    client_secret: \"" + sandbox.SlackClientSecret + "\"\n    issuer: \"" + srv.URL() + "\"\n"
	})
	_, err := p.Identity(context.Background(), "xoxp-not-a-token")
	if !errors.Is(err, provider.ErrUnauthorized) || exitcode.Of(err) != exitcode.Auth || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("identity with a rejected token: %v (exit %d), want 401-like exit 3 naming invalid_auth", err, exitcode.Of(err))
	}
}
