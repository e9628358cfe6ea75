package oauthflow

import "testing"

// A browser is opened only for a person at a terminal, outside CI, who did not say --no-browser.
func TestBrowserFor(t *testing.T) {
	t.Parallel()
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	for _, tt := range []struct {
		name       string
		noBrowser  bool
		stdinTTY   bool
		vars       map[string]string
		wantOpener bool
	}{
		{"terminal", false, true, nil, true},
		{"terminal with $BROWSER", false, true, map[string]string{"BROWSER": "true"}, true},
		{"--no-browser", true, true, nil, false},
		{"stdin not a terminal", false, false, nil, false},
		{"CI", false, true, map[string]string{"CI": "true"}, false},
	} {
		if got := BrowserFor(tt.noBrowser, tt.stdinTTY, env(tt.vars)) != nil; got != tt.wantOpener {
			t.Errorf("%s: opener %v, want %v", tt.name, got, tt.wantOpener)
		}
	}
}
