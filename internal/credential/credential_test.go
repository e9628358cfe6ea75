package credential

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
)

// newSource is a Source on a real file store in a temp dir, a fixed clock
// and env as the whole environment; it knows only the provider "known".
func newSource(t *testing.T, env map[string]string, now time.Time) (*Source, store.Store) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "authctl")
	st, err := store.OpenFile(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return &Source{
		Store: func() (store.Store, error) { return st, nil },
		Locks: func() store.Locks { return store.Locks{Dir: dir, Now: func() time.Time { return now }} },
		Provider: func(context.Context, string) (*provider.Provider, error) {
			return nil, errors.New("no provider in this test")
		},
		Known: func(name string) error {
			if name != "known" {
				return provider.UnknownProviderError(name, []string{"known"})
			}
			return nil
		},
		Getenv: func(k string) string { return env[k] },
	}, st
}

func TestTokenFromEnvironmentWinsAndIsNotStored(t *testing.T) {
	s, st := newSource(t, map[string]string{"AUTHCTL_KNOWN_TOKEN": "from-env"}, time.Now())
	cred, err := s.Token(context.Background(), "known", "", DefaultMinTTL)
	if err != nil || cred.AccessToken != "from-env" || !FromEnv(cred) {
		t.Fatalf("Token = %+v, %v; want the environment's token", cred, err)
	}
	if list, _ := st.List(context.Background()); len(list) != 0 {
		t.Errorf("the environment's token was stored: %d entries", len(list))
	}
	if _, err := s.Refresh(context.Background(), "known", "", DefaultMinTTL); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("Refresh with a token from the environment: %v (exit %d), want exit 2", err, exitcode.Of(err))
	}
}

func TestNotLoggedInTellsUnknownFromMissing(t *testing.T) {
	s, _ := newSource(t, nil, time.Now())
	if _, err := s.Token(context.Background(), "known", "", DefaultMinTTL); exitcode.Of(err) != exitcode.Auth {
		t.Errorf("known provider, nothing stored: %v (exit %d), want exit 3", err, exitcode.Of(err))
	}
	if _, err := s.Token(context.Background(), "knwon", "", DefaultMinTTL); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("unknown provider: %v (exit %d), want exit 2", err, exitcode.Of(err))
	}
}

// Parallel callers that miss the cache mint once; the cached token is then
// served with no mint until it is within minTTL of its expiry.
func TestCachedAppTokenMintsOnce(t *testing.T) {
	now := time.Now()
	s, _ := newSource(t, nil, now)
	key := GitHubAppKey("http://127.0.0.1:1234/api/v3", "Iv23abc", 0, "Owner/Repo", "", "")
	var mints atomic.Int32
	mint := func(context.Context) (*provider.Credential, error) {
		mints.Add(1)
		return &provider.Credential{AccessToken: "ghs_minted", Expiry: now.Add(time.Hour)}, nil
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if cred, err := s.CachedAppToken(context.Background(), key, 5*time.Minute, mint); err != nil || cred.AccessToken != "ghs_minted" {
				t.Errorf("CachedAppToken = %v, %v", cred, err)
			}
		})
	}
	wg.Wait()
	if n := mints.Load(); n != 1 {
		t.Fatalf("%d mints for 8 parallel callers, want 1", n)
	}
	if _, err := s.CachedAppToken(context.Background(), key, 2*time.Hour, mint); err != nil || mints.Load() != 2 {
		t.Errorf("a token inside minTTL of its expiry was served from the cache (%d mints, %v)", mints.Load(), err)
	}
}

// An integration token is kept apart from a login of a provider that happens
// to be named like the integration (a config entry github-app for a GitHub
// App's user tokens): status and logout must not mistake one for the other.
func TestAppTokensAreNotLogins(t *testing.T) {
	s, st := newSource(t, nil, time.Now())
	ctx := context.Background()
	if err := st.Put(ctx, &provider.Credential{Provider: "github-app", Account: "alice", AccessToken: "user-token"}); err != nil {
		t.Fatal(err)
	}
	key := GitHubAppKey("https://api.github.com", "424242", 0, "", "acme", "")
	if err := s.SaveAppToken(ctx, key, &provider.Credential{AccessToken: "ghs_x"}); err != nil {
		t.Fatal(err)
	}
	list, err := st.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var apps, logins int
	for _, c := range list {
		if got, ok := AppKeyOf(c); ok {
			apps++
			if got != key || got.String() != "github-app:api.github.com:424242:org:acme" {
				t.Errorf("AppKeyOf = %+v (%s), want %+v", got, got, key)
			}
		} else if !IsApp(c.Provider) {
			logins++
		}
	}
	if apps != 1 || logins != 1 {
		t.Errorf("%d integration tokens and %d logins, want 1 and 1", apps, logins)
	}
}

// A GitHub host with a port (GitHub Enterprise, the sandbox) still reads back whole.
func TestAppKeyWithPortReadsBack(t *testing.T) {
	s, st := newSource(t, nil, time.Now())
	key := GitHubAppKey("http://127.0.0.1:35627/api/v3", "424242", 0, "sandbox-org/widgets", "", "")
	if err := s.SaveAppToken(context.Background(), key, &provider.Credential{AccessToken: "ghs_x"}); err != nil {
		t.Fatal(err)
	}
	list, err := st.List(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %d entries, %v", len(list), err)
	}
	if got, ok := AppKeyOf(list[0]); !ok || got != key {
		t.Fatalf("AppKeyOf = %+v, %v; want %+v", got, ok, key)
	}
}
