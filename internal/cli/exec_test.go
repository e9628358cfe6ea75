package cli

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/sandbox"
)

func TestExecSetsTokens(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	discord, github, app := w.login(t, "discord"), w.login(t, "github"), w.login(t, "github-app")
	code, stdout, stderr := runWithStdin(t, w.env, w.credentials, "", "exec", "discord", "github", "--env", "APP=github-app", "--",
		"sh", "-c", `printf '%s\n' "$DISCORD_TOKEN" "$GITHUB_TOKEN" "$GH_TOKEN" "$APP"`)
	want := strings.Join([]string{discord.AccessToken, github.AccessToken, github.AccessToken, app.AccessToken}, "\n") + "\n"
	if code != 0 || stdout != want || stderr != "" {
		t.Errorf("exec: exit %d, the child saw the stored tokens: %v, stderr %q", code, stdout == want, stderr)
	}

	code, _, _ = runWithStdin(t, w.env, w.credentials, "", "exec", "discord", "--", "sh", "-c", "exit 7")
	if code != 7 {
		t.Errorf("child exit 7: authctl exited %d", code)
	}
	code, stdout, _ = runWithStdin(t, w.env, w.credentials, "from stdin\n", "exec", "discord", "--", "sh", "-c", "cat; echo to stderr >&2")
	if code != 0 || stdout != "from stdin\n" {
		t.Errorf("stdin to the child: exit %d, stdout %q", code, stdout)
	}
}

// Nothing runs when a token cannot be had, or the command line is wrong.
func TestExecFailsBeforeTheCommand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.login(t, "discord")
	marker := filepath.Join(t.TempDir(), "ran")
	touch := []string{"--", "touch", marker}
	for _, tt := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown provider", append([]string{"exec", "discrod"}, touch...), exitcode.Usage, "discrod"},
		{"missing login", append([]string{"exec", "slack"}, touch...), exitcode.Auth, "not logged in to slack"},
		{"missing login of an account", append([]string{"exec", "discord:other"}, touch...), exitcode.Auth, "account other"},
		{"no --", []string{"exec", "discord", "touch", marker}, exitcode.Usage, "give the command after --"},
		{"no command", []string{"exec", "discord", "--"}, exitcode.Usage, "give the command after --"},
		{"no provider", append([]string{"exec"}, touch...), exitcode.Usage, "name at least one"},
		{"bad --env", append([]string{"exec", "--env", "DISCORD"}, touch...), exitcode.Usage, "NAME=PROVIDER"},
		{"bad name", append([]string{"exec", "--env", "1X=discord"}, touch...), exitcode.Usage, "not a valid environment variable name"},
		{"name twice", append([]string{"exec", "github", "--env", "GH_TOKEN=discord"}, touch...), exitcode.Usage, "GH_TOKEN would be set twice"},
		{"bad --app-env", append([]string{"exec", "--app-env", "T=github.com"}, touch...), exitcode.Usage, "HOST/OWNER"},
		{"unmapped --app-env", append([]string{"exec", "--app-env", "T=github.com/acme"}, touch...), exitcode.Usage, "maps no installation"},
		{"negative --min-ttl", append([]string{"exec", "discord", "--min-ttl", "-1s"}, touch...), exitcode.Usage, "--min-ttl"},
	} {
		code, stdout, stderr := runWithStdin(t, w.env, w.credentials, "", tt.args...)
		if code != tt.code || stdout != "" || !strings.Contains(stderr, tt.msg) || strings.Count(stderr, "\n") > 2 {
			t.Errorf("%s: exit %d (want %d), stdout %q, stderr %q", tt.name, code, tt.code, stdout, stderr)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%s: the command ran", tt.name)
		}
	}
	code, _, stderr := runWithStdin(t, w.env, w.credentials, "", "exec", "discord", "--", "authctl-no-such-command")
	if code != 127 || !strings.Contains(stderr, "authctl-no-such-command") {
		t.Errorf("command not found: exit %d, stderr %q", code, stderr)
	}
}

// -v shows the refresh, never the tokens.
func TestExecVerboseShowsNoToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	old := w.login(t, "discord")
	expireStored(t, w, "discord")
	code, stdout, stderr := runWithStdin(t, w.env, w.credentials, "", "-v", "exec", "discord", "--", "true")
	fresh := w.stored(t, "discord")
	if code != 0 || stdout != "" || !strings.Contains(stderr, "POST") || fresh.AccessToken == old.AccessToken {
		t.Fatalf("exit %d, stdout %q, a refresh was logged: %v, refreshed: %v", code, stdout, strings.Contains(stderr, "POST"), fresh.AccessToken != old.AccessToken)
	}
	for _, secret := range []string{old.AccessToken, old.RefreshToken, fresh.AccessToken, fresh.RefreshToken} {
		if secret != "" && strings.Contains(stderr, secret) {
			t.Error("-v printed a token")
		}
	}
}

