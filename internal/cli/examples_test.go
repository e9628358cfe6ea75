package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// offlineExamples are help examples that cannot run in a test, with why. The
// lines of sandboxExamples, appExamples and serverExamples run in their own
// tests below; every other example line is run in bash against a freshly
// built authctl.
var offlineExamples = map[string]string{
	"DISCORD_BOT_TOKEN=… authctl guild check --guild 456 --user 123 --bot-token-env DISCORD_BOT_TOKEN":  "needs a real bot token",
	`curl -H "Authorization: Bearer $(authctl token discord)" https://discord.com/api/v10/users/@me`:    "calls the real Discord API",
	"authctl webhook listen discord --public-key 3b6a27bc… --record deliveries.jsonl":                   "long-running listener; the key is elided",
	"authctl webhook replay stripe --request captured.http --to http://127.0.0.1:4242/hook":             "needs a captured request and the user's app",
	"authctl webhook replay github --from deliveries.jsonl --to http://127.0.0.1:3000/webhook":          "needs a recording and the user's app",
	"GH_TOKEN=$(authctl app token github --app-id 424242 --private-key-file app.pem --repo OWNER/NAME)": "needs a real GitHub App key",
}

// TestHelpExamples runs every example of every command's help, or requires
// it to be listed in offlineExamples with a reason.
func TestHelpExamples(t *testing.T) {
	t.Parallel()
	bin := buildAuthctl(t)
	seen := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		var runnable []string
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			seen[line] = true
			if _, elsewhere := offlineExamples[line]; !elsewhere && !runElsewhere(line) {
				runnable = append(runnable, line)
			}
		}
		if len(runnable) > 0 {
			path := c.CommandPath()
			t.Run(path, func(t *testing.T) {
				t.Parallel()
				runExamples(t, bin, runnable)
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCmd(cmdutil.NewFactory()))
	for line := range offlineExamples {
		if !seen[line] {
			t.Errorf("offlineExamples lists %q, which no command's help shows any more", line)
		}
	}
	for _, line := range slices.Concat(sandboxExamples, appExamples, slices.Collect(maps.Keys(serverExamples))) {
		if !seen[line] {
			t.Errorf("the example tests run %q, which no command's help shows any more", line)
		}
	}
}

// sandboxExamples run in this order, in one directory, against a sandbox
// started for the test: sandbox.yaml there is its config (what `authctl
// sandbox --config-out sandbox.yaml` writes) and AUTHCTL_CONFIG names it;
// its seed has the guild, roles and membership the examples name; the test
// opens the login's URL as the user's browser would.
var sandboxExamples = []string{
	"authctl --config sandbox.yaml login discord",
	"authctl guild check --guild 456 --role 789",
	"authctl guild check --guild 456 --role 789,790 --all-roles -o json",
}

// appExamples run against a stand-in for the user's app on 127.0.0.1:3000
// that answers 204, with AUTHCTL_WEBHOOK_SECRET set.
var appExamples = []string{
	"authctl webhook replay github --event push --to http://127.0.0.1:3000/webhook",
	"authctl webhook replay slack --event slash_command --count 5000 --concurrency 32 --to http://127.0.0.1:3000/slack",
}

// serverExamples run until they print what shows they are serving, then
// must end cleanly on SIGTERM.
var serverExamples = map[string]*regexp.Regexp{
	"authctl sandbox --config-out sandbox.yaml &":                                                    sandboxReady,
	"authctl sandbox --auto-approve --token-lifetime 30s":                                            sandboxReady,
	"authctl sandbox --print-seed > seed.yaml && authctl sandbox --seed seed.yaml":                   sandboxReady,
	"authctl sandbox --fault '/api/v10/users/@me/guilds=status=503,times=2'":                         sandboxReady,
	"authctl webhook listen github --addr 127.0.0.1:8787 --forward-to http://127.0.0.1:3000/webhook": regexp.MustCompile(`Listening for github webhooks on http://127\.0\.0\.1:8787`),
}

var sandboxReady = regexp.MustCompile(`(?m)^http://127\.0\.0\.1:\d+\n`)

func runElsewhere(line string) bool {
	_, server := serverExamples[line]
	return server || slices.Contains(sandboxExamples, line) || slices.Contains(appExamples, line)
}

// buildAuthctl builds the command into a temporary directory and returns that directory.
func buildAuthctl(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "authctl"), "github.com/authctl/authctl/cmd/authctl").CombinedOutput(); err != nil {
		t.Fatalf("build authctl: %v\n%s", err, out)
	}
	return bin
}

// exampleCmd is bash running one example line in dir, with PATH finding bin/authctl first and
// HOME, config and state inside dir.
func exampleCmd(bin, dir, line string, env ...string) *exec.Cmd {
	cmd := exec.Command("bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", line)
	cmd.Dir = dir
	cmd.Env = append([]string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_STATE_HOME=" + filepath.Join(dir, "state"),
		"AUTHCTL_STORE=file",
	}, env...)
	return cmd
}

