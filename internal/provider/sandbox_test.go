package provider_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/httplog"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// sandboxProvider starts an auto-approving sandbox and resolves name from
// the configuration it hands out.
func sandboxProvider(t *testing.T, name string) (*sandbox.Server, *provider.Provider) {
	t.Helper()
	return sandboxProviderWith(t, name, &http.Client{Timeout: 10 * time.Second})
}

// sandboxProviderWith is sandboxProvider with the provider calling through client.
func sandboxProviderWith(t *testing.T, name string, client *http.Client) (*sandbox.Server, *provider.Provider) {
	t.Helper()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(srv.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(string) string { return "" }
	cfg, err := config.Load(path, getenv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := provider.Resolve(context.Background(), cfg, name, getenv, client)
	if err != nil {
		t.Fatalf("resolve %s: %v", name, err)
	}
	return srv, p
}

// redirectFor is a redirect URI each sandbox app accepts: the fixed port
// when the provider entry has one, else any.
func redirectFor(p *provider.Provider) string {
	port := 28682
	if len(p.RedirectPorts) > 0 {
		port = p.RedirectPorts[0]
	}
	return "http://" + p.RedirectHost + ":" + strconv.Itoa(port) + "/callback"
}

func random(t *testing.T) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// login is an HTTP "browser": it opens the authorize URL, lets the sandbox
// auto-approve, reads the code off the redirect and exchanges it.
func login(t *testing.T, p *provider.Provider) *provider.Credential {
	t.Helper()
	conf := p.OAuth2(redirectFor(p), nil)
	verifier, state, nonce := oauth2.GenerateVerifier(), random(t), random(t)
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, p.AuthCodeOptions(nonce)...)
	browser := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(conf.AuthCodeURL(state, opts...))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := callback.Query()
	if q.Get("error") != "" || q.Get("state") != state {
		t.Fatalf("callback %s: error %q, state match %v", callback.Redacted(), q.Get("error"), q.Get("state") == state)
	}
	cred, err := p.Exchange(context.Background(), conf, q.Get("code"), verifier, nonce)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return cred
}

func TestLoginIdentityRefreshRevokePerKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		wantName     string
		refreshes    bool
		revokes      bool
		identityPath string
	}{
		{"discord", sandbox.AliceUsername, true, true, "/api/v10/users/@me"},
		{"github", sandbox.AliceUsername, false, true, "/user"},
		{"github-app", sandbox.AliceUsername, true, true, "/user"},
		{"slack", sandbox.AliceUsername, true, true, "/api/auth.test"},
		{"sentry", sandbox.AliceEmail, true, true, "/api/0/users/me/"},
		{"oidc", sandbox.AliceUsername, true, true, "/oidc/userinfo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, p := sandboxProvider(t, tt.name)
			cred := login(t, p)
			if cred.AccessToken == "" || cred.UserName != tt.wantName || cred.UserID == "" {
				t.Fatalf("after login: user %q (%q), token set %v", cred.UserName, cred.UserID, cred.AccessToken != "")
			}
			id, err := p.Identity(context.Background(), cred.AccessToken)
			if err != nil || id.Name != tt.wantName || id.ID != cred.UserID {
				t.Fatalf("identity = %+v, %v; want %s (%s)", id, err, tt.wantName, cred.UserID)
			}

			if tt.refreshes {
				if cred.RefreshToken == "" || cred.Expiry.IsZero() {
					t.Fatalf("%s must issue expiring tokens with a refresh token", tt.name)
				}
				srv.ExpireAccessTokens()
				next, err := p.Refresh(context.Background(), cred)
				if err != nil {
					t.Fatalf("refresh: %v", err)
				}
				if next.AccessToken == cred.AccessToken || next.RefreshToken == "" || next.UserID != cred.UserID {
					t.Fatalf("refresh did not rotate: same access %v, refresh set %v", next.AccessToken == cred.AccessToken, next.RefreshToken != "")
				}
				if tt.name == "github-app" {
					// PROVIDERS.md: refresh_token_expires_in 15811200, in GitHub's form-encoded answer.
					for what, c := range map[string]*provider.Credential{"login": cred, "refresh": next} {
						if left := time.Until(c.RefreshExpiry); left < 182*24*time.Hour || left > 183*24*time.Hour {
							t.Errorf("after %s: refresh token expires in %s, want about 183 days", what, left)
						}
					}
				}
				if _, err := p.Identity(context.Background(), next.AccessToken); err != nil {
					t.Fatalf("identity with the refreshed token: %v", err)
				}
				if next.RefreshToken != cred.RefreshToken {
					// A rotated refresh token is single-use: the old one must now be refused.
					_, err := p.Refresh(context.Background(), cred)
					if exitcode.Of(err) != exitcode.Auth || !strings.Contains(err.Error(), "run authctl login "+tt.name) {
						t.Errorf("reusing the old refresh token: %v (exit %d), want exit 3 with the way out", err, exitcode.Of(err))
					}
				}
				cred = next
			} else if cred.RefreshToken != "" || !cred.Expiry.IsZero() {
				t.Errorf("%s tokens never expire, got expiry %v", tt.name, cred.Expiry)
			}

			err = p.Revoke(context.Background(), cred)
			if !tt.revokes {
				if !errors.Is(err, provider.ErrRevokeUnsupported) {
					t.Fatalf("revoke = %v, want ErrRevokeUnsupported", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("revoke: %v", err)
			}
			srv.ResetCounts()
			_, err = p.Identity(context.Background(), cred.AccessToken)
			if !errors.Is(err, provider.ErrUnauthorized) || exitcode.Of(err) != exitcode.Auth {
				t.Errorf("identity after revoke = %v, want 401 (exit 3)", err)
			}
			if n := srv.Count(http.MethodGet, tt.identityPath) + srv.Count(http.MethodPost, tt.identityPath); n != 1 {
				t.Errorf("%d identity requests at %s, want 1", n, tt.identityPath)
			}
		})
	}
}

func TestRefreshAgainstFaultyTokenEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   sandbox.Fault
		timeout time.Duration
		wantMsg string
	}{
		{"500", sandbox.Fault{Status: 500}, 0, "HTTP 500"},
		{"503", sandbox.Fault{Status: 503}, 0, "HTTP 503"},
		{"garbage", sandbox.Fault{MalformedJSON: true}, 0, "refresh token"},
		{"dropped", sandbox.Fault{Drop: true}, 0, "refresh token"},
		{"slow", sandbox.Fault{Latency: time.Minute}, 200 * time.Millisecond, "timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, p := sandboxProvider(t, "discord")
			cred := login(t, p)
			srv.SetFault("POST /api/oauth2/token", tt.fault)
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			_, err := p.Refresh(ctx, cred)
			if exitcode.Of(err) != exitcode.Provider || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("refresh = %v (exit %d), want exit 4 containing %q", err, exitcode.Of(err), tt.wantMsg)
			}
			if strings.Contains(err.Error(), cred.RefreshToken) || strings.Contains(err.Error(), sandbox.DiscordClientSecret) {
				t.Errorf("error leaks a secret: %v", err)
			}
			srv.SetFault("POST /api/oauth2/token", sandbox.Fault{})
			if _, err := p.Refresh(context.Background(), cred); err != nil {
				t.Errorf("the refresh token must still work after a failed attempt: %v", err)
			}
		})
	}
}

func TestRevokedAuthorizationNeedsLogin(t *testing.T) {
	t.Parallel()
	srv, p := sandboxProvider(t, "discord")
	cred := login(t, p)
	srv.RevokeAll()
	_, err := p.Refresh(context.Background(), cred)
	if exitcode.Of(err) != exitcode.Auth || !strings.Contains(err.Error(), "refresh token rejected") || !strings.Contains(err.Error(), "run authctl login discord") {
		t.Fatalf("refresh after revocation = %v (exit %d)", err, exitcode.Of(err))
	}
}

func TestVerboseTraceOfLoginAndRefreshHasNoSecrets(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"discord", "slack", "sentry", "oidc"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var trace bytes.Buffer
			traced := &http.Client{Timeout: 10 * time.Second, Transport: &httplog.Transport{Out: &trace}}
			srv, p := sandboxProviderWith(t, name, traced)

			conf := p.OAuth2(redirectFor(p), nil)
			verifier, state, nonce := oauth2.GenerateVerifier(), random(t), random(t)
			opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, p.AuthCodeOptions(nonce)...)
			browser := &http.Client{Timeout: 10 * time.Second, Transport: traced.Transport,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := browser.Get(conf.AuthCodeURL(state, opts...))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			callback, _ := url.Parse(resp.Header.Get("Location"))
			code := callback.Query().Get("code")
			cred, err := p.Exchange(context.Background(), conf, code, verifier, nonce)
			if err != nil {
				t.Fatal(err)
			}
			srv.ExpireAccessTokens()
			next, err := p.Refresh(context.Background(), cred)
			if err != nil {
				t.Fatal(err)
			}
			out := trace.String()
			if !strings.Contains(out, "→ POST ") || !strings.Contains(out, "← 200 OK") {
				t.Fatalf("trace lacks the token exchanges: %q", out)
			}
			for what, secret := range map[string]string{"code": code, "state": state, "verifier": verifier, "nonce": nonce,
				"client secret": p.ClientSecret, "access token": cred.AccessToken, "refresh token": cred.RefreshToken,
				"new access token": next.AccessToken, "new refresh token": next.RefreshToken} {
				if secret != "" && strings.Contains(out, secret) {
					t.Errorf("trace leaks the %s", what)
				}
			}
		})
	}
}

// A 403 on the identity call says which scope to log in with, where the call needs a known one.
func TestIdentityForbiddenNamesTheScope(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"discord": "lacks the identify scope", "github": "lacks a scope this call needs"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, p := sandboxProvider(t, name)
			cred := login(t, p)
			path := map[string]string{"discord": "/api/v10/users/@me", "github": "/user"}[name]
			srv.SetFault(path, sandbox.Fault{Status: http.StatusForbidden})
			_, err := p.Identity(context.Background(), cred.AccessToken)
			if exitcode.Of(err) != exitcode.Auth || err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "run authctl login "+name) {
				t.Errorf("identity on a 403: %v (exit %d), want exit 3 with %q", err, exitcode.Of(err), want)
			}
		})
	}
}
