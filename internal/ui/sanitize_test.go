package ui

import "testing"

func TestSanitize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"alice", "alice"},
		{"Zoë 🚀", "Zoë 🚀"},
		{"\x1b]0;PWNED\a\x1b[2K\r✓ valid → 200", `\x1b]0;PWNED\a\x1b[2K\r✓ valid → 200`},
		{"two\nlines", `two\nlines`},
		{"tab\there", `tab\there`},
		{"c1 \u009b31m", `c1 \u009b31m`},
		{"bad \xff byte", `bad \ufffd byte`},
		{"sep\u2028x", `sep\u2028x`},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
