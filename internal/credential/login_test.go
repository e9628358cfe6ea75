package credential

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
)

// The same user logging in again replaces the default account; another user's login gets an
// account of its own (the default's holder is told first) and --account is taken as given.
// Every stored login is bound to the entry's origins.
func TestSaveLogin(t *testing.T) {
	t.Parallel()
	s, st := newSource(t, nil, time.Now())
	p := &provider.Provider{Name: "known", APIURL: "http://127.0.0.1:1/api"}
	ctx := context.Background()
	var told []string
	displaced := func(current *provider.Credential) { told = append(told, current.Account+":"+current.UserName) }
	save := func(account string, cred *provider.Credential) string {
		t.Helper()
		if err := s.SaveLogin(ctx, p, cred, account, displaced); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cred.Origins, []string{"http://127.0.0.1:1"}) || cred.Provider != "known" {
			t.Errorf("stored %+v unbound", cred)
		}
		return cred.Account
	}
	first := save("", &provider.Credential{AccessToken: "a1", UserID: "1", UserName: "alice"})
	if again := save("", &provider.Credential{AccessToken: "a2", UserID: "1", UserName: "alice"}); again != first || len(told) != 0 {
		t.Errorf("same user: account %q (first %q), told %q", again, first, told)
	}
	if bob := save("", &provider.Credential{AccessToken: "b", UserID: "2", UserName: "bob"}); bob != "bob" || !reflect.DeepEqual(told, []string{first + ":alice"}) {
		t.Errorf("another user: account %q, told %q", bob, told)
	}
	if work := save("work", &provider.Credential{AccessToken: "w", UserID: "3"}); work != "work" {
		t.Errorf("--account work: %q", work)
	}
	def, err := st.Get(ctx, "known", "")
	if err != nil || def.AccessToken != "a2" {
		t.Errorf("default account holds %+v, %v; want alice's second token", def, err)
	}
}

// Login resolves the entry and opens the store before the flow runs, stores what the flow
// obtained, and says what was stored and, for the file store, where.
func TestLogin(t *testing.T) {
	t.Parallel()
	s, st := newSource(t, nil, time.Now())
	p := &provider.Provider{Name: "known", APIURL: "http://127.0.0.1:1/api"}
	s.Provider = func(_ context.Context, name string) (*provider.Provider, error) {
		if name != "known" {
			return nil, provider.UnknownProviderError(name, []string{"known"})
		}
		return p, nil
	}
	ctx := context.Background()
	expiry := time.Now().Add(time.Hour).Round(0)
	flow := func(user, id string) func(context.Context, *provider.Provider) (*provider.Credential, error) {
		return func(_ context.Context, got *provider.Provider) (*provider.Credential, error) {
			if got != p {
				t.Errorf("flow on %+v, want the resolved entry", got)
			}
			return &provider.Credential{AccessToken: "tok-" + id, UserID: id, UserName: user, Scopes: []string{"identify"}, Expiry: expiry}, nil
		}
	}
	noDisplace := func(current, cred *provider.Credential) { t.Errorf("displaced %+v by %+v", current, cred) }
	in, err := s.Login(ctx, "known", "", flow("alice", "1"), noDisplace)
	if err != nil || !reflect.DeepEqual(*in, LoggedIn{Provider: "known", Account: "alice", User: "alice", UserID: "1", Scopes: []string{"identify"}, Expiry: &expiry, Unencrypted: st.(*store.File).Path()}) {
		t.Fatalf("Login = %+v, %v", in, err)
	}
	var told string
	if in, err := s.Login(ctx, "known", "", flow("bob", "2"), func(current, cred *provider.Credential) { told = current.UserName + " kept; " + cred.Account }); err != nil || in.Account != "bob" || told != "alice kept; bob" {
		t.Errorf("another user: %+v, %v, told %q", in, err, told)
	}
	if c, err := st.Get(ctx, "known", "bob"); err != nil || c.AccessToken != "tok-2" {
		t.Errorf("stored %+v, %v", c, err)
	}
	ran := false
	never := func(context.Context, *provider.Provider) (*provider.Credential, error) { ran = true; return nil, nil }
	if _, err := s.Login(ctx, "knwon", "", never, noDisplace); exitcode.Of(err) != exitcode.Usage || ran {
		t.Errorf("an unknown entry: %v (exit %d), flow ran %v; want exit 2 before the flow", err, exitcode.Of(err), ran)
	}
	broken := *s
	broken.Store = func() (store.Store, error) { return nil, errors.New("no keyring") }
	if _, err := broken.Login(ctx, "known", "", never, noDisplace); err == nil || ran {
		t.Errorf("without a store: %v, flow ran %v; want the store's error before the flow", err, ran)
	}
}
