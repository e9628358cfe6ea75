package sandbox_test

import (
	"bytes"
	"crypto/rsa"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// tokenHelper is a git credential helper that answers x-access-token and the token in
// $GIT_TEST_TOKEN, so the token is never on a command line.
const tokenHelper = `!f() { test "$1" = get && echo username=x-access-token && echo "password=$GIT_TEST_TOKEN"; }; f`

// gitClient runs the real git client with no configuration but what a test gives it.
type gitClient struct {
	home  string
	token string // "" configures no credential helper
}

func (g gitClient) run(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	helper := []string{"-c", "credential.helper="}
	if g.token != "" {
		helper = append(helper, "-c", "credential.helper="+tokenHelper)
	}
	cmd := exec.Command("git", append(helper, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+g.home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=", "LC_ALL=C", "GIT_TEST_TOKEN="+g.token,
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.test", "GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.test")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// gitSandbox starts a sandbox (its GitHub App trusts the published sandbox key) whose
// consent page approves at once (user tokens); edit, when set, changes its seed.
func gitSandbox(t *testing.T, edit func(*sandbox.Seed)) *sandbox.Server {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed (scripts/setup.sh installs it)")
	}
	seed := sandbox.DefaultSeed()
	if edit != nil {
		edit(seed)
	}
	return sandboxtest.Start(t, sandboxtest.AutoApprove(), sandboxtest.WithSeed(seed))
}

// sandboxAppKey is the private key the default seed's GitHub App trusts.
func sandboxAppKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := app.ParsePrivateKey([]byte(sandbox.GitHubAppPrivateKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// A GitHub App user token of a collaborator clones and pushes a private repository; the
// pushed commit is on the server afterwards.
func TestGitCloneAndPushWithUserToken(t *testing.T) {
	t.Parallel()
	srv := gitSandbox(t, nil)
	tok := githubLogin(t, srv, sandbox.GitHubAppClientID, sandbox.GitHubAppClientSecret)
	g := gitClient{home: t.TempDir(), token: tok.AccessToken}
	work := t.TempDir()
	repoURL := srv.URL() + "/" + sandbox.GitHubInstallationRepo + ".git"

	if out, err := g.run(t, work, "clone", repoURL, "widgets"); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(work, "widgets", "README.md")); err != nil || string(b) != "# sandbox-org/widgets\n" {
		t.Fatalf("README.md of the clone = %q, %v", b, err)
	}
	clone := filepath.Join(work, "widgets")
	if err := os.WriteFile(filepath.Join(clone, "new.txt"), []byte("pushed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"add", "new.txt"}, {"commit", "-q", "-m", "add new.txt"}, {"push", "-q", "origin", "main"}} {
		if out, err := g.run(t, clone, args...); err != nil {
			t.Fatalf("git %s: %v\n%s", args[0], err, out)
		}
	}
	head, _ := g.run(t, clone, "rev-parse", "HEAD")
	remote, err := g.run(t, work, "ls-remote", repoURL, "refs/heads/main")
	if err != nil || !strings.HasPrefix(remote, strings.TrimSpace(head)) {
		t.Errorf("ls-remote after push = %q, %v; want HEAD %s", remote, err, head)
	}
	// Without .git, as github.com also serves it.
	if out, err := g.run(t, work, "clone", "-q", srv.URL()+"/"+sandbox.GitHubInstallationRepo, "again"); err != nil {
		t.Errorf("clone without .git: %v\n%s", err, out)
	}
}

// Without credentials, with a revoked token, or with a token of another provider, git fails
// with its authentication error; the 401 names GitHub's Basic realm.
func TestGitRefusesMissingAndDeadTokens(t *testing.T) {
	t.Parallel()
	srv := gitSandbox(t, nil)
	repoURL := srv.URL() + "/" + sandbox.GitHubInstallationRepo + ".git"

	resp, err := http.Get(repoURL + "/info/refs?service=git-upload-pack")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Basic realm="GitHub"` {
		t.Errorf("info/refs without auth = %d %q, want 401 Basic realm=\"GitHub\"", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	out, err := gitClient{home: t.TempDir()}.run(t, t.TempDir(), "clone", repoURL, "x")
	if err == nil || !strings.Contains(out, "could not read Username") {
		t.Errorf("clone without a helper: %v\n%s", err, out)
	}

	tok := githubLogin(t, srv, sandbox.GitHubAppClientID, sandbox.GitHubAppClientSecret)
	srv.RevokeAll()
	out, err = gitClient{home: t.TempDir(), token: tok.AccessToken}.run(t, t.TempDir(), "clone", repoURL, "x")
	if err == nil || !strings.Contains(out, "Authentication failed") || !strings.Contains(out, "remote: Invalid username or token") {
		t.Errorf("clone with a revoked token: %v\n%s", err, out)
	}
	if strings.Contains(out, tok.AccessToken) {
		t.Error("git's output shows the token")
	}

	// A live token of another provider is no GitHub credential.
	discord := discordLogin(t, srv, "identify")
	out, err = gitClient{home: t.TempDir(), token: discord.AccessToken}.run(t, t.TempDir(), "clone", repoURL, "x")
	if err == nil || !strings.Contains(out, "Authentication failed") {
		t.Errorf("clone with a Discord token: %v\n%s", err, out)
	}
}

// Installation tokens reach the installation's repositories only, and push only with
// contents:write; a user who is not a collaborator gets GitHub's "not found".
func TestGitInstallationAndCollaboratorRules(t *testing.T) {
	t.Parallel()
	srv := gitSandbox(t, func(s *sandbox.Seed) {
		s.Repositories = append(s.Repositories, sandbox.Repository{FullName: "sandbox-org/secret", Private: true})
	})
	now := time.Now()
	jwt := appJWT(t, sandboxAppKey(t), sandbox.GitHubAppID, now.Add(-60*time.Second), now.Add(9*time.Minute))
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/app/installations/5150/access_tokens", nil)
	req.Header.Set("Authorization", "Bearer "+jwt)
	status, _, body := do(t, req)
	if status != http.StatusCreated {
		t.Fatalf("installation token: %d %s", status, body)
	}
	installation := gitClient{home: t.TempDir(), token: decode[map[string]any](t, body)["token"].(string)}
	work := t.TempDir()
	if out, err := installation.run(t, work, "clone", "-q", srv.URL()+"/sandbox-org/gadgets.git", "gadgets"); err != nil {
		t.Fatalf("installation clone of a covered repository: %v\n%s", err, out)
	}
	if out, err := installation.run(t, work, "clone", "-q", srv.URL()+"/sandbox-org/secret.git", "secret"); err == nil || !strings.Contains(out, "Repository not found") {
		t.Errorf("installation clone of a repository it does not cover: %v\n%s", err, out)
	}
	clone := filepath.Join(work, "gadgets")
	if out, err := installation.run(t, clone, "commit", "-q", "--allow-empty", "-m", "empty"); err != nil {
		t.Fatalf("commit: %v\n%s", err, out)
	}
	if out, err := installation.run(t, clone, "push", "-q", "origin", "main"); err == nil || !strings.Contains(out, "Write access to repository not granted") {
		t.Errorf("push with contents:read: %v\n%s", err, out)
	}

	bob := gitClient{home: t.TempDir(), token: userToken(t, srv, sandbox.BobUsername)}
	if out, err := bob.run(t, work, "clone", "-q", srv.URL()+"/sandbox-org/widgets.git", "bob"); err == nil || !strings.Contains(out, "Repository not found") {
		t.Errorf("clone by a non-collaborator: %v\n%s", err, out)
	}
}

// userToken logs username in to the GitHub App by the consent page's login_hint.
func userToken(t *testing.T, srv *sandbox.Server, username string) string {
	t.Helper()
	conf := githubConfig(srv.URL(), sandbox.GitHubAppClientID, sandbox.GitHubAppClientSecret, sandbox.GitHubAppRedirectURI)
	verifier, challenge := pkce()
	authURL := conf.AuthCodeURL("st", challenge) + "&login_hint=" + username
	q := authorize(t, authURL, sandbox.GitHubAppRedirectURI+"?")
	tok, err := conf.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok.AccessToken
}

func TestGitSeedRejectsBadRepositories(t *testing.T) {
	t.Parallel()
	for _, yaml := range []string{
		"repositories: [{full_name: widgets}]",
		"repositories: [{full_name: a/b/c}]",
		"repositories: [{full_name: ../x}]",
		"repositories: [{full_name: a/b, files: {../escape: x}}]",
		"repositories: [{full_name: a/b, files: {/abs: x}}]",
	} {
		path := filepath.Join(t.TempDir(), "seed.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := sandbox.LoadSeed(path); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("LoadSeed(%s) = %v, want a one-line error", yaml, err)
		}
	}
}
