package gitcred

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
)

// credentials is a credential source on a file store of the test's own; a token that is not
// fresh enough fails with "NAME needs a refresh".
func credentials(t *testing.T) *credential.Source {
	t.Helper()
	dir := t.TempDir()
	file, err := store.OpenFile(filepath.Join(dir, "state"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &credential.Source{
		Store: func() (store.Store, error) { return file, nil },
		Locks: func() store.Locks { return store.Locks{Dir: filepath.Join(dir, "locks"), Now: time.Now} },
		Provider: func(_ context.Context, name string) (*provider.Provider, error) {
			return nil, fmt.Errorf("%s needs a refresh", name)
		},
		Known:  func(string) error { return nil },
		Getenv: func(string) string { return "" },
	}
}

func putToken(t *testing.T, creds *credential.Source, name, token string, validFor time.Duration) {
	t.Helper()
	st, _ := creds.Store()
	if err := st.Put(context.Background(), &store.Credential{Provider: name, AccessToken: token, Expiry: time.Now().Add(validFor)}); err != nil {
		t.Fatal(err)
	}
}

// A user token handed to git is valid for the whole git command: 5 minutes at least.
func TestStoredUsers(t *testing.T) {
	t.Parallel()
	creds := credentials(t)
	putToken(t, creds, "github", "gho_fresh", 10*time.Minute)
	putToken(t, creds, "ghe", "gho_short", 2*time.Minute)
	users := StoredUsers{Credentials: func() *credential.Source { return creds }}
	if tok, expiry, err := users.Token(context.Background(), "github"); err != nil || tok != "gho_fresh" || time.Until(expiry) < 9*time.Minute {
		t.Errorf("fresh token: %q, %v, %v", tok, expiry, err)
	}
	if _, _, err := users.Token(context.Background(), "ghe"); err == nil || !strings.Contains(err.Error(), "ghe needs a refresh") {
		t.Errorf("a token valid for 2 more minutes: err = %v, want a refresh", err)
	}
}

func TestInstallationTarget(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   Installation
		want AppTarget
	}{
		{Installation{Owner: "acme", Installation: 7, Provider: "ghe"}, AppTarget{Provider: "ghe", Target: app.Target{Installation: 7}}},
		{Installation{Owner: "acme", Repo: "site"}, AppTarget{Provider: "github", Target: app.Target{Repo: "acme/site"}}},
		{Installation{Owner: "acme"}, AppTarget{Provider: "github", Target: app.Target{Org: "acme"}}},
	} {
		if got := tt.in.Target(); got != tt.want {
			t.Errorf("%+v: Target = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// sources are the Sources of a real configuration file, resolved as authctl does, with user
// tokens from a file store and installation tokens named after their app.
func sources(t *testing.T, text string, creds *credential.Source) *Sources {
	t.Helper()
	path := writeConfig(t, text)
	getenv := func(string) string { return "" }
	return &Sources{
		Config: func() (*config.Config, error) { return config.Load(path, getenv) },
		Getenv: getenv,
		API: func(ctx context.Context, name string) (*provider.Provider, error) {
			cfg, err := config.Load(path, getenv)
			if err != nil {
				return nil, err
			}
			return provider.ResolveAPI(ctx, cfg, name, getenv, nil)
		},
		Users:         StoredUsers{Credentials: func() *credential.Source { return creds }},
		Installations: &fakeInstallations{},
	}
}

const sourcesConfig = `providers:
  ghe:
    kind: github
    client_id: x
    auth_url: https://ghe.example.com/login/oauth/authorize
    token_url: https://ghe.example.com/login/oauth/access_token
    api_url: https://ghe.example.com/api/v3
  discord: {client_id: x}
  broken: {kind: nosuchkind}
git:
  127.0.0.1:8080:
    installations: [{owner: sandbox-org, app_id: "7", private_key_file: k.pem}]
  ghe.example.com: {provider: ghe}
`

func TestSourcesResolver(t *testing.T) {
	t.Parallel()
	creds := credentials(t)
	putToken(t, creds, "github", "gho_github", time.Hour)
	putToken(t, creds, "ghe", "gho_ghe", time.Hour)
	var warn bytes.Buffer
	r, err := sources(t, sourcesConfig, creds).Resolver(&warn)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ host, path, want string }{
		{"github.com", "", "gho_github"},
		{"ghe.example.com", "o/r.git", "gho_ghe"},
		{"127.0.0.1:8080", "sandbox-org/w.git", "ghs_7"},
		{"discord.com", "", ""},
	} {
		proto := "https"
		if strings.HasPrefix(tt.host, "127.") {
			proto = "http"
		}
		a, err := r.Get(context.Background(), &Request{Protocol: proto, Host: tt.host, Path: tt.path})
		got := ""
		if a != nil {
			got = a.Password
		}
		if err != nil || got != tt.want {
			t.Errorf("get %s/%s = %q, %v; want %q", tt.host, tt.path, got, err, tt.want)
		}
	}
	if warn.Len() != 0 {
		t.Errorf("warned %q", warn.String())
	}
}

func TestSourcesInstallationToken(t *testing.T) {
	t.Parallel()
	s := sources(t, sourcesConfig, credentials(t))
	if tok, ok, err := s.InstallationToken(context.Background(), "127.0.0.1:8080", "sandbox-org/widgets"); err != nil || !ok || tok != "ghs_7" {
		t.Errorf("mapped: %q, %v, %v", tok, ok, err)
	}
	if tok, ok, err := s.InstallationToken(context.Background(), "127.0.0.1:8080", "someone/else"); err != nil || ok || tok != "" {
		t.Errorf("unmapped: %q, %v, %v; want not ok", tok, ok, err)
	}
}

func TestSourcesSetupHosts(t *testing.T) {
	t.Parallel()
	hosts, needsPath, err := sources(t, sourcesConfig, credentials(t)).SetupHosts(context.Background())
	want := []string{"https://ghe.example.com", "https://github.com", "http://127.0.0.1:8080"}
	if err != nil || !slices.Equal(hosts, want) {
		t.Fatalf("SetupHosts = %v, %v; want %v", hosts, err, want)
	}
	if !needsPath("http://127.0.0.1:8080") || needsPath("https://github.com") {
		t.Error("only the host with owner mappings needs the path")
	}
}

// A git section that does not parse, or a config file authctl cannot read, is exit 2 for every
// use of the sources.
func TestSourcesConfigErrors(t *testing.T) {
	t.Parallel()
	bad := sources(t, "git:\n  github.com:\n    installations: [{owner: a}]\n", credentials(t))
	_, resolverErr := bad.Resolver(nil)
	_, _, tokenErr := bad.InstallationToken(context.Background(), "github.com", "a/b")
	_, _, hostsErr := bad.SetupHosts(context.Background())
	for _, err := range []error{resolverErr, tokenErr, hostsErr} {
		var usage *UsageError
		if !errors.As(err, &usage) || usage.ExitCode() != 2 || !strings.Contains(err.Error(), "app_id is needed") {
			t.Errorf("err = %v, want a usage error (exit 2) about app_id", err)
		}
	}
	unreadable := &Sources{Config: func() (*config.Config, error) { return nil, errors.New("read config: denied") }}
	if _, err := unreadable.Resolver(nil); err == nil || err.Error() != "read config: denied" {
		t.Errorf("the config's own error: %v", err)
	}
}
