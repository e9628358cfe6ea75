package app

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// Each way of giving the key, and every wrong way, which is exit 2 in one line naming the flag.
func TestPrivateKeyRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "app.pem")
	if err := os.WriteFile(file, []byte("PEM FROM FILE"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KEY": "PEM FROM ENV"}
	getenv := func(k string) string { return env[k] }
	for _, k := range []PrivateKey{{File: file}, {Env: "KEY", Getenv: getenv}} {
		if b, err := k.Read(); err != nil || !strings.HasPrefix(string(b), "PEM FROM") {
			t.Errorf("%+v: %q, %v", k, b, err)
		}
	}
	bad := []struct {
		key  PrivateKey
		want string
	}{
		{PrivateKey{}, "give --private-key-file or --private-key-env"},
		{PrivateKey{File: file, Env: "KEY", Getenv: getenv}, "give --private-key-file or --private-key-env, not both"},
		{PrivateKey{File: filepath.Join(dir, "missing.pem")}, "read private key: open "},
		{PrivateKey{Env: "UNSET", Getenv: getenv}, "private key: $UNSET is empty"},
	}
	for _, tt := range bad {
		_, err := tt.key.Read()
		if exitcode.Of(err) != exitcode.Usage || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v (exit %d), want exit 2 %q", tt.key, err, exitcode.Of(err), tt.want)
		}
	}
}

func TestParsePermissions(t *testing.T) {
	t.Parallel()
	if got, err := ParsePermissions(nil); got != nil || err != nil {
		t.Errorf("none: %v, %v", got, err)
	}
	got, err := ParsePermissions([]string{"contents=read", "issues=write"})
	if want := map[string]string{"contents": "read", "issues": "write"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("two: %v, %v", got, err)
	}
	for _, bad := range []string{"contents", "=read", "contents="} {
		if _, err := ParsePermissions([]string{bad}); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "must be name=level") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// Mint finds the installation of a repo or an org, or takes its id, and mints against the
// sandbox with a key read from a file; a narrowed request is passed on.
func TestGitHubAppMint(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	file := sandboxtest.GitHubAppKeyFile(t)
	a := &GitHubApp{ID: sandbox.GitHubAppClientID, Key: PrivateKey{File: file}, APIURL: srv.URL(), HTTP: &http.Client{Timeout: 10 * time.Second}, Now: time.Now}
	ctx := context.Background()
	for _, target := range []Target{{Repo: sandbox.GitHubInstallationRepo}, {Org: sandbox.GitHubInstallationOrg}, {Installation: sandbox.GitHubInstallationID}} {
		tok, err := a.Mint(ctx, target, TokenRequest{})
		if err != nil || !strings.HasPrefix(tok.Token, "ghs_") || !tok.ExpiresAt.After(time.Now()) {
			t.Errorf("%+v: %+v, %v", target, tok, err)
		}
	}
	if _, err := a.Mint(ctx, Target{Org: "elsewhere"}, TokenRequest{}); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("no installation: %v (exit %d), want 2", err, exitcode.Of(err))
	}
	if _, err := a.Mint(ctx, Target{Installation: sandbox.GitHubInstallationID}, TokenRequest{Repositories: []string{"not-covered"}}); err == nil {
		t.Error("a repository the installation does not cover was granted")
	}
	a.Key = PrivateKey{Env: "UNSET", Getenv: func(string) string { return "" }}
	if _, err := a.Mint(ctx, Target{Installation: sandbox.GitHubInstallationID}, TokenRequest{}); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("no key: %v (exit %d), want 2 before any request", err, exitcode.Of(err))
	}
}

// Exchange spends the installation code once and Refresh replaces the token, both as stored
// credentials with the refresh token and the expiry.
func TestSentryExchangeAndRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := sandboxtest.Start(t)
	c := sentryClient(srv, sandbox.SentryIntegrationSecret)
	first, err := c.Exchange(ctx, sandbox.SentryInstallationUUID, sandbox.SentryInstallationCode)
	if err != nil || first.AccessToken == "" || first.RefreshToken == "" || first.TokenType != "Bearer" || first.Expiry.IsZero() {
		t.Fatalf("exchange: %+v, %v", first, err)
	}
	if _, err := c.Exchange(ctx, sandbox.SentryInstallationUUID, sandbox.SentryInstallationCode); exitcode.Of(err) != exitcode.Auth {
		t.Errorf("code spent twice: %v (exit %d), want 3", err, exitcode.Of(err))
	}
	next, err := c.Refresh(ctx, sandbox.SentryInstallationUUID, first.RefreshToken)
	if err != nil || next.AccessToken == "" || next.AccessToken == first.AccessToken {
		t.Fatalf("refresh: %+v, %v", next, err)
	}
}

// On builds the app on the API of an entry of kind github, and refuses any other kind.
func TestGitHubAppsOn(t *testing.T) {
	t.Parallel()
	entries := map[string]*provider.Provider{
		"ghe":   {Name: "ghe", Kind: provider.KindGitHub, APIURL: "https://ghe.example/api/v3"},
		"slack": {Name: "slack", Kind: provider.KindSlack},
	}
	apps := &GitHubApps{
		API:    func(_ context.Context, name string) (*provider.Provider, error) { return entries[name], nil },
		Getenv: func(string) string { return "PEM" },
		HTTP:   func() *http.Client { return http.DefaultClient },
		Now:    time.Now,
		Warn:   func(string, ...any) {},
	}
	a, err := apps.On(context.Background(), "ghe", "42", PrivateKey{Env: "KEY"})
	if err != nil || a.ID != "42" || a.APIURL != "https://ghe.example/api/v3" || a.HTTP != http.DefaultClient {
		t.Fatalf("On = %+v, %v", a, err)
	}
	if pem, err := a.Key.Read(); err != nil || string(pem) != "PEM" {
		t.Errorf("key: %q, %v; want the variable's value", pem, err)
	}
	if _, err := apps.On(context.Background(), "slack", "42", PrivateKey{Env: "KEY"}); exitcode.Of(err) != exitcode.Usage || err.Error() != "--provider slack is of kind slack, not github" {
		t.Errorf("an entry of kind slack: %v (exit %d)", err, exitcode.Of(err))
	}
	if jwtOnly := apps.App("42", PrivateKey{Env: "KEY"}, ""); jwtOnly.APIURL != "" || jwtOnly.Key.Env != "KEY" || jwtOnly.Key.Warn == nil {
		t.Errorf("App = %+v", jwtOnly)
	}
}

// A target names exactly one installation, repository or account.
func TestTargetCheck(t *testing.T) {
	t.Parallel()
	for _, ok := range []Target{{Installation: 7}, {Repo: "o/r"}, {Org: "o"}} {
		if err := ok.Check(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	for _, bad := range []Target{{}, {Installation: 7, Org: "o"}, {Repo: "o/r", Org: "o"}} {
		if err := bad.Check(); exitcode.Of(err) != exitcode.Usage || err.Error() != "give exactly one of --installation, --repo or --org" {
			t.Errorf("%+v: %v (exit %d)", bad, err, exitcode.Of(err))
		}
	}
}
