package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/exitcode"
)

func TestGuildCheckUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"no guild", nil, []string{"guild", "check"}, `required flag(s) "guild" not set`},
		{"guild not a snowflake", nil, []string{"guild", "check", "--guild", "abc"}, `--guild must be a Discord ID (digits only), not "abc"`},
		{"empty guild", nil, []string{"guild", "check", "--guild", ""}, "--guild needs a Discord ID"},
		{"role not a snowflake", nil, []string{"guild", "check", "--guild", "1", "--role", "2,admin"}, `--role must be a Discord ID (digits only), not "admin"`},
		{"user without bot token env", nil, []string{"guild", "check", "--guild", "1", "--user", "2"}, "if any flags in the group [user bot-token-env] are set they must all be set"},
		{"bot token env without user", nil, []string{"guild", "check", "--guild", "1", "--bot-token-env", "BOT"}, "if any flags in the group [user bot-token-env] are set they must all be set"},
		{"user not a snowflake", nil, []string{"guild", "check", "--guild", "1", "--user", "@bob", "--bot-token-env", "BOT"}, `--user must be a Discord ID (digits only), not "@bob"`},
		{"bot token env unset", nil, []string{"guild", "check", "--guild", "1", "--user", "2", "--bot-token-env", "BOT"}, "missing bot token: environment variable BOT is empty or unset"},
		{"negative max wait", nil, []string{"guild", "check", "--guild", "1", "--max-wait", "-1s"}, "--max-wait must not be negative"},
		{"bad max wait", nil, []string{"guild", "check", "--guild", "1", "--max-wait", "soon"}, `invalid argument "soon" for "--max-wait"`},
		{"extra argument", nil, []string{"guild", "check", "--guild", "1", "extra"}, `unknown command "extra"`},
		{"account with user", nil, []string{"guild", "check", "--guild", "1", "--account", "a", "--user", "2", "--bot-token-env", "BOT"}, "none of the others can be"},
		{"provider of another kind", map[string]string{"AUTHCTL_GITHUB_KIND": "github", "B": "x"}, []string{"guild", "check", "--guild", "1", "--user", "2", "--bot-token-env", "B", "--provider", "github"}, `provider "github" is of kind "github", not discord`},
		{"unknown provider", map[string]string{"B": "x"}, []string{"guild", "check", "--guild", "1", "--user", "2", "--bot-token-env", "B", "--provider", "nope"}, `unknown provider "nope"`},
		{"list negative max wait", nil, []string{"guild", "list", "--max-wait", "-2s"}, "--max-wait must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"AUTHCTL_CONFIG": emptyConfig(t)}
			for k, v := range tt.env {
				env[k] = v
			}
			code, stdout, stderr := runCLI(t, env, tt.args...)
			if code != exitcode.Usage {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, exitcode.Usage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tt.wantErr) || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
				t.Errorf("stderr = %q, want one line containing %q", stderr, tt.wantErr)
			}
		})
	}
}

// emptyConfig is a config file with no providers, so that no user's own file is read.
func emptyConfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("providers: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