// The guild examples' world: guild 456 with roles 789 and 790, both held by the default user.
// Not parallel: the sandbox's Discord app redirects to a fixed port.
func TestHelpExamplesAgainstSandbox(t *testing.T) {
	bin := buildAuthctl(t)
	seed := sandbox.DefaultSeed()
	seed.Guilds = append(seed.Guilds, sandbox.Guild{ID: "456", Name: "Examples",
		Roles:   []sandbox.Role{{ID: "789", Name: "ci"}, {ID: "790", Name: "deploy"}},
		Members: []sandbox.Member{{UserID: sandbox.AliceID, Roles: []string{"789", "790"}}}})
	srv := sandboxtest.Start(t, sandboxtest.WithSeed(seed), sandboxtest.AutoApprove())
	dir := t.TempDir()
	config := filepath.Join(dir, "sandbox.yaml")
	if err := os.WriteFile(config, []byte(srv.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"AUTHCTL_CONFIG=" + config, "CI=1"}

	login := exampleCmd(bin, dir, sandboxExamples[0], env...)
	stdin, err := login.StdinPipe() // open, never EOF: the login waits for the browser, not a paste
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stderr := newURLWatcher()
	login.Stderr = stderr
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- login.Wait() }()
	select {
	case u := <-stderr.found:
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(u) // the sandbox approves; the login's callback answers
		if err != nil {
			t.Fatalf("open the login URL: %v (stderr %s)", err, stderr)
		}
		resp.Body.Close()
	case err := <-done:
		t.Fatalf("%s ended before printing a URL: %v\n%s", sandboxExamples[0], err, stderr)
	case <-time.After(60 * time.Second):
		_ = login.Process.Kill()
		t.Fatalf("%s printed no authorize URL: %s", sandboxExamples[0], stderr)
	}
	if err := <-done; err != nil {
		t.Fatalf("%s: %v\n%s", sandboxExamples[0], err, stderr)
	}

	for _, line := range sandboxExamples[1:] {
		cmd := exampleCmd(bin, dir, line, env...)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", line, err, out, errOut.String())
		}
		if strings.Contains(line, "-o json") && !json.Valid(out) {
			t.Errorf("%s: stdout is not one JSON document: %s", line, out)
		}
	}
	if n := srv.Count("GET", "/api/v10/users/@me/guilds/456/member"); n != 2 {
		t.Errorf("member look-ups at the sandbox = %d, want one per guild check", n)
	}
}

func TestHelpExamplesAgainstLocalApp(t *testing.T) {
	bin := buildAuthctl(t)
	ln, err := net.Listen("tcp", "127.0.0.1:3000")
	if err != nil {
		t.Skipf("the examples post to 127.0.0.1:3000, which is taken here: %v", err)
	}
	var received atomic.Int64
	app := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err == nil {
			received.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go app.Serve(ln)
	t.Cleanup(func() { app.Close() })

	for _, line := range appExamples {
		cmd := exampleCmd(bin, t.TempDir(), line, "AUTHCTL_WEBHOOK_SECRET=example-secret")
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		if out, err := cmd.Output(); err != nil {
			t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", line, err, out, errOut.String())
		}
	}
	if n := received.Load(); n != 1+5000 {
		t.Errorf("the app received %d deliveries, want %d", n, 1+5000)
	}
}

func TestHelpExamplesThatServe(t *testing.T) {
	bin := buildAuthctl(t)
	for line, ready := range serverExamples {
		t.Run(line, func(t *testing.T) {
			cmd := exampleCmd(bin, t.TempDir(), line, "AUTHCTL_WEBHOOK_SECRET=example-secret")
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a backgrounded server is stopped with its shell
			out := &outputWatcher{pattern: ready, found: make(chan string, 1)}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-out.found:
			case err := <-done:
				t.Fatalf("ended before it was ready: %v\n%s", err, out)
			case <-time.After(30 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				t.Fatalf("not ready after 30 s:\n%s", out)
			}
			if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			var exit *exec.ExitError
			if err := <-done; err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 143) {
				t.Fatalf("after SIGTERM: %v, want exit 0 or 143\n%s", err, out)
			}
		})
	}
}

// runExamples runs the lines in order in one bash, so that a line can use a
// file an earlier one wrote, and fails on the first line that fails.
func runExamples(t *testing.T, bin string, lines []string) {
	t.Helper()
	dir := t.TempDir()
	for _, line := range lines {
		setup := exampleSetup[line]
		if setup.shell != "" {
			if out, err := exampleCmd(bin, dir, setup.shell).CombinedOutput(); err != nil {
				t.Fatalf("setup for %s: %v\n%s", line, err, out)
			}
		}
		cmd := exampleCmd(bin, dir, line, setup.env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err := cmd.Output(); err != nil {
			t.Fatalf("example failed: %s\n%v\nstdout: %s\nstderr: %s", line, err, out, stderr.String())
		}
	}
}

// exampleSetup gives an example what it expects the user to have besides what
// the lines before it wrote: a body file, a secret in the environment.
var exampleSetup = map[string]struct {
	shell string
	env   []string
}{
	"authctl webhook sign stripe --body event.json --secret-env STRIPE_WEBHOOK_SECRET --timestamp 1700000000": {
		shell: `printf '{"id":"evt_1","object":"event"}' > event.json`,
		env:   []string{"STRIPE_WEBHOOK_SECRET=whsec_example"},
	},
	"authctl webhook sign discord --body interaction.json --private-key-file discord.pem": {
		shell: `printf '{"type":1}' > interaction.json`, // discord.pem: the keygen line before it

	},
}
