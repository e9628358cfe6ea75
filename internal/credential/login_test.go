package credential

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/provider"
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
