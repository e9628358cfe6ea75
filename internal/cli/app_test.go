package cli

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

// appSandbox starts a sandbox (its GitHub App trusts the published sandbox key) and returns
// the env, the config path and a file holding that key.
func appSandbox(t *testing.T) (*sandbox.Server, map[string]string, string, string) {
	t.Helper()
	srv := sandboxtest.Start(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	keyFile := sandboxtest.GitHubAppKeyFile(t)
	if err := os.WriteFile(cfg, []byte(srv.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AUTHCTL_STORE": "file", "XDG_STATE_HOME": filepath.Join(dir, "state"), "HOME": dir}
	return srv, env, cfg, keyFile
}

// addProviders appends provider entries (YAML under providers:, indented) to the config file.
func addProviders(t *testing.T, cfg, entries string) {
	t.Helper()
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(entries); err != nil {
		t.Fatal(err)
	}
}

const tokensPath = "/app/installations/5150/access_tokens"

func TestAppTokenGitHubMintsOnceAndCaches(t *testing.T) {
	srv, env, cfg, keyFile := appSandbox(t)
	appID := strconv.Itoa(sandbox.GitHubAppID)
	base := []string{"--config", cfg, "app", "token", "github", "--app-id", appID, "--private-key-file", keyFile}
	// Each target is cached under its own key; a second call for the same target, however
	// GitHub's case-insensitive names are spelled, makes no request at all.
	targets := []struct{ first, again []string }{
		{[]string{"--repo", sandbox.GitHubInstallationRepo}, []string{"--repo", strings.ToUpper(sandbox.GitHubInstallationRepo)}},
		{[]string{"--org", sandbox.GitHubInstallationOrg}, []string{"--org", sandbox.GitHubInstallationOrg}},
		{[]string{"--installation", strconv.Itoa(sandbox.GitHubInstallationID)}, []string{"--installation", strconv.Itoa(sandbox.GitHubInstallationID)}},
	}
	for _, target := range targets {
		srv.ResetCounts()
		code, first, stderr := runCLI(t, env, append(base, target.first...)...)
		if code != 0 || !strings.HasPrefix(first, "ghs_") {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", target.first, code, first, stderr)
		}
		if n := srv.Count("POST", tokensPath); n != 1 {
			t.Fatalf("%v: token requests = %d, want 1", target.first, n)
		}
		srv.ResetCounts()
		code, second, stderr := runCLI(t, env, append(base, target.again...)...)
		if code != 0 || second != first {
			t.Fatalf("%v again: exit %d, stdout %q (want the first token), stderr %q", target.again, code, second, stderr)
		}
		if n := srv.TotalCount(); n != 0 {
			t.Fatalf("%v again: a cached call made %d requests, want 0", target.again, n)
		}
	}
}

func TestAppTokenGitHubNarrowedTokensAreNotCached(t *testing.T) {
	srv, env, cfg, keyFile := appSandbox(t)
	args := []string{"--config", cfg, "app", "token", "github", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-file", keyFile,
		"--repo", sandbox.GitHubInstallationRepo, "--permission", "issues=read", "--repositories", "widgets,gadgets"}
	var tokens []string
	for range 2 {
		code, out, stderr := runCLI(t, env, args...)
		if code != 0 || !strings.HasPrefix(out, "ghs_") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
		}
		tokens = append(tokens, out)
	}
	if n := srv.Count("POST", tokensPath); n != 2 || tokens[0] == tokens[1] {
		t.Errorf("token requests = %d (want 2), tokens equal = %v (want distinct)", n, tokens[0] == tokens[1])
	}
	// A narrowed token must not be served later to a call that asked for the full installation.
	code, full, stderr := runCLI(t, env, "--config", cfg, "app", "token", "github", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-file", keyFile, "--repo", sandbox.GitHubInstallationRepo)
	if code != 0 || full == tokens[0] || full == tokens[1] {
		t.Errorf("full token call: exit %d, got a narrowed token back = %v, stderr %q", code, full == tokens[0] || full == tokens[1], stderr)
	}
}

func TestAppTokenGitHubParallelMintsOnce(t *testing.T) {
	srv, env, cfg, keyFile := appSandbox(t)
	tokens := runCLIConcurrently(t, env, 8, "--config", cfg, "app", "token", "github", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-file", keyFile, "--installation", strconv.Itoa(sandbox.GitHubInstallationID))
	if n := srv.Count("POST", tokensPath); n != 1 {
		t.Errorf("8 parallel calls made %d token requests, want 1", n)
	}
	for i, tok := range tokens {
		if tok != tokens[0] || !strings.HasPrefix(tok, "ghs_") {
			t.Errorf("call %d printed %q, want the one minted token %q", i, tok, tokens[0])
		}
	}
}

// runCLIConcurrently runs n authctl calls at once and returns what each printed on stdout.
func runCLIConcurrently(t *testing.T, env map[string]string, n int, args ...string) []string {
	t.Helper()
	outs := make([]string, n)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() {
			code, out, stderr := runCLI(t, env, args...)
			if code != 0 {
				t.Errorf("call %d: exit %d: %s", i, code, stderr)
			}
			outs[i] = out
		})
	}
	wg.Wait()
	return outs
}

func TestAppTokenGitHubErrors(t *testing.T) {
	_, env, cfg, keyFile := appSandbox(t)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	wrongType := filepath.Join(dir, "cert.pem")
	encrypted := filepath.Join(dir, "enc.pem")
	if err := os.WriteFile(wrongType, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(encrypted, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), 0o600); err != nil {
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
		{"bad app id", []string{"--app-id", "x", "--private-key-file", keyFile, "--org", "o"}, exitcode.Usage, `"x" is neither a GitHub App id (a number) nor a client ID`},
		{"no key", []string{"--app-id", appID, "--org", "o"}, exitcode.Usage, "--private-key-file or --private-key-env"},
		{"not PEM", []string{"--app-id", appID, "--private-key-file", notPEM, "--org", "o"}, exitcode.Usage, "private key"},
		{"wrong key type", []string{"--app-id", appID, "--private-key-file", wrongType, "--org", "o"}, exitcode.Usage, "is not an RSA private key"},
		{"encrypted key", []string{"--app-id", appID, "--private-key-file", encrypted, "--org", "o"}, exitcode.Usage, "encrypted keys are not supported"},
		{"empty key env", []string{"--app-id", appID, "--private-key-env", "NO_SUCH_VAR", "--org", "o"}, exitcode.Usage, "is empty"},
		{"bad permission", []string{"--app-id", appID, "--private-key-file", keyFile, "--org", "o", "--permission", "contents"}, exitcode.Usage, "name=level"},
		{"not installed", []string{"--app-id", appID, "--private-key-file", keyFile, "--org", "elsewhere"}, exitcode.Usage, "not installed"},
		{"repository not covered", []string{"--app-id", appID, "--private-key-file", keyFile, "--repo", sandbox.GitHubInstallationOrg + "/elsewhere"}, exitcode.Usage, "not installed"},
		{"narrowed to a repository not covered", []string{"--app-id", appID, "--private-key-file", keyFile, "--org", sandbox.GitHubInstallationOrg, "--repositories", "widgets,elsewhere"}, exitcode.Usage, "not accessible to the parent installation"},
		{"permission above the grant", []string{"--app-id", appID, "--private-key-file", keyFile, "--org", sandbox.GitHubInstallationOrg, "--permission", "contents=write"}, exitcode.Usage, "permissions requested are not granted"},
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

// The key may come from an environment variable (a CI secret) instead of a file.
func TestAppTokenGitHubKeyFromEnv(t *testing.T) {
	srv, env, cfg, keyFile := appSandbox(t)
	pemBytes, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	env["APP_KEY"] = string(pemBytes)
	code, stdout, stderr := runCLI(t, env, "--config", cfg, "app", "token", "github", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-env", "APP_KEY", "--org", sandbox.GitHubInstallationOrg)
	if code != 0 || !strings.HasPrefix(stdout, "ghs_") || strings.Contains(stderr, "PRIVATE KEY") {
		t.Fatalf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	if n := srv.Count("POST", tokensPath); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

// A key GitHub does not hold for the app is refused with exit 3 and GitHub's reason, nothing
// printed and nothing cached.
func TestAppTokenGitHubWrongKey(t *testing.T) {
	_, env, cfg, _ := appSandbox(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherFile := filepath.Join(t.TempDir(), "other.pem")
	if err := os.WriteFile(otherFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)}), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", cfg, "app", "token", "github", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-file", otherFile, "--repo", sandbox.GitHubInstallationRepo}
	code, stdout, stderr := runCLI(t, env, args...)
	if code != exitcode.Auth || stdout != "" || strings.Count(stderr, "error:") != 1 ||
		!strings.Contains(stderr, "JSON web token could not be decoded (is the private key this app's") {
		t.Fatalf("exit %d stdout %q stderr %q; want exit 3 with GitHub's reason and a hint", code, stdout, stderr)
	}
	st, err := store.Open(store.KindFile, store.StateDir(mapEnv(env)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if list, err := st.List(context.Background()); err != nil || len(list) != 0 {
		t.Errorf("store after a refused key: %d entries, err %v; want none", len(list), err)
	}
}

// --provider picks a config entry of kind github, as for a GitHub Enterprise server: its
// auth_url moves the API to the server's /api/v3. A token cached for one GitHub host is never
// served for another, even for the same app id and target.
func TestAppTokenGitHubEnterpriseProvider(t *testing.T) {
	srv, env, cfg, keyFile := appSandbox(t)
	ghe := sandboxtest.Start(t) // another host, same app id and key
	addProviders(t, cfg, "  ghe:\n    kind: github\n    client_id: Iv1.ghe\n    auth_url: "+ghe.URL()+"/login/oauth/authorize\n  notgithub:\n    kind: slack\n    client_id: x\n")
	base := []string{"--config", cfg, "app", "token", "github", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-file", keyFile, "--repo", sandbox.GitHubInstallationRepo}

	code, public, stderr := runCLI(t, env, base...)
	if code != 0 || srv.Count("POST", tokensPath) != 1 {
		t.Fatalf("default provider: exit %d, %d token requests, stderr %q", code, srv.Count("POST", tokensPath), stderr)
	}
	code, enterprise, stderr := runCLI(t, env, append(base, "--provider", "ghe")...)
	if code != 0 || enterprise == public || !strings.HasPrefix(enterprise, "ghs_") {
		t.Fatalf("--provider ghe: exit %d stdout %q (the other host's token: %v) stderr %q", code, enterprise, enterprise == public, stderr)
	}
	if n := ghe.Count("POST", "/api/v3"+tokensPath); n != 1 {
		t.Errorf("token requests at the enterprise server's /api/v3 = %d, want 1", n)
	}
	ghe.ResetCounts()
	if code, again, _ := runCLI(t, env, append(base, "--provider", "ghe")...); code != 0 || again != enterprise || ghe.TotalCount() != 0 {
		t.Errorf("--provider ghe again: exit %d, same token %v, %d requests; want the cached token and none", code, again == enterprise, ghe.TotalCount())
	}
	if code, _, stderr := runCLI(t, env, append(base, "--provider", "notgithub")...); code != exitcode.Usage || !strings.Contains(stderr, "not github") {
		t.Errorf("--provider of another kind: exit %d stderr %q, want exit 2", code, stderr)
	}
}

// GitHub's 5xx answers are retried with backoff (3 attempts in all); a 403 (a suspended
// installation, say) is not, and says what GitHub said. Each case has its own sandbox and store.
func TestAppTokenGitHubProviderFailures(t *testing.T) {
	start := func(t *testing.T) (*sandbox.Server, map[string]string, []string) {
		srv, env, cfg, keyFile := appSandbox(t)
		return srv, env, []string{"--config", cfg, "app", "token", "github", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-file", keyFile, "--installation", strconv.Itoa(sandbox.GitHubInstallationID)}
	}
	t.Run("two 503s", func(t *testing.T) {
		srv, env, args := start(t)
		srv.SetFault(tokensPath, sandbox.Fault{Status: http.StatusServiceUnavailable, Times: 2})
		if code, out, stderr := runCLI(t, env, args...); code != 0 || !strings.HasPrefix(out, "ghs_") || srv.Count("POST", tokensPath) != 3 {
			t.Errorf("exit %d stdout %q, %d requests, stderr %q; want the token after 3 requests", code, out, srv.Count("POST", tokensPath), stderr)
		}
	})
	t.Run("503 every time", func(t *testing.T) {
		srv, env, args := start(t)
		srv.SetFault(tokensPath, sandbox.Fault{Status: http.StatusServiceUnavailable})
		code, out, stderr := runCLI(t, env, args...)
		if code != exitcode.Provider || out != "" || !strings.Contains(stderr, "GitHub answered 503") || !strings.Contains(stderr, "after 3 attempts") || srv.Count("POST", tokensPath) != 3 {
			t.Errorf("exit %d stdout %q, %d requests, stderr %q; want exit 4 after 3 requests", code, out, srv.Count("POST", tokensPath), stderr)
		}
	})
	t.Run("403", func(t *testing.T) {
		srv, env, args := start(t)
		srv.SetFault(tokensPath, sandbox.Fault{Status: http.StatusForbidden})
		code, out, stderr := runCLI(t, env, args...)
		if code != exitcode.Usage || out != "" || !strings.Contains(stderr, "GitHub answered 403") || srv.Count("POST", tokensPath) != 1 {
			t.Errorf("exit %d stdout %q, %d requests, stderr %q; want exit 2 after 1 request", code, out, srv.Count("POST", tokensPath), stderr)
		}
	})
}

// runCLIAt runs authctl with a clock offset from the real one.
func runCLIAt(t *testing.T, env map[string]string, offset time.Duration, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := ui.Test()
	f := newTestFactory(t, ios, env)
	f.Now = func() time.Time { return time.Now().Add(offset) }
	code := Run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

func TestAppTokenGitHubClockSkewIsNamed(t *testing.T) {
	srv, env, cfg, keyFile := appSandbox(t)
	args := []string{"--config", cfg, "app", "token", "github", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-file", keyFile, "--installation", strconv.Itoa(sandbox.GitHubInstallationID)}
	for _, offset := range []time.Duration{5 * time.Minute, -15 * time.Minute} {
		code, stdout, stderr := runCLIAt(t, env, offset, args...)
		if code != exitcode.Auth || stdout != "" || !strings.Contains(stderr, "your clock may be off by") {
			t.Errorf("offset %s: exit %d stdout %q stderr %q", offset, code, stdout, stderr)
		}
	}
	if n := srv.Count("POST", tokensPath); n != 2 {
		t.Errorf("token requests = %d, want 2 (both rejected)", n)
	}
}

func TestAppTokenGitHubExpiringCacheMintsAgain(t *testing.T) {
	srv, env, cfg, keyFile := appSandbox(t)
	args := []string{"--config", cfg, "app", "token", "github", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-file", keyFile, "--installation", strconv.Itoa(sandbox.GitHubInstallationID)}
	code, first, stderr := runCLI(t, env, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	st, err := store.Open("file", store.StateDir(mapEnv(env)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cred := appTokenOf(t, st, credential.GitHubAppKey(srv.URL(), strconv.Itoa(sandbox.GitHubAppID), sandbox.GitHubInstallationID, "", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	cred.Expiry = time.Now().Add(4 * time.Minute) // inside the 5-minute margin
	if err := st.Put(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
	code, second, stderr := runCLI(t, env, args...)
	if code != 0 || second == first || !strings.HasPrefix(second, "ghs_") {
		t.Fatalf("exit %d, second %q, first %q, stderr %q", code, second, first, stderr)
	}
	if n := srv.Count("POST", tokensPath); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

func TestAppTokenGitHubPrintsJWT(t *testing.T) {
	srv, env, cfg, keyFile := appSandbox(t)
	code, stdout, stderr := runCLI(t, env, "--config", cfg, "app", "token", "github", "--jwt", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-file", keyFile)
	if code != 0 || strings.Count(strings.TrimSpace(stdout), ".") != 2 {
		t.Fatalf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	// The printed JWT is accepted by the sandbox's GitHub.
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/orgs/"+sandbox.GitHubInstallationOrg+"/installation", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(stdout))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("installation look-up with the printed JWT: %d", resp.StatusCode)
	}
}

// GitHub accepts the app's client ID as the JWT issuer (and recommends it): --client-id mints
// and caches like --app-id, under its own key; a personal account's installation is found with
// --org (GET /users/{username}/installation after the organization lookup says 404).
func TestAppTokenGitHubClientIDAndUserAccount(t *testing.T) {
	srv, env, cfg, keyFile := appSandbox(t)
	base := []string{"--config", cfg, "app", "token", "github", "--client-id", sandbox.GitHubAppClientID, "--private-key-file", keyFile}
	userTokensPath := "/app/installations/" + strconv.Itoa(sandbox.GitHubUserInstallationID) + "/access_tokens"
	for _, tt := range []struct {
		target []string
		path   string
	}{{[]string{"--repo", sandbox.GitHubInstallationRepo}, tokensPath}, {[]string{"--org", sandbox.GitHubUserInstallation}, userTokensPath}} {
		target := tt.target
		srv.ResetCounts()
		code, first, stderr := runCLI(t, env, append(base, target...)...)
		if code != 0 || !strings.HasPrefix(first, "ghs_") || srv.Count("POST", tt.path) != 1 {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q, %d token requests; want one minted token", target, code, first, stderr, srv.Count("POST", tt.path))
		}
		srv.ResetCounts()
		if code, again, _ := runCLI(t, env, append(base, target...)...); code != 0 || again != first || srv.TotalCount() != 0 {
			t.Fatalf("%v again: exit %d, same token %v, %d requests; want the cached token and none", target, code, again == first, srv.TotalCount())
		}
	}
	code, _, stderr := runCLI(t, env, append(base, "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--org", "o")...)
	if code != exitcode.Usage || !strings.Contains(stderr, "give --app-id or --client-id, not both") {
		t.Fatalf("both issuers: exit %d, stderr %q; want exit 2", code, stderr)
	}
}

// A private key file that other users can read is used, with a warning naming the file and the
// fix, as ssh warns of an identity file (issue 14 point 10); a 0600 file gets none.
func TestAppTokenGitHubWarnsOfAKeyOthersCanRead(t *testing.T) {
	_, env, cfg, keyFile := appSandbox(t)
	args := []string{"--config", cfg, "app", "token", "github", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-file", keyFile, "--jwt"}
	if code, _, stderr := runCLI(t, env, args...); code != 0 || stderr != "" {
		t.Fatalf("0600 key: exit %d, stderr %q; want no warning", code, stderr)
	}
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, env, args...)
	if code != 0 || stdout == "" || !strings.Contains(stderr, "warning: private key file "+keyFile+" is accessible by other users (mode 0644); run chmod 600 "+keyFile) {
		t.Fatalf("0644 key: exit %d, stderr %q; want the JWT and a warning", code, stderr)
	}
}
