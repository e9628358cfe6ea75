package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/store"
)

// gitProcess runs the real git client, and authctl as its credential helper, in a HOME of
// the test's own; GIT_TRACE records the argv of every process git starts.
type gitProcess struct {
	home  string
	trace string
	env   []string // authctl's: config, store, state
}

func newGitProcess(t *testing.T, authctlEnv ...string) *gitProcess {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed (scripts/setup.sh installs it)")
	}
	home := t.TempDir()
	return &gitProcess{home: home, trace: filepath.Join(home, "git-trace.log"), env: authctlEnv}
}

func (g *gitProcess) environ() []string {
	return append(os.Environ(), append([]string{"HOME=" + g.home, "XDG_CONFIG_HOME=" + filepath.Join(g.home, ".config"),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=", "LC_ALL=C", "GIT_TRACE=" + g.trace,
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.test", "GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.test"},
		g.env...)...)
}

// git runs git in dir and returns its combined output, checking while it runs that no
// process's command line holds any of secrets.
func (g *gitProcess) git(t *testing.T, dir string, secrets []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, g.environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if len(secrets) == 0 {
		err := <-done
		return out.String(), err
	}
	// Samples the process list every millisecond: git's children live for tens of them.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return out.String(), err
		case <-tick.C:
			if pid := processWithSecret(secrets); pid != "" {
				t.Errorf("git %s: process %s has a token on its command line", args[0], pid)
			}
		}
	}
}

// processWithSecret is the pid of a process whose /proc/PID/cmdline holds one of secrets.
func processWithSecret(secrets []string) string {
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, path := range cmdlines {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended
		}
		for _, s := range secrets {
			if s != "" && bytes.Contains(b, []byte(s)) {
				return filepath.Base(filepath.Dir(path))
			}
		}
	}
	return ""
}

// setupGit runs `authctl setup-git --host HOST` as a user would, into the git HOME.
func (g *gitProcess) setupGit(t *testing.T, bin, host string) {
	t.Helper()
	cmd := exec.Command(bin, "setup-git", "--host", host)
	cmd.Env = g.environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("setup-git: %v %s", err, out)
	}
}

// assertNoSecret fails when a file git wrote, or its trace of the processes it ran, holds a secret.
func (g *gitProcess) assertNoSecret(t *testing.T, secrets []string, files ...string) {
	t.Helper()
	for _, path := range append(files, g.trace, filepath.Join(g.home, ".gitconfig")) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds a token", filepath.Base(path))
			}
		}
	}
}

// git clone and git push of a private sandbox repository with authctl as git's credential
// helper: the user token goes from authctl's store to git, and nowhere else.
func TestGitCredentialCloneAndPush(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and runs git")
	}
	bin := authctlBinary(t)
	w := newWorld(t)
	host := gitHost(t, w.srv)
	addProviders(t, w.env["AUTHCTL_CONFIG"], "git:\n  "+host+":\n    provider: github-app\n")
	cred := w.login(t, "github-app")
	secrets := []string{cred.AccessToken, cred.RefreshToken}
	repoURL := w.srv.URL() + "/" + sandbox.GitHubInstallationRepo + ".git"
	authctlEnv := []string{"AUTHCTL_CONFIG=" + w.env["AUTHCTL_CONFIG"], "XDG_STATE_HOME=" + w.stateDir, "AUTHCTL_STORE=file"}

	// Without authctl configured, git has nothing to answer the 401 with.
	bare := newGitProcess(t, authctlEnv...)
	if out, err := bare.git(t, bare.home, secrets, "clone", repoURL, "x"); err == nil || !strings.Contains(out, "could not read Username") {
		t.Errorf("clone without the helper: %v\n%s", err, out)
	}

	g := newGitProcess(t, authctlEnv...)
	g.setupGit(t, bin, host)
	work := t.TempDir()
	out, err := g.git(t, work, secrets, "clone", repoURL, "widgets")
	if err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	clone := filepath.Join(work, "widgets")
	if err := os.WriteFile(filepath.Join(clone, "pushed.txt"), []byte("by git with authctl\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"add", "pushed.txt"}, {"commit", "-q", "-m", "push through authctl"}, {"push", "origin", "main"}} {
		o, err := g.git(t, clone, secrets, args...)
		if err != nil {
			t.Fatalf("git %s: %v\n%s", args[0], err, o)
		}
		out += o
	}
	remote, _ := g.git(t, clone, secrets, "remote", "get-url", "origin")
	if remote != repoURL+"\n" {
		t.Errorf("remote URL = %q, want %q", remote, repoURL)
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Error("git's output shows a token")
		}
	}
	g.assertNoSecret(t, secrets, filepath.Join(clone, ".git", "config"))
	if trace, _ := os.ReadFile(g.trace); !bytes.Contains(trace, []byte("git-credential get")) {
		t.Error("git's trace shows no run of authctl git-credential get: the clone did not go through the helper")
	}

	// A revoked token: git is answered with it, the sandbox refuses it, git reports its auth error.
	w.srv.RevokeAll()
	out, err = g.git(t, t.TempDir(), secrets, "clone", repoURL, "again")
	if err == nil || !strings.Contains(out, "Authentication failed") {
		t.Errorf("clone with a revoked token: %v\n%s", err, out)
	}
}

// Ten clones of repositories one App installation covers, with git sending the path
// (useHttpPath, set by setup-git for an owner mapping), mint one installation token.
func TestGitCredentialTenClonesMintOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs git")
	}
	bin := authctlBinary(t)
	srv, env, cfg, host := installationSandbox(t)
	g := newGitProcess(t, "AUTHCTL_CONFIG="+cfg, "XDG_STATE_HOME="+env["XDG_STATE_HOME"], "AUTHCTL_STORE=file")
	g.setupGit(t, bin, host)
	srv.ResetCounts()

	work := t.TempDir()
	var wg sync.WaitGroup
	outs, errs := make([]string, 10), make([]error, 10)
	for i := range 10 {
		wg.Go(func() {
			repo := []string{"widgets", "gadgets"}[i%2]
			outs[i], errs[i] = g.git(t, work, nil, "clone", "-q", srv.URL()+"/"+sandbox.GitHubInstallationOrg+"/"+repo+".git", "clone"+strconv.Itoa(i))
		})
	}
	wg.Wait()
	for i := range 10 {
		if errs[i] != nil {
			t.Errorf("clone %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	if n := srv.Count(http.MethodPost, tokensPath); n != 1 {
		t.Errorf("ten clones minted %d installation tokens, want 1", n)
	}
	st, err := store.Open(store.KindFile, store.StateDir(mapEnv(env)), nil)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := st.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for _, c := range creds {
		secrets = append(secrets, c.AccessToken)
	}
	if len(secrets) != 1 {
		t.Fatalf("the store holds %d credentials, want the one cached installation token", len(secrets))
	}
	g.assertNoSecret(t, secrets, filepath.Join(work, "clone0", ".git", "config"))
	if pid := processWithSecret(secrets); pid != "" {
		t.Errorf("process %s still has the token on its command line", pid)
	}
}
