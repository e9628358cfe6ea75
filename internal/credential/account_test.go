package credential

import (
	"testing"

	"github.com/authctl/authctl/internal/provider"
)

func TestAccountFor(t *testing.T) {
	t.Parallel()
	alice := &provider.Credential{Account: "", UserID: "1", UserName: "alice"}
	tests := []struct {
		name          string
		current, cred *provider.Credential
		want          string
	}{
		{"nothing stored", nil, &provider.Credential{UserID: "2", UserName: "bob"}, ""},
		{"same user again", alice, &provider.Credential{UserID: "1", UserName: "alice"}, ""},
		{"stored without identity", &provider.Credential{}, &provider.Credential{UserID: "2"}, ""},
		{"new login without identity", alice, &provider.Credential{}, ""},
		{"another user", alice, &provider.Credential{UserID: "2", UserName: "bob"}, "bob"},
		{"another user without a name", alice, &provider.Credential{UserID: "2"}, "2"},
		{"another user named like the default account", &provider.Credential{Account: "bob", UserID: "1"}, &provider.Credential{UserID: "2", UserName: "bob"}, "2"},
	}
	for _, tt := range tests {
		if got := accountFor(tt.current, tt.cred); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
