package cli

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// A Discord entry without redirect_ports listens on a random port (Discord's
// own desktop guidance registers a portless http://127.0.0.1/callback, but
// whether Discord then accepts any port is not documented). When the
// application is registered with a fixed port instead — as the sandbox's is —
// the browser shows Discord's error and no callback ever comes: the timeout
// then says what to register or configure (issue 13 point 9).
func TestLoginDiscordWithoutRedirectPortsSaysWhatToRegister(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	yaml, err := os.ReadFile(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	portless := regexp.MustCompile(`(?m)^    redirect_ports: \[28682\]\n`).ReplaceAllString(string(yaml), "")
	e.cfg = filepath.Join(t.TempDir(), "portless.yaml")
	if err := os.WriteFile(e.cfg, []byte(portless), 0o600); err != nil {
		t.Fatal(err)
	}
	var refused int
	r := e.login(testContext(t), nil, func(authURL string) {
		resp, err := http.Get(authURL) // the sandbox, like Discord, refuses an unregistered redirect_uri
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		refused = resp.StatusCode
	}, "discord", "--no-browser", "--timeout", "2s")
	if refused != http.StatusBadRequest {
		t.Fatalf("the sandbox answered %d to a random port, want 400 as Discord refuses an unregistered redirect", refused)
	}
	want := `register http://127.0.0.1/callback (no port) with the application, or register http://127.0.0.1:PORT/callback and set providers.discord.redirect_ports: [PORT]`
	if r.code != exitcode.Auth || !strings.Contains(r.stderr.String(), want) {
		t.Fatalf("exit %d, stderr %s; want exit 3 saying what to register", r.code, r.stderr)
	}
}
