package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// offlineExamples are help examples that cannot run in a test, with why.
// Every other example line is run in bash against a freshly built authctl.
var offlineExamples = map[string]string{
	"authctl guild check --guild 456 --role 789":                                                                        "needs a logged-in Discord account",
	"authctl guild check --guild 456 --role 789,790 --all-roles -o json":                                                "needs a logged-in Discord account",
	"DISCORD_BOT_TOKEN=… authctl guild check --guild 456 --user 123 --bot-token-env DISCORD_BOT_TOKEN":                  "needs a real bot token",
	"authctl sandbox --config-out sandbox.yaml &":                                                                       "starts a long-running server",
	"authctl --config sandbox.yaml login discord":                                                                       "needs a browser and the running sandbox",
	"authctl sandbox --auto-approve --token-lifetime 30s":                                                               "starts a long-running server",
	"authctl sandbox --print-seed > seed.yaml && authctl sandbox --seed seed.yaml":                                      "the second half starts a long-running server",
	"authctl sandbox --fault '/api/v10/users/@me/guilds=status=503,times=2'":                                            "starts a long-running server",
	`curl -H "Authorization: Bearer $(authctl token discord)" https://discord.com/api/v10/users/@me`:                    "calls the real Discord API",
	"authctl webhook listen github --addr 127.0.0.1:8787 --forward-to http://127.0.0.1:3000/webhook":                    "long-running listener",
	"authctl webhook listen discord --public-key 3b6a27bc… --record deliveries.jsonl":                                   "long-running listener; the key is elided",
	"authctl webhook replay github --event push --to http://127.0.0.1:3000/webhook":                                     "needs the user's app on port 3000",
	"authctl webhook replay stripe --request captured.http --to http://127.0.0.1:4242/hook":                             "needs a captured request and the user's app",
	"authctl webhook replay github --from deliveries.jsonl --to http://127.0.0.1:3000/webhook":                          "needs a recording and the user's app",
	"authctl webhook replay slack --event slash_command --count 5000 --concurrency 32 --to http://127.0.0.1:3000/slack": "needs the user's app on port 3000",
	"authctl webhook sign stripe --body event.json --secret-env STRIPE_WEBHOOK_SECRET --timestamp 1700000000":           "needs the user's event.json and secret",
	"authctl webhook sign discord --body interaction.json --private-key-file discord.pem":                               "needs the user's interaction.json",
	"GH_TOKEN=$(authctl app token github --app-id 424242 --private-key-file app.pem --repo OWNER/NAME)":                 "needs a real GitHub App key",
}

// TestHelpExamples runs every example of every command's help, or requires
// it to be listed in offlineExamples with a reason.
func TestHelpExamples(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "authctl"), "github.com/authctl/authctl/cmd/authctl").CombinedOutput(); err != nil {
		t.Fatalf("build authctl: %v\n%s", err, out)
	}
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
			if _, offline := offlineExamples[line]; !offline {
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
	walk(NewRootCmd(NewFactory()))
	for line := range offlineExamples {
		if !seen[line] {
			t.Errorf("offlineExamples lists %q, which no command's help shows any more", line)
		}
	}
}

// runExamples runs the lines in order in one bash, so that a line can use a
// file an earlier one wrote, and fails on the first line that fails.
func runExamples(t *testing.T, bin string, lines []string) {
	t.Helper()
	dir := t.TempDir()
	for _, line := range lines {
		cmd := exec.Command("bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", line)
		cmd.Dir = dir
		cmd.Env = []string{
			"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
			"HOME=" + dir,
			"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
			"AUTHCTL_STORE=file",
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err := cmd.Output(); err != nil {
			t.Fatalf("example failed: %s\n%v\nstdout: %s\nstderr: %s", line, err, out, stderr.String())
		}
	}
}
