package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// appSandbox starts a sandbox whose GitHub App trusts a fresh key; it returns the env, the
// config path and the key file.
func appSandbox(t *testing.T) (*sandbox.Server, map[string]string, string, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	seed := sandbox.DefaultSeed()
	for i := range seed.Apps {
		if seed.Apps[i].AppID == sandbox.GitHubAppID {
			seed.Apps[i].PublicKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
		}
	}
	srv := sandboxtest.Start(t, sandboxtest.WithSeed(seed))
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	keyFile := filepath.Join(dir, "app.pem")
	if err := os.WriteFile(cfg, []byte(srv.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state")) // the file store and its lock read the process environment
	env := map[string]string{"AUTHCTL_STORE": "file", "XDG_STATE_HOME": filepath.Join(dir, "state"), "HOME": dir}
	return srv, env, cfg, keyFile
}

const tokensPath = "/app/installations/5150/access_tokens"

func TestAppTokenGitHubMintsOnceAndCaches(t *testing.T) {
	srv, env, cfg, keyFile := appSandbox(t)
	appID := strconv.Itoa(sandbox.GitHubAppID)
	base := []string{"--config", cfg, "app", "token", "github", "--app-id", appID, "--private-key-file", keyFile}

	code, first, stderr := runCLI(t, env, append(base, "--repo", sandbox.GitHubInstallationRepo)...)
	if code != 0 || !strings.HasPrefix(first, "ghs_") {
		t.Fatalf("by repo: exit %d, stdout %q, stderr %q", code, first, stderr)
	}
	if n := srv.Count("POST", tokensPath); n != 1 {
		t.Fatalf("token requests = %d, want 1", n)
	}
	srv.ResetCounts()
	code, second, stderr := runCLI(t, env, append(base, "--installation", strconv.Itoa(sandbox.GitHubInstallationID))...)
	if code != 0 || second != first {
		t.Fatalf("cached: exit %d, stdout %q (want the first token), stderr %q", code, second, stderr)
	}
	if n := srv.Count("POST", tokensPath); n != 0 {
		t.Fatalf("a cached call made %d token requests, want 0", n)
	}
}

func TestAppTokenGitHubParallelMintsOnce(t *testing.T) {
	srv, env, cfg, keyFile := appSandbox(t)
	args := []string{"--config", cfg, "app", "token", "github", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-file", keyFile, "--installation", strconv.Itoa(sandbox.GitHubInstallationID)}
	var wg sync.WaitGroup
	tokens := make([]string, 8)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, out, stderr := runCLI(t, env, args...)
			if code != 0 {
				t.Errorf("call %d: exit %d: %s", i, code, stderr)
			}
			tokens[i] = out
		}()
	}
	wg.Wait()
	if n := srv.Count("POST", tokensPath); n != 1 {
		t.Errorf("8 parallel calls made %d token requests, want 1", n)
	}
}

func TestAppTokenGitHubErrors(t *testing.T) {
	_, env, cfg, keyFile := appSandbox(t)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	appID := strconv.Itoa(sandbox.GitHubAppID)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no target", []string{"--app-id", appID, "--private-key-file", keyFile}, exitcode.Usage, "exactly one of"},
		{"bad app id", []string{"--app-id", "x", "--private-key-file", keyFile, "--org", "o"}, exitcode.Usage, "not a number"},
		{"no key", []string{"--app-id", appID, "--org", "o"}, exitcode.Usage, "--private-key-file or --private-key-env"},
		{"not PEM", []string{"--app-id", appID, "--private-key-file", notPEM, "--org", "o"}, exitcode.Usage, "private key"},
		{"bad permission", []string{"--app-id", appID, "--private-key-file", keyFile, "--org", "o", "--permission", "contents"}, exitcode.Usage, "name=level"},
		{"not installed", []string{"--app-id", appID, "--private-key-file", keyFile, "--org", "elsewhere"}, exitcode.Auth, "not installed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, env, append([]string{"--config", cfg, "app", "token", "github"}, tt.args...)...)
			if code != tt.wantCode || stdout != "" || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d and %q", code, stdout, stderr, tt.wantCode, tt.wantErr)
			}
		})
	}
}
