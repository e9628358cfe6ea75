package cli

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/ui"
)

// The config printed by `authctl sandbox` makes `authctl --config FILE login
// discord` work: the login's URL, approved by the sandbox, ends in its
// callback on the registered port, and whoami then names the seeded user.
// Not parallel: the Discord app's redirect port is fixed (28682).
func TestSandboxConfigLoginDiscord(t *testing.T) {
	probe, _, _, _ := ui.Test()
	if cmd, _, err := NewRootCmd(&cmdutil.Factory{IO: probe, Global: &cmdutil.GlobalOptions{}}).Find([]string{"login"}); err != nil || cmd.Name() != "login" {
		t.Skip("the login command is not registered yet")
	}
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state")) // in case the file store reads the process environment
	cfg := filepath.Join(dir, "sandbox.yaml")
	_, stop := startSandbox(t, &SandboxOptions{Addr: "127.0.0.1:0", ConfigOut: cfg, AutoApprove: true})
	defer stop()
	env := map[string]string{"CI": "1", "AUTHCTL_STORE": "file", "XDG_STATE_HOME": filepath.Join(dir, "state"), "HOME": dir}

	stdin, stdinW := io.Pipe() // never EOF while the login waits
	defer stdinW.Close()
	errOut := newURLWatcher()
	ios, _, _, _ := ui.Test()
	ios.In, ios.ErrOut = stdin, errOut
	f := &cmdutil.Factory{IO: ios, Global: &cmdutil.GlobalOptions{Output: ui.FormatText}, Getenv: func(k string) string { return env[k] }, Now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- Run(ctx, f, []string{"--config", cfg, "login", "discord", "--no-browser"}) }()

	select {
	case u := <-errOut.found:
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(u) // sandbox approves, then the login's callback answers
		if err != nil {
			t.Fatalf("follow the login URL: %v (stderr %s)", err, errOut)
		}
		resp.Body.Close()
	case code := <-done:
		t.Fatalf("login ended with %d before printing a URL: %s", code, errOut)
	case <-ctx.Done():
		t.Fatalf("login printed no authorize URL: %s", errOut)
	}
	if code := <-done; code != exitcode.OK {
		t.Fatalf("login exit %d: %s", code, errOut)
	}
	code, stdout, stderr := runCLI(t, env, "--config", cfg, "whoami", "discord")
	if code != exitcode.OK || !regexp.MustCompile(sandbox.AliceUsername+`|`+sandbox.AliceID).MatchString(stdout) {
		t.Fatalf("whoami: %d %q %q", code, stdout, stderr)
	}
}
