package tokenenv

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
)

func TestParse(t *testing.T) {
	t.Parallel()
	vars, err := Parse([]string{"discord", "github:work", "my-app"}, []string{"APP=github-app:bot", "x2=slack"}, []string{"GHS=github.com/acme/site"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Var{
		{"DISCORD_TOKEN", Source{Provider: "discord"}},
		{"GITHUB_TOKEN", Source{Provider: "github", Account: "work"}},
		{"GH_TOKEN", Source{Provider: "github", Account: "work"}},
		{"MY_APP_TOKEN", Source{Provider: "my-app"}},
		{"APP", Source{Provider: "github-app", Account: "bot"}},
		{"x2", Source{Provider: "slack"}},
		{"GHS", Source{Host: "github.com", Path: "acme/site"}},
	}
	if !reflect.DeepEqual(vars, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", vars, want)
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name                   string
		providers, env, appEnv []string
		want                   string
	}{
		{"nothing", nil, nil, nil, "name at least one PROVIDER, --env or --app-env before --"},
		{"no provider before the account", []string{":work"}, nil, nil, `":work": PROVIDER[:ACCOUNT] needs a provider`},
		{"--env without =", nil, []string{"DISCORD"}, nil, `--env "DISCORD" must be NAME=PROVIDER[:ACCOUNT]`},
		{"--env without a provider", nil, []string{"X=:acct"}, nil, `--env "X=:acct" must be NAME=PROVIDER[:ACCOUNT]`},
		{"name starts with a digit", nil, []string{"1X=discord"}, nil, `--env: "1X" is not a valid environment variable name`},
		{"empty name", nil, []string{"=discord"}, nil, `--env: "" is not a valid environment variable name`},
		{"name with a dash", nil, nil, []string{"A-B=github.com/acme"}, `--app-env: "A-B" is not a valid environment variable name`},
		{"name twice", []string{"github"}, []string{"GH_TOKEN=discord"}, nil, "--env: GH_TOKEN would be set twice"},
		{"bare provider twice", []string{"discord", "discord:other"}, nil, nil, "DISCORD_TOKEN would be set twice"},
		{"--app-env without a path", nil, nil, []string{"T=github.com"}, `--app-env "T=github.com" must be NAME=HOST/OWNER[/REPO]`},
		{"--app-env without a host", nil, nil, []string{"T=/acme"}, `--app-env "T=/acme" must be NAME=HOST/OWNER[/REPO]`},
		{"--app-env twice", nil, nil, []string{"T=h/a", "T=h/b"}, "--app-env: T would be set twice"},
	} {
		_, err := Parse(tt.providers, tt.env, tt.appEnv)
		if err == nil || err.Error() != tt.want || exitcode.Of(err) != exitcode.Usage {
			t.Errorf("%s: err = %v (exit %d), want %q (exit 2)", tt.name, err, exitcode.Of(err), tt.want)
		}
	}
}

// countingStore is the file store, counting its reads.
type countingStore struct {
	*store.File
	gets []string
}

func (c *countingStore) Get(ctx context.Context, p, account string) (*store.Credential, error) {
	c.gets = append(c.gets, p+":"+account)
	return c.File.Get(ctx, p, account)
}

// world is a credential source on a file store of the test's own holding a github and a
// discord:bot login, valid for 5 more minutes, and the installation tokens asked for.
type world struct {
	st    *countingStore
	locks string
	now   time.Time
	apps  []string
	env   map[string]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	file, err := store.OpenFile(filepath.Join(dir, "state"), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{st: &countingStore{File: file}, locks: filepath.Join(dir, "locks"), now: time.Now(), env: map[string]string{}}
	for _, c := range []store.Credential{{Provider: "github", AccessToken: "gho_user"}, {Provider: "discord", Account: "bot", AccessToken: "discord_bot"}} {
		c.Expiry = w.now.Add(5 * time.Minute)
		if err := file.Put(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) tokens(minTTL time.Duration) *Tokens {
	return &Tokens{
		Credentials: &credential.Source{
			Store: func() (store.Store, error) { return w.st, nil },
			Locks: func() store.Locks { return store.Locks{Dir: w.locks, Now: func() time.Time { return w.now }} },
			Provider: func(_ context.Context, name string) (*provider.Provider, error) {
				return nil, fmt.Errorf("%s needs a refresh", name)
			},
			Known: func(name string) error {
				if name == "github" || name == "discord" || name == "slack" {
					return nil
				}
				return exitcode.Errorf(exitcode.Usage, "unknown provider %q", name)
			},
			Getenv: func(k string) string { return w.env[k] },
		},
		MinTTL: minTTL,
		App: func(_ context.Context, host, path string) (string, bool, error) {
			w.apps = append(w.apps, host+"/"+path)
			return "ghs-" + path, path != "unmapped", nil
		},
	}
}

func TestValuesFetchEachSourceOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	got, err := w.tokens(time.Minute).Environment(context.Background(), []string{"github", "discord:bot"}, []string{"MINE=github"}, []string{"A=h/acme", "B=h/acme"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"GITHUB_TOKEN": "gho_user", "GH_TOKEN": "gho_user", "MINE": "gho_user", "DISCORD_TOKEN": "discord_bot", "A": "ghs-acme", "B": "ghs-acme"}
	if !maps.Equal(got, want) {
		t.Errorf("Values = %v, want %v", got, want)
	}
	if gets, apps := strings.Join(w.st.gets, " "), strings.Join(w.apps, " "); gets != "github: discord:bot" || apps != "h/acme" {
		t.Errorf("read %q from the store and minted %q; want each source once", gets, apps)
	}
	if _, err := w.tokens(time.Minute).Environment(context.Background(), nil, []string{"NOPE"}, nil); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("a bad --env: %v (exit %d), want 2 before any token", err, exitcode.Of(err))
	}
}

// Every token is valid for MinTTL: one that expires sooner is refreshed first.
func TestValuesMinTTL(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	vars, _ := Parse([]string{"github"}, nil, nil)
	if _, err := w.tokens(10*time.Minute).Values(context.Background(), vars); err == nil || !strings.Contains(err.Error(), "github needs a refresh") {
		t.Errorf("a token valid for 5 minutes with a min TTL of 10: err = %v, want a refresh", err)
	}
}

// An unknown provider fails before any token is fetched; one its AUTHCTL_<NAME>_TOKEN supplies
// is known enough, and its token is the variable's.
func TestValuesChecksEveryProviderFirst(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	vars, _ := Parse([]string{"github", "discrod"}, nil, []string{"T=h/acme"})
	_, err := w.tokens(time.Minute).Values(context.Background(), vars)
	if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "discrod") || len(w.st.gets)+len(w.apps) != 0 {
		t.Errorf("err = %v, fetched %v %v; want the unknown provider's exit 2 and nothing fetched", err, w.st.gets, w.apps)
	}
	w.env["AUTHCTL_DISCROD_TOKEN"] = "from-env"
	got, err := w.tokens(time.Minute).Values(context.Background(), vars)
	if err != nil || got["DISCROD_TOKEN"] != "from-env" {
		t.Errorf("a provider from the environment: %v, %v", got, err)
	}
}

func TestValuesErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	vars, _ := Parse(nil, nil, []string{"T=github.com/unmapped"})
	_, err := w.tokens(time.Minute).Values(context.Background(), vars)
	if want := "--app-env: the config's git section maps no installation for github.com/unmapped"; err == nil || err.Error() != want || exitcode.Of(err) != exitcode.Usage {
		t.Errorf("unmapped: err = %v, want %q (exit 2)", err, want)
	}
	vars, _ = Parse([]string{"slack"}, nil, nil)
	if _, err := w.tokens(time.Minute).Values(context.Background(), vars); exitcode.Of(err) != exitcode.Auth || !strings.Contains(err.Error(), "not logged in to slack") {
		t.Errorf("a missing login: err = %v, want exit 3", err)
	}
}
