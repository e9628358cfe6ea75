package gitcred

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// A mapping's installation token is minted by its app at the entry it names, once, and then
// served from the cache that `app token github` uses, and dropped by erase only while the cache
// still holds the token git reported; an entry of another kind mints nothing.
func TestCachedInstallations(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	keyFile, cfgFile := sandboxtest.GitHubAppKeyFile(t), filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgFile, []byte(srv.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(string) string { return "" }
	cfg, err := config.Load(cfgFile, getenv)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	apps := &app.GitHubApps{
		API: func(ctx context.Context, name string) (*provider.Provider, error) {
			return provider.ResolveAPI(ctx, cfg, name, getenv, client)
		},
		Getenv: getenv, HTTP: func() *http.Client { return client }, Now: time.Now,
	}
	creds := credentials(t)
	installations := CachedInstallations{Credentials: func() *credential.Source { return creds }, Apps: apps}
	ctx := context.Background()
	in := &Installation{Owner: sandbox.GitHubInstallationOrg, AppID: sandbox.GitHubAppClientID, PrivateKeyFile: keyFile}
	first, expiry, err := installations.Token(ctx, in)
	if err != nil || !strings.HasPrefix(first, "ghs_") || time.Until(expiry) < 50*time.Minute {
		t.Fatalf("Token = %q, %v, %v", first, expiry, err)
	}
	const tokens = "/app/installations/5150/access_tokens"
	if again, _, err := installations.Token(ctx, in); err != nil || again != first || srv.Count(http.MethodPost, tokens) != 1 {
		t.Fatalf("again: %q, %v after %d mints; want the cached token", again, err, srv.Count(http.MethodPost, tokens))
	}
	if err := installations.Drop(ctx, in, "ghs_other"); err != nil {
		t.Fatal(err)
	}
	if kept, _, err := installations.Token(ctx, in); err != nil || kept != first {
		t.Fatalf("erase of another token dropped the cached one (now %q, %v)", kept, err)
	}
	if err := installations.Drop(ctx, in, first); err != nil {
		t.Fatal(err)
	}
	if next, _, err := installations.Token(ctx, in); err != nil || next == first {
		t.Errorf("after Drop: %q, %v; want a new mint", next, err)
	}
	elsewhere := &Installation{Owner: "o", AppID: "1", PrivateKeyFile: keyFile, Provider: "discord"}
	if _, _, err := installations.Token(ctx, elsewhere); err == nil || err.Error() != "--provider discord is of kind discord, not github" {
		t.Errorf("an entry of kind discord: %v", err)
	}
	if err := installations.Drop(ctx, elsewhere, "x"); err == nil || err.Error() != "--provider discord is of kind discord, not github" {
		t.Errorf("Drop on an entry of kind discord: %v", err)
	}
}
