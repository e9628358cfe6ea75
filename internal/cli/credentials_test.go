package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/exitcode"
)

func TestTokenCommandUsageAndConfigErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no provider", nil, []string{"token"}, exitcode.Usage, "accepts 1 arg(s), received 0"},
		{"negative min-ttl", nil, []string{"token", "discord", "--min-ttl", "-5s"}, exitcode.Usage, "--min-ttl must not be negative"},
		{"bad min-ttl", nil, []string{"token", "discord", "--min-ttl", "soon"}, exitcode.Usage, "invalid argument"},
		{"bad --store", nil, []string{"token", "discord", "--store", "vault"}, exitcode.Usage, `--store must be "keyring" or "file", not "vault"`},
		{"bad AUTHCTL_STORE", map[string]string{"AUTHCTL_STORE": "plain"}, []string{"status"}, exitcode.Usage, `AUTHCTL_STORE must be "keyring" or "file", not "plain"`},
		{"bad store in the config file", map[string]string{"AUTHCTL_CONFIG": writeTemp(t, "config.yaml", "store: vault\n")}, []string{"token", "discord"}, exitcode.Usage, `store must be "keyring" or "file", not "vault"`},
		{"explicit config missing", nil, []string{"token", "discord", "--config", missing}, exitcode.Usage, "no such file or directory"},
		{"refresh of an env token", map[string]string{"AUTHCTL_DISCORD_TOKEN": "env-tok"}, []string{"token", "discord", "--refresh"}, exitcode.Usage, "AUTHCTL_DISCORD_TOKEN supplies the discord token and cannot be refreshed"},
		{"logout without provider", nil, []string{"logout"}, exitcode.Usage, "logout needs PROVIDER"},
		{"logout --all with --account", nil, []string{"logout", "discord", "--all", "--account", "x"}, exitcode.Usage, "--all and --account cannot be used together"},
		{"whoami unknown provider", map[string]string{"AUTHCTL_NOPE_TOKEN": "t", "AUTHCTL_CONFIG": ""}, []string{"whoami", "nope", "--config", writeTemp(t, "config.yaml", "store: file\n")}, exitcode.Usage, `unknown provider "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, tt.env, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantErr)
			}
			if strings.Contains(stderr, "env-tok") {
				t.Errorf("stderr leaks the token: %q", stderr)
			}
		})
	}
}

func TestTokenFromEnvironmentNeedsNothingElse(t *testing.T) {
	t.Parallel()
	// No config file, no store: the CI path must work with the variable alone.
	env := map[string]string{"AUTHCTL_DISCORD_LOCAL_TOKEN": "env-token-value", "AUTHCTL_CONFIG": filepath.Join(t.TempDir(), "absent.yaml")}
	code, stdout, stderr := runCLI(t, env, "token", "discord-local")
	if code != 0 || stdout != "env-token-value\n" || stderr != "" {
		t.Fatalf("token: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// writeTemp writes body to name in a fresh temporary directory.
func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A provider name authctl does not know is a usage error (2), not "log in" (3): a CI script must
// not read a typo as an expired login. A known provider that is not logged in stays 3.
func TestUnknownProviderIsUsage(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	env := map[string]string{"AUTHCTL_STORE": "file", "XDG_STATE_HOME": filepath.Join(dir, "state"), "HOME": dir, "AUTHCTL_WORK_KIND": "oidc"}
	for _, args := range [][]string{{"token"}, {"refresh"}, {"logout"}, {"logout", "--all"}, {"status"}} {
		code, stdout, stderr := runCLI(t, env, append(args, "discrod")...)
		if code != exitcode.Usage || stdout != "" || !strings.Contains(stderr, `unknown provider "discrod"`) {
			t.Errorf("%v discrod: exit %d stdout %q stderr %q; want exit 2 naming the unknown provider", args, code, stdout, stderr)
		}
		for _, known := range []string{"discord", "work"} { // built-in, and defined by AUTHCTL_WORK_*
			if code, _, stderr := runCLI(t, env, append(args, known)...); code != exitcode.Auth || !strings.Contains(stderr, "not logged in to "+known) {
				t.Errorf("%v %s: exit %d stderr %q; want exit 3, not logged in", args, known, code, stderr)
			}
		}
	}
}
