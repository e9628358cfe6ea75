package ui

import "testing"

func TestNoColorEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"NO_COLOR": ""}, false}, // no-color.org: only a non-empty value
		{map[string]string{"NO_COLOR": "1"}, true},
		{map[string]string{"TERM": "dumb"}, true},
		{map[string]string{"TERM": "xterm-256color"}, false},
		{map[string]string{"CI": "1"}, false},
	}
	for _, tt := range tests {
		if got := NoColorEnv(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("NoColorEnv(%v) = %v, want %v", tt.env, got, tt.want)
		}
	}
}
