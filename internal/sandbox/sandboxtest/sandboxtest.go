// Package sandboxtest starts a sandbox for a test.
package sandboxtest

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
)

// Option changes the sandbox's options before it starts.
type Option func(*sandbox.Options)

// WithSeed serves seed instead of the default one.
func WithSeed(seed *sandbox.Seed) Option { return func(o *sandbox.Options) { o.Seed = seed } }

// AutoApprove skips the consent page (see sandbox.Options.AutoApprove).
func AutoApprove() Option { return func(o *sandbox.Options) { o.AutoApprove = true } }

// Start runs a sandbox on a random loopback port, closed when the test ends.
func Start(t testing.TB, opts ...Option) *sandbox.Server {
	t.Helper()
	o := sandbox.Options{GitRoot: t.TempDir()}
	for _, opt := range opts {
		opt(&o)
	}
	s := sandbox.New(o)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// GitHubAppKeyFile writes the seeded GitHub App's private key to a 0600 file
// of the test's own and returns its path, for the key flags and config.
func GitHubAppKeyFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(path, []byte(sandbox.GitHubAppPrivateKeyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// WithClock makes c the sandbox's clock (see sandbox.Options.Now).
func WithClock(c *sandbox.Clock) Option { return func(o *sandbox.Options) { o.Now = c.Now } }

// DiscordConfig is the OAuth config of the default seed's confidential Discord app on srv.
func DiscordConfig(srv *sandbox.Server, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: sandbox.DiscordClientID, ClientSecret: sandbox.DiscordClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL: srv.URL() + "/oauth2/authorize", TokenURL: srv.URL() + "/api/oauth2/token",
			AuthStyle: oauth2.AuthStyleInHeader,
		},
		RedirectURL: sandbox.DiscordRedirectURI,
		Scopes:      scopes,
	}
}

// DiscordLogin runs the authorization code flow against an auto-approving
// srv for user, the way a browser would, and returns the tokens.
func DiscordLogin(t testing.TB, srv *sandbox.Server, user string, scopes ...string) *oauth2.Token {
	t.Helper()
	conf := DiscordConfig(srv, scopes...)
	// Its own transport: a kept-alive connection left in the shared pool would
	// let net/http silently resend a dropped request and skew request counts.
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	noRedirect := &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(conf.AuthCodeURL("state-1", oauth2.SetAuthURLParam("login_hint", user)))
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: transport})
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}
