package cli

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// tmuxPane is one command running in a real terminal: a tmux server of the
// test's own (its socket in a temp dir) with one 200-column window.
type tmuxPane struct {
	t      *testing.T
	socket string
}

func startTmux(t *testing.T, env []string, command string) *tmuxPane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is missing: scripts/setup.sh installs it")
		}
		t.Skip("tmux is missing: install it to run the terminal tests")
	}
	p := &tmuxPane{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock")}
	args := []string{"new-session", "-d", "-x", "200", "-y", "50"}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	p.tmux(append(args, command)...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", p.socket, "kill-server").Run() })
	return p
}

func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// screen is what the terminal shows now, one string per line.
func (p *tmuxPane) screen() []string {
	return strings.Split(strings.TrimRight(p.tmux("capture-pane", "-p", "-J"), "\n"), "\n")
}

// waitFor polls the screen until a line matches re (the terminal is the only
// signal there is), failing after 30 s.
func (p *tmuxPane) waitFor(re *regexp.Regexp) string {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range p.screen() {
			if m := re.FindString(line); m != "" {
				return m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("%s never appeared; the screen:\n%s", re, strings.Join(p.screen(), "\n"))
	return ""
}

// The login prompt in a real terminal (issue 15 point 2): the URL, the wait
// and a pasted redirect URL each keep a line of their own, typed text is never
// overwritten, and nothing is left of a spinner. Run twice: with stdin a
// terminal (the person may paste) and with stdin redirected (nobody types, so
// the wait may animate) — in both the opener's own noise stays off the screen.
func TestLoginPromptInATerminal(t *testing.T) {
	t.Parallel()
	bin := authctlBinary(t)
	for _, stdinTTY := range []bool{true, false} {
		t.Run(fmt.Sprintf("stdin terminal %v", stdinTTY), func(t *testing.T) {
			t.Parallel()
			e := newLoginEnv(t, sandboxtest.AutoApprove())
			dir := t.TempDir()
			noisy := filepath.Join(dir, "noisy-browser")
			if err := os.WriteFile(noisy, []byte("#!/bin/sh\necho 'www-browser: not found' >&2\necho 'xdg-open: no method available' >&2\n"), 0o700); err != nil {
				t.Fatal(err)
			}
			command := bin + " --config " + e.cfg + " --store file login github"
			if !stdinTTY {
				command += " </dev/null" // at EOF, which is no cancel: the login waits for the callback
			}
			command += "; echo EXIT=$?; sleep 600" // the pane stays to be read; the server is killed at cleanup
			pane := startTmux(t, []string{"HOME=" + dir, "XDG_STATE_HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "BROWSER=" + noisy, "TERM=xterm-256color", "CI="}, command)
			authURL := pane.waitFor(regexp.MustCompile(`^  http://127\.0\.0\.1:\d+/login/oauth/authorize\?\S+$`))
			redirect := approvedRedirect(t, strings.TrimSpace(authURL)).String()
			if stdinTTY {
				// Type the redirect URL in pieces, as a slow paste would arrive, so that a
				// redraw between them would show.
				for i := 0; i < len(redirect); i += 40 {
					pane.tmux("send-keys", "-l", redirect[i:min(i+40, len(redirect))])
					time.Sleep(30 * time.Millisecond) // let a spinner frame (120 ms) fall between pieces
				}
				pane.tmux("send-keys", "Enter")
			} else {
				resp, err := http.Get(redirect) // the browser reaching the callback
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			pane.waitFor(regexp.MustCompile(`^EXIT=\d+$`))
			screen := pane.screen()
			text := strings.Join(screen, "\n")
			if !strings.Contains(text, "EXIT=0") || !strings.Contains(text, "Logged in to GitHub as alice") {
				t.Fatalf("login did not succeed; the screen:\n%s", text)
			}
			for _, line := range screen {
				trimmed := strings.TrimSpace(line)
				switch {
				case strings.ContainsAny(line, "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"):
					t.Errorf("a spinner frame is left on the screen: %q", line)
				case strings.Contains(line, "www-browser") || strings.Contains(line, "xdg-open"):
					t.Errorf("the browser opener's output reached the terminal: %q", line)
				case strings.Contains(line, "authorize?") && trimmed != strings.TrimSpace(authURL):
					t.Errorf("the URL shares its line: %q", line)
				case strings.Contains(line, "/callback?") && trimmed != redirect:
					t.Errorf("the pasted URL shares its line or was written over: %q", line)
				}
			}
			if stdinTTY && !slices.ContainsFunc(screen, func(l string) bool { return strings.TrimSpace(l) == redirect }) {
				t.Errorf("the pasted URL is not on a line of its own; the screen:\n%s", text)
			}
		})
	}
}
