package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/gitcred"
	"github.com/authctl/authctl/internal/golden"
	"github.com/authctl/authctl/internal/ui"
)

// gitHome is a HOME of the test's own for git, with the system config ignored.
func gitHome(t *testing.T) (home string, env []string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed (scripts/setup.sh installs it)")
	}
	home = t.TempDir()
	return home, append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "GIT_CONFIG_NOSYSTEM=1")
}

// gitGetAll is `git config --global --get-all key` in env.
func gitGetAll(t *testing.T, env []string, key string) string {
	t.Helper()
	cmd := exec.Command("git", "config", "--global", "--get-all", key)
	cmd.Env = env
	out, _ := cmd.Output()
	return string(out)
}

func TestSetupGitWritesTheHelperOnce(t *testing.T) {
	t.Parallel()
	home, env := gitHome(t)
	exe := "/opt/auth ctl/authctl" // a space: the helper value must quote it for git's shell
	run := func(dryRun bool, hosts ...string) (stdout, stderr string, err error) {
		ios, _, out, errOut := ui.Test()
		err = setupGitRun(context.Background(), &SetupGitOptions{
			IO: ios, Setup: gitcred.SetupOptions{Hosts: hosts, DryRun: dryRun, Executable: func() (string, error) { return exe, nil }},
			GitConfig: &gitcred.GlobalConfig{Env: env},
		})
		return out.String(), errOut.String(), err
	}
	const key = "credential.https://github.com.helper"
	wantHelper := "\n!'/opt/auth ctl/authctl' git-credential\n"

	stdout, _, err := run(true, "github.com")
	if err != nil || stdout != "git config --global --replace-all "+key+" ''\ngit config --global --add "+key+" '!'\\''/opt/auth ctl/authctl'\\'' git-credential'\n" {
		t.Fatalf("--dry-run: %v, stdout %q", err, stdout)
	}
	if _, err := os.Stat(filepath.Join(home, ".gitconfig")); !os.IsNotExist(err) {
		t.Fatalf("--dry-run wrote the git config (%v)", err)
	}

	// Another helper configured for the host before is dropped, as gh does.
	cmd := exec.Command("git", "config", "--global", "--add", key, "store")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	stdout, stderr, err := run(false, "github.com")
	if err != nil || stdout != "" || stderr != "git now uses authctl for https://github.com\n" {
		t.Fatalf("setup-git: %v, stdout %q, stderr %q", err, stdout, stderr)
	}
	if got := gitGetAll(t, env, key); got != wantHelper {
		t.Fatalf("%s = %q, want %q", key, got, wantHelper)
	}
	before, err := os.ReadFile(filepath.Join(home, ".gitconfig"))
	if err != nil {
		t.Fatal(err)
	}

	_, stderr, err = run(false, "GitHub.com")
	after, _ := os.ReadFile(filepath.Join(home, ".gitconfig"))
	if err != nil || stderr != "git already uses authctl for https://github.com\n" || string(after) != string(before) {
		t.Errorf("second setup-git: %v, stderr %q, config changed: %v", err, stderr, string(after) != string(before))
	}

	ios, _, out, _ := ui.Test()
	err = setupGitRun(context.Background(), &SetupGitOptions{IO: ios, JSON: true, GitConfig: &gitcred.GlobalConfig{Env: env},
		Setup: gitcred.SetupOptions{Hosts: []string{"github.com"}, Executable: func() (string, error) { return exe, nil }}})
	golden.AssertString(t, "setup-git-unchanged.json", out.String())
	if err != nil {
		t.Fatal(err)
	}

	// The sandbox on loopback is served over http.
	if _, _, err := run(false, "127.0.0.1:8080"); err != nil || gitGetAll(t, env, "credential.http://127.0.0.1:8080.helper") != wantHelper {
		t.Errorf("loopback host: %v", err)
	}
}

func TestSetupGitRejectsBadHosts(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"http://github.com", "ftp://github.com", "github.com/owner/repo", "https://user@github.com", "https://", "github.com?x=1"} {
		code, stdout, stderr := runCLI(t, nil, "setup-git", "--dry-run", "--host", host)
		if code != exitcode.Usage || stdout != "" || !strings.Contains(stderr, "--host") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("--host %s: exit %d, stdout %q, stderr %q", host, code, stdout, stderr)
		}
	}
}

// Without --host, setup-git covers every configured GitHub host, and sets useHttpPath where
// installation mappings by owner need the repository path.
func TestSetupGitDefaultHosts(t *testing.T) {
	t.Parallel()
	home, _ := gitHome(t)
	cfg := writeTemp(t, "config.yaml", `providers:
  ghe:
    kind: github
    client_id: x
    auth_url: https://ghe.example.com/login/oauth/authorize
    token_url: https://ghe.example.com/login/oauth/access_token
    api_url: https://ghe.example.com/api/v3
git:
  127.0.0.1:8080:
    installations: [{owner: sandbox-org, app_id: "1", private_key_file: k.pem}]
`)
	code, stdout, stderr := runCLI(t, map[string]string{"AUTHCTL_CONFIG": cfg, "HOME": home}, "setup-git", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var keys []string
	for line := range strings.SplitSeq(strings.TrimSpace(stdout), "\n") {
		keys = append(keys, strings.Fields(line)[4])
	}
	want := "credential.https://ghe.example.com.helper credential.https://ghe.example.com.helper " +
		"credential.https://github.com.helper credential.https://github.com.helper " +
		"credential.http://127.0.0.1:8080.helper credential.http://127.0.0.1:8080.helper credential.http://127.0.0.1:8080.useHttpPath"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("keys set:\n%s\nwant\n%s", got, want)
	}
}
