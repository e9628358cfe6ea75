package cli

import (
	"strings"
	"testing"
)

// Flags whose values are not files complete their values, or nothing, but
// never file names (issue 15 point 10).
func TestFlagValuesCompleteWithoutFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "status", "-o", ""}, []string{"text", "json", ":4"}},
		{[]string{"__complete", "token", "discord", "--store", ""}, []string{"keyring", "file", ":4"}},
		{[]string{"__complete", "guild", "check", "--guild", ""}, []string{":4"}},
		{[]string{"__complete", "guild", "check", "--guild", "1", "--role", ""}, []string{":4"}},
	}
	for _, tt := range tests {
		code, stdout, _ := runCLI(t, nil, tt.args...)
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if code != 0 || strings.Join(lines, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%v: exit %d, candidates %q; want %q (4 = no file completion)", tt.args, code, lines, tt.want)
		}
	}
}
