package cli

import (
	"context"
	"reflect"
	"testing"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/ui"
)

// The flags of app token github reach the run as checked options: --client-id becomes the
// app, --permission the narrowed request; a bad combination never reaches it (exit 2).
func TestAppTokenGitHubFlags(t *testing.T) {
	t.Parallel()
	run := func(args ...string) (*AppTokenOptions, error) {
		ios, _, _, _ := ui.Test()
		var got *AppTokenOptions
		cmd := newCmdAppTokenGitHub(newTestFactory(t, ios, nil), func(_ context.Context, o *AppTokenOptions) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		return got, cmd.Execute()
	}
	got, err := run("--client-id", "Iv23abc", "--repo", "o/r", "--permission", "contents=read", "--repositories", "r")
	want := app.TokenRequest{Permissions: map[string]string{"contents": "read"}, Repositories: []string{"r"}}
	if err != nil || got.AppID != "Iv23abc" || !reflect.DeepEqual(got.request, want) || got.Target != (app.Target{Repo: "o/r"}) {
		t.Fatalf("options %+v, %v", got, err)
	}
	for _, args := range [][]string{
		{"--app-id", "1"},
		{"--app-id", "1", "--repo", "o/r", "--org", "o"},
		{"--app-id", "1", "--client-id", "Iv23abc", "--org", "o"},
		{"--app-id", "x y", "--org", "o"},
		{"--app-id", "1", "--org", "o", "--permission", "contents"},
		{"--app-id", "1", "--installation", "-3"},
	} {
		if got, err := run(args...); got != nil || exitcode.Of(err) != exitcode.Usage {
			t.Errorf("%q: reached the run %v, err %v (exit %d)", args, got != nil, err, exitcode.Of(err))
		}
	}
}

// --code-env hands the run the variable's value, never argv's; both, or neither, is exit 2.
func TestAppLoginSentryFlags(t *testing.T) {
	t.Parallel()
	run := func(args ...string) (*AppSentryOptions, error) {
		ios, _, _, _ := ui.Test()
		var got *AppSentryOptions
		f := newTestFactory(t, ios, map[string]string{"CODE": "from-env"})
		cmd := newCmdAppLoginSentry(f, func(_ context.Context, o *AppSentryOptions) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		return got, cmd.Execute()
	}
	if got, err := run("--installation", "uuid", "--code-env", "CODE"); err != nil || got.Code != "from-env" || got.Provider != "sentry" {
		t.Fatalf("options %+v, %v", got, err)
	}
	for _, args := range [][]string{
		{"--code-env", "CODE"},
		{"--installation", "uuid"},
		{"--installation", "uuid", "--code-env", "UNSET"},
		{"--installation", "uuid", "--code", "c", "--code-env", "CODE"},
	} {
		if got, err := run(args...); got != nil || exitcode.Of(err) != exitcode.Usage {
			t.Errorf("%q: reached the run %v, err %v (exit %d)", args, got != nil, err, exitcode.Of(err))
		}
	}
}
