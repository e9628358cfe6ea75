package tokenenv

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
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

// fetcher records the tokens asked for.
type fetcher struct{ calls []string }

func (f *fetcher) tokens(getenv map[string]string, known ...string) *Tokens {
	return &Tokens{
		Getenv: func(k string) string { return getenv[k] },
		Known: func(name string) error {
			for _, k := range known {
				if k == name {
					return nil
				}
			}
			return exitcode.Errorf(exitcode.Usage, "unknown provider %q", name)
		},
		User: func(_ context.Context, p, account string, minTTL time.Duration) (string, error) {
			f.calls = append(f.calls, "user "+p+":"+account+" "+minTTL.String())
			return "tok-" + p + ":" + account, nil
		},
		MinTTL: 10 * time.Minute,
		App: func(_ context.Context, host, path string) (string, bool, error) {
			f.calls = append(f.calls, "app "+host+"/"+path)
			return "ghs-" + path, path != "unmapped", nil
		},
	}
}

func TestValuesFetchEachSourceOnce(t *testing.T) {
	t.Parallel()
	vars, err := Parse([]string{"github", "discord:bot"}, []string{"MINE=github"}, []string{"A=h/acme", "B=h/acme"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fetcher{}
	got, err := f.tokens(nil, "github", "discord").Values(context.Background(), vars)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"GITHUB_TOKEN": "tok-github:", "GH_TOKEN": "tok-github:", "MINE": "tok-github:", "DISCORD_TOKEN": "tok-discord:bot", "A": "ghs-acme", "B": "ghs-acme"}
	if !maps.Equal(got, want) {
		t.Errorf("Values = %v, want %v", got, want)
	}
	if calls := strings.Join(f.calls, ", "); calls != "user github: 10m0s, user discord:bot 10m0s, app h/acme" {
		t.Errorf("fetched %s; want each source once, with --min-ttl", calls)
	}
}

// An unknown provider fails before any token is fetched; one its AUTHCTL_<NAME>_TOKEN supplies
// is known enough.
func TestValuesChecksEveryProviderFirst(t *testing.T) {
	t.Parallel()
	vars, _ := Parse([]string{"discord", "discrod"}, nil, nil)
	f := &fetcher{}
	if _, err := f.tokens(nil, "discord").Values(context.Background(), vars); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "discrod") || len(f.calls) != 0 {
		t.Errorf("err = %v, fetched %v; want the unknown provider's exit 2 and nothing fetched", err, f.calls)
	}
	got, err := f.tokens(map[string]string{"AUTHCTL_DISCROD_TOKEN": "set"}, "discord").Values(context.Background(), vars)
	if err != nil || got["DISCROD_TOKEN"] != "tok-discrod:" {
		t.Errorf("a provider from the environment: %v, %v", got, err)
	}
}

func TestValuesErrors(t *testing.T) {
	t.Parallel()
	vars, _ := Parse(nil, nil, []string{"T=github.com/unmapped"})
	f := &fetcher{}
	_, err := f.tokens(nil).Values(context.Background(), vars)
	if want := "--app-env: the config's git section maps no installation for github.com/unmapped"; err == nil || err.Error() != want || exitcode.Of(err) != exitcode.Usage {
		t.Errorf("unmapped: err = %v, want %q (exit 2)", err, want)
	}

	notLoggedIn := exitcode.Errorf(exitcode.Auth, "not logged in to slack")
	tokens := f.tokens(nil, "slack")
	tokens.User = func(context.Context, string, string, time.Duration) (string, error) { return "", notLoggedIn }
	vars, _ = Parse([]string{"slack"}, nil, nil)
	if _, err := tokens.Values(context.Background(), vars); !errors.Is(err, notLoggedIn) {
		t.Errorf("a missing login: err = %v, want it as is", err)
	}
}