// processEnv is the environment of an authctl process on the world's file store.
func processEnv(w *world) []string {
	return append(os.Environ(), "AUTHCTL_CONFIG="+w.env["AUTHCTL_CONFIG"], "XDG_STATE_HOME="+w.stateDir, "AUTHCTL_STORE=file", "NO_COLOR=1")
}

func TestExecProcess(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := authctlBinary(t)
	w := newWorld(t)
	w.login(t, "discord")

	cmd := exec.Command(bin, "exec", "discord", "--", "sh", "-c", `test -n "$DISCORD_TOKEN"`)
	cmd.Env = processEnv(w)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("exec discord -- sh -c 'test -n \"$DISCORD_TOKEN\"': %v %s", err, out)
	}
	cmd = exec.Command(bin, "exec", "discord", "--", "sh", "-c", "exit 7")
	cmd.Env = processEnv(w)
	if err := cmd.Run(); cmd.ProcessState.ExitCode() != 7 {
		t.Errorf("child exit 7: %v", err)
	}
}

// A SIGTERM to authctl reaches the child, which ends as it chooses; authctl waits for it and
// exits with the child's code (5 here, not 143), printing nothing of its own.
func TestExecForwardsSIGTERM(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := authctlBinary(t)
	w := newWorld(t)
	w.login(t, "discord")
	cmd := exec.Command(bin, "exec", "discord", "--", "sh", "-c", `trap 'kill $! 2>/dev/null; echo got TERM; exit 5' TERM; echo ready; sleep 60 & wait`)
	cmd.Env = processEnv(w)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "ready" {
		_ = cmd.Process.Kill()
		t.Fatalf("child did not start: %q, stderr %q", lines.Text(), stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !lines.Scan() || lines.Text() != "got TERM" {
		t.Errorf("the child said %q after SIGTERM to authctl, want got TERM", lines.Text())
	}
	_, _ = io.Copy(io.Discard, stdout)
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 5 || stderr.Len() != 0 {
		t.Errorf("exit %d, stderr %q; want the child's 5 and nothing from authctl", code, stderr.String())
	}
}

// Eight exec processes started at once with an expired token refresh it once and all pass the
// saved token to their child.
func TestExecParallelProcessesRefreshOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and runs 8 processes")
	}
	bin := authctlBinary(t)
	w := newWorld(t)
	old := w.login(t, "github-app")
	expireStored(t, w, "github-app")
	w.srv.ExpireAccessTokens()
	w.srv.ResetCounts()

	const n = 8
	outs, codes := make([]string, n), make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := exec.Command(bin, "exec", "github-app", "--", "sh", "-c", `printf '%s\n' "$GITHUB_APP_TOKEN"`)
			cmd.Env = processEnv(w)
			var out bytes.Buffer
			cmd.Stdout = &out
			<-start
			_ = cmd.Run()
			outs[i], codes[i] = out.String(), cmd.ProcessState.ExitCode()
		})
	}
	close(start)
	wg.Wait()
	saved := w.stored(t, "github-app")
	if saved.AccessToken == old.AccessToken {
		t.Fatal("the token was not refreshed")
	}
	for i := range n {
		if codes[i] != 0 || outs[i] != saved.AccessToken+"\n" {
			t.Errorf("process %d: exit %d, its child got the saved token: %v", i, codes[i], outs[i] == saved.AccessToken+"\n")
		}
	}
	if got := w.srv.Count(http.MethodPost, "/login/oauth/access_token"); got != 1 {
		t.Errorf("%d refreshes at the sandbox, want exactly 1", got)
	}
}

// --app-env puts the installation token the git section maps HOST/OWNER to in the child's
// environment, minted once and then served from the cache.
func TestExecAppEnvInstallationToken(t *testing.T) {
	srv, env, cfg, host := installationSandbox(t)
	env["AUTHCTL_CONFIG"] = cfg
	var tokens []string
	for _, target := range []string{sandbox.GitHubInstallationRepo, sandbox.GitHubInstallationOrg + "/gadgets"} {
		code, stdout, stderr := runWithStdin(t, env, nil, "", "exec", "--app-env", "GH_TOKEN="+host+"/"+target, "--", "sh", "-c", `printf '%s\n' "$GH_TOKEN"`)
		if code != 0 || !strings.HasPrefix(stdout, "ghs_") {
			t.Fatalf("--app-env %s: exit %d, the child got a ghs_ token: %v, stderr %q", target, code, strings.HasPrefix(stdout, "ghs_"), stderr)
		}
		tokens = append(tokens, stdout)
	}
	if tokens[0] != tokens[1] || srv.Count(http.MethodPost, tokensPath) != 1 {
		t.Errorf("two repositories of one installation: same token %v, %d mints (want 1)", tokens[0] == tokens[1], srv.Count(http.MethodPost, tokensPath))
	}
}
