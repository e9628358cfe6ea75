package cli

import (
	"context"
	"github.com/authctl/authctl/internal/ui"
	"regexp"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/golden"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// lifecycleVolatile matches what changes from run to run in the lifecycle commands'
// output: sandbox ports, timestamps, durations and temporary paths.
var lifecycleVolatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "<TIME>"},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:<PORT>"},
	{regexp.MustCompile(`in \d+ [a-z]+( \d+ [a-z]+)? *`), "in <DURATION> "},
	{regexp.MustCompile(`\(\d+ [a-z]+( \d+ [a-z]+)?\)`), "(<DURATION>)"},
	{regexp.MustCompile(`/tmp/[^\s"]+`), "<TMP>"},
	{regexp.MustCompile(`(code_challenge|state)=[A-Za-z0-9_-]+`), "$1=<RANDOM>"},
	{regexp.MustCompile(`127\.0\.0\.1%3A\d+`), "127.0.0.1%3A<PORT>"},
}

func normalizeLifecycle(s string) string {
	for _, v := range lifecycleVolatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

// TestLifecycleGolden holds the output of the token lifecycle commands, human
// and -o json, to testdata/golden/lifecycle: login, token, status, whoami,
// refresh, logout and their most common failures.
func TestLifecycleGolden(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	r := e.login(testContext(t), nil, followingBrowser(t), "github", "--no-browser")
	if r.code != 0 {
		t.Fatalf("login: exit %d, stderr %s", r.code, r.stderr)
	}
	golden.AssertString(t, "lifecycle/login_github.txt", normalizeLifecycle(r.stderr.String()))
	r = e.login(testContext(t), nil, followingBrowser(t), "sentry", "--no-browser", "--account", "work", "-o", "json")
	if r.code != 0 {
		t.Fatalf("login -o json: exit %d, stderr %s", r.code, r.stderr)
	}
	golden.AssertString(t, "lifecycle/login_sentry.json", normalizeLifecycle(r.stdout))

	tok := e.stored("github").AccessToken
	steps := []struct {
		name string
		args []string
		code int
	}{
		{"status", []string{"status"}, 0},
		{"status_json", []string{"status", "-o", "json"}, 0},
		{"whoami", []string{"whoami", "github"}, 0},
		{"whoami_json", []string{"whoami", "github", "-o", "json"}, 0},
		{"refresh_json", []string{"refresh", "sentry", "-o", "json"}, 0},
		{"refresh", []string{"refresh", "sentry", "--account", "work"}, 0},
		{"refresh_never_expires", []string{"refresh", "github"}, 2},
		{"token_not_logged_in", []string{"token", "discord"}, 3},
		{"token_unknown_provider", []string{"token", "dicsord"}, 2},
		{"token_bad_min_ttl", []string{"token", "github", "--min-ttl", "-1s"}, 2},
		{"app_status_json", []string{"app", "status", "-o", "json"}, 0},
		{"logout", []string{"logout", "sentry", "--account", "work"}, 0},
		{"logout_json", []string{"logout", "github", "-o", "json"}, 0},
		{"status_after_logout", []string{"status"}, 0},
	}
	for _, s := range steps {
		code, stdout, stderr := e.run(t, s.args...)
		if code != s.code {
			t.Fatalf("%s: exit %d, want %d; stderr %q", strings.Join(s.args, " "), code, s.code, stderr)
		}
		if strings.Contains(stdout+stderr, tok) {
			t.Fatalf("%s printed the access token", strings.Join(s.args, " "))
		}
		golden.AssertString(t, "lifecycle/"+s.name+".txt", "## stdout\n"+normalizeLifecycle(stdout)+"## stderr\n"+normalizeLifecycle(stderr))
	}
}

// run runs `authctl --config CFG args...` on the env's store.
func (e *loginEnv) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := ui.Test()
	f := newTestFactory(t, ios, nil)
	f.OpenStore = e.backend
	code = Run(context.Background(), f, append([]string{"--config", e.cfg}, args...))
	return code, out.String(), errOut.String()
}
