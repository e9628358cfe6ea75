package gitcred

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gitHome is a global git configuration in a HOME of the test's own (the system config
// ignored), located, as setup-git does it, by getenv over a process environment whose HOME
// is elsewhere.
func gitHome(t *testing.T) (home string, g *GlobalConfig) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed (scripts/setup.sh installs it)")
	}
	home, elsewhere := t.TempDir(), t.TempDir()
	environ := append(os.Environ(), "HOME="+elsewhere, "XDG_CONFIG_HOME="+filepath.Join(elsewhere, ".config"), "GIT_CONFIG_NOSYSTEM=1")
	vars := map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config")}
	return home, NewGlobalConfig(environ, func(k string) string { return vars[k] })
}

func gitGetAll(t *testing.T, g *GlobalConfig, key string) string {
	t.Helper()
	out, err := g.run(context.Background(), "--get-all", key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSetupHelper(t *testing.T) {
	t.Parallel()
	home, g := gitHome(t)
	ctx := context.Background()
	exe := func() (string, error) { return "/opt/auth ctl/authctl", nil }
	defaults := func(context.Context) ([]string, func(string) bool, error) {
		return []string{"https://github.com", "http://127.0.0.1:8080"}, func(u string) bool { return u == "http://127.0.0.1:8080" }, nil
	}
	opts := SetupOptions{Defaults: defaults, Executable: exe, DryRun: true}

	dry, err := g.SetupHelper(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	wantChanges := []string{
		"git config --global --replace-all credential.https://github.com.helper ''",
		`git config --global --add credential.https://github.com.helper '!'\''/opt/auth ctl/authctl'\'' git-credential'`,
		"git config --global --replace-all credential.http://127.0.0.1:8080.helper ''",
		`git config --global --add credential.http://127.0.0.1:8080.helper '!'\''/opt/auth ctl/authctl'\'' git-credential'`,
		"git config --global --replace-all credential.http://127.0.0.1:8080.useHttpPath true",
	}
	if !slices.Equal(dry.Changes, wantChanges) || !dry.DryRun || !slices.Equal(dry.Hosts, []string{"https://github.com", "http://127.0.0.1:8080"}) {
		t.Fatalf("dry run = %+v, want changes\n%s", dry, strings.Join(wantChanges, "\n"))
	}
	if _, err := os.Stat(filepath.Join(home, ".gitconfig")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the dry run wrote the git config (%v)", err)
	}

	opts.DryRun = false
	done, err := g.SetupHelper(ctx, opts)
	if err != nil || !slices.Equal(done.Changes, wantChanges) || done.DryRun {
		t.Fatalf("setup = %+v, %v", done, err)
	}
	if got := gitGetAll(t, g, "credential.http://127.0.0.1:8080.helper"); got != "\n!'/opt/auth ctl/authctl' git-credential\n" {
		t.Errorf("helper = %q", got)
	}
	if got := gitGetAll(t, g, "credential.http://127.0.0.1:8080.useHttpPath"); got != "true\n" {
		t.Errorf("useHttpPath = %q", got)
	}
	if _, err := os.Stat(filepath.Join(home, ".gitconfig")); err != nil {
		t.Errorf("git did not write the HOME getenv names: %v", err)
	}

	// A second run changes nothing; --host narrows to that host.
	opts.Hosts = []string{"GitHub.com"}
	again, err := g.SetupHelper(ctx, opts)
	if err != nil || len(again.Changes) != 0 || again.Changes == nil || !slices.Equal(again.Hosts, []string{"https://github.com"}) {
		t.Errorf("second setup = %+v, %v; want no change for https://github.com", again, err)
	}
}

func TestSetupHelperErrors(t *testing.T) {
	t.Parallel()
	_, g := gitHome(t)
	ctx := context.Background()
	exe := func() (string, error) { return "/usr/bin/authctl", nil }
	for _, tt := range []struct {
		name string
		opts SetupOptions
		want string
	}{
		{"a path in --host", SetupOptions{Hosts: []string{"github.com/o/r"}, Executable: exe}, `--host: host "github.com/o/r": give a host name`},
		{"plain http to a remote host", SetupOptions{Hosts: []string{"http://github.com"}, Executable: exe}, "--host: host \"http://github.com\": only https, or http to a loopback address"},
		{"no host at all", SetupOptions{Executable: exe, Defaults: func(context.Context) ([]string, func(string) bool, error) { return nil, nil, nil }}, "no GitHub host is configured; give --host"},
	} {
		_, err := g.SetupHelper(ctx, tt.opts)
		var usage *UsageError
		if !errors.As(err, &usage) || usage.ExitCode() != 2 || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one line starting %q (exit 2)", tt.name, err, tt.want)
		}
	}
	notFound := errors.New("find authctl's own path: gone")
	if _, err := g.SetupHelper(ctx, SetupOptions{Hosts: []string{"github.com"}, Executable: func() (string, error) { return "", notFound }}); !errors.Is(err, notFound) {
		t.Errorf("executable error: %v", err)
	}
	broken := &GlobalConfig{Git: filepath.Join(t.TempDir(), "no-git"), Env: g.Env}
	_, err := broken.SetupHelper(ctx, SetupOptions{Hosts: []string{"github.com"}, Executable: exe})
	var usage *UsageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), "git config --global --get-all") {
		t.Errorf("git that cannot run: %v, want a usage error naming the git command", err)
	}
}

func TestHelperExecutable(t *testing.T) {
	t.Parallel()
	exe, err := HelperExecutable()
	if err != nil || !filepath.IsAbs(exe) {
		t.Fatalf("HelperExecutable = %q, %v", exe, err)
	}
	if resolved, _ := filepath.EvalSymlinks(exe); resolved != exe {
		t.Errorf("%s is not resolved (%s)", exe, resolved)
	}
}

func TestSetupResultSummary(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		r    SetupResult
		want string
	}{
		{SetupResult{Hosts: []string{"github.com", "ghe.example.com"}, Changes: []string{"git config …"}}, "git now uses authctl for github.com, ghe.example.com"},
		{SetupResult{Hosts: []string{"github.com"}}, "git already uses authctl for github.com"},
	} {
		if got := tt.r.Summary(); got != tt.want {
			t.Errorf("Summary() = %q, want %q", got, tt.want)
		}
	}
}
