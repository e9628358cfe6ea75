package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/ui"
)

// runCLI runs authctl with args on test streams and an environment of env.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := ui.Test()
	code = Run(context.Background(), newTestFactory(t, ios, env), args)
	return code, out.String(), errOut.String()
}

func TestRootUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown command", []string{"bogus"}, `unknown command "bogus"`},
		{"unknown flag", []string{"version", "--bogus"}, "unknown flag: --bogus"},
		{"bad output format", []string{"version", "-o", "yaml"}, `--output must be "text" or "json", not "yaml"`},
		{"extra argument", []string{"version", "extra"}, `unknown command "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, nil, tt.args...)
			if code != exitcode.Usage {
				t.Errorf("exit code = %d, want %d", code, exitcode.Usage)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantErr)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "authctl ") || stderr != "" {
		t.Fatalf("version: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, nil, "version", "-o", "json")
	if code != 0 || !strings.Contains(stdout, `"version":`) || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("version -o json: code %d, stdout %q", code, stdout)
	}
}

func TestCompletionGoesToStdout(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, nil, "completion", "bash")
	if code != 0 || !strings.Contains(stdout, "__start_authctl") {
		t.Errorf("completion bash: exit %d, stdout without the script (%d bytes)", code, len(stdout))
	}
	code, stdout, _ = runCLI(t, nil, "__complete", "we")
	if code != 0 || !strings.Contains(stdout, "webhook") {
		t.Errorf("__complete we: exit %d, stdout %q", code, stdout)
	}
}
