package credential

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
	"github.com/authctl/authctl/internal/store"
)

// app login sentry spends the code once and stores the token; app token sentry serves it while
// it is valid, refreshes it at the sandbox when it is not, and names the login when none is stored.
func TestSentryLoginAndToken(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(srv.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AUTHCTL_SENTRY_CLIENT_ID": sandbox.SentryIntegrationClient, "AUTHCTL_SENTRY_CLIENT_SECRET": sandbox.SentryIntegrationSecret}
	getenv := func(k string) string { return env[k] }
	cfg, err := config.Load(path, getenv)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s, _ := newSource(t, nil, now)
	resolved := 0
	s.Provider = func(ctx context.Context, name string) (*provider.Provider, error) {
		resolved++
		return provider.Resolve(ctx, cfg, name, getenv, &http.Client{Timeout: 10 * time.Second})
	}
	ctx := context.Background()
	uuid := sandbox.SentryInstallationUUID
	if _, err := s.SentryToken(ctx, "sentry", uuid, DefaultMinTTL); exitcode.Of(err) != exitcode.Auth ||
		err.Error() != "no token for Sentry installation "+uuid+"; run authctl app login sentry --installation "+uuid+" --code-env VAR" {
		t.Errorf("nothing stored: %v (exit %d)", err, exitcode.Of(err))
	}
	stored, err := s.SentryLogin(ctx, "sentry", uuid, sandbox.SentryInstallationCode)
	if err != nil || stored.AccessToken == "" {
		t.Fatalf("SentryLogin = %+v, %v", stored, err)
	}
	resolved = 0
	if tok, err := s.SentryToken(ctx, "sentry", uuid, DefaultMinTTL); err != nil || tok.AccessToken != stored.AccessToken || resolved != 0 {
		t.Errorf("a fresh token: %+v, %v, %d resolutions; want the stored one with no request", tok, err, resolved)
	}
	refreshed, err := s.SentryToken(ctx, "sentry", uuid, time.Until(stored.Expiry)+time.Hour)
	if err != nil || refreshed.AccessToken == stored.AccessToken || resolved != 1 {
		t.Errorf("a token that expires too soon: %+v, %v; want a refreshed one", refreshed, err)
	}
	if _, err := s.SentryLogin(ctx, "github", uuid, "unused"); exitcode.Of(err) != exitcode.Usage || err.Error() != "--provider github is of kind github, not sentry" {
		t.Errorf("an entry of kind github: %v (exit %d)", err, exitcode.Of(err))
	}
	noStore := *s
	noStore.Store = func() (store.Store, error) { return nil, errors.New("no keyring") }
	resolved = 0
	if _, err := noStore.SentryLogin(ctx, "sentry", uuid, "unused"); err == nil || resolved != 0 {
		t.Errorf("without a store: %v after %d resolutions; want the store's error before the code is spent", err, resolved)
	}
}
