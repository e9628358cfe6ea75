package cli

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/authctl/authctl/internal/exitcode"
)

// runInTerminal runs the authctl binary with args on a real pseudo-terminal
// (stdin, stdout and stderr all the terminal) in env, and returns what the
// terminal showed and the exit code.
func runInTerminal(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(authctlBinary(t), args...)
	home := t.TempDir()
	cmd.Env = append([]string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "XDG_STATE_HOME=" + home, "PATH=" + os.Getenv("PATH")}, env...)
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatalf("start on a pty: %v", err)
	}
	defer tty.Close()
	var screen bytes.Buffer
	_, _ = io.Copy(&screen, tty) // ends with EIO when the process exits and closes its side
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return screen.String(), code
}

// Colour obeys no-color.org, TERM=dumb and --no-color in a real terminal,
// usage errors included (issue 15 point 5).
func TestColourRulesInATerminal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		env       []string
		args      []string
		wantColor bool
	}{
		{"terminal colours errors", []string{"TERM=xterm"}, []string{"status", "--bogus"}, true},
		{"--no-color, usage error", []string{"TERM=xterm"}, []string{"--no-color", "status", "--bogus"}, false},
		{"NO_COLOR non-empty", []string{"TERM=xterm", "NO_COLOR=1"}, []string{"status", "--bogus"}, false},
		{"NO_COLOR empty keeps colour", []string{"TERM=xterm", "NO_COLOR="}, []string{"status", "--bogus"}, true},
		{"TERM=dumb", []string{"TERM=dumb"}, []string{"status", "--bogus"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			screen, code := runInTerminal(t, tt.env, tt.args...)
			if code != exitcode.Usage || !strings.Contains(screen, "unknown flag: --bogus") {
				t.Fatalf("exit %d, screen %q; want exit 2 naming the flag", code, screen)
			}
			if got := strings.Contains(screen, "\x1b["); got != tt.wantColor {
				t.Errorf("escape sequences on screen = %v, want %v: %q", got, tt.wantColor, screen)
			}
		})
	}
}

// A mistyped subcommand is exit 2 with the suggestion on a line of its own,
// never the group's help with exit 0 (issue 15 point 4).
func TestMistypedCommandsAreUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		want    string
		suggest string
	}{
		{[]string{"webhook", "verfy"}, `unknown command "verfy" for "authctl webhook"`, "Did you mean 'authctl webhook verify'?"},
		{[]string{"guild", "chek"}, `unknown command "chek" for "authctl guild"`, "Did you mean 'authctl guild check'?"},
		{[]string{"app", "tokn"}, `unknown command "tokn" for "authctl app"`, "Did you mean 'authctl app token'?"},
		{[]string{"app", "token", "githb"}, `unknown command "githb" for "authctl app token"`, "Did you mean 'authctl app token github'?"},
		{[]string{"logn"}, `unknown command "logn" for "authctl"`, "Did you mean 'authctl login'?"},
		{[]string{"-o", "json", "webhook", "verfy"}, `unknown command "verfy" for "authctl webhook"`, "Did you mean 'authctl webhook verify'?"},
		{[]string{"help", "logn"}, `unknown command "logn" for "authctl"`, "Did you mean 'authctl login'?"},
		{[]string{"zzzz"}, `unknown command "zzzz" for "authctl"`, ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, nil, tt.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != exitcode.Usage || stdout != "" || lines[0] != "error: "+tt.want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, code, stdout, stderr, tt.want)
			continue
		}
		if tt.suggest != "" && (len(lines) < 2 || lines[1] != tt.suggest) {
			t.Errorf("%v: stderr %q; want the suggestion %q on the second line", tt.args, stderr, tt.suggest)
		}
	}
	for _, args := range [][]string{{"webhook"}, {"help", "token"}, {"app", "token", "--help"}} {
		if code, stdout, stderr := runCLI(t, nil, args...); code != 0 || stdout != "" || !strings.Contains(stderr, "Usage:") {
			t.Errorf("%v: exit %d, stdout %q; want the help on stderr and exit 0", args, code, stdout)
		}
	}
}
