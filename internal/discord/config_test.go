package discord

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
)

func loadConfig(t *testing.T, yaml string, env map[string]string) (*config.Config, func(string) string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string { return env[k] }
	cfg, err := config.Load(path, getenv)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, getenv
}

// The entry's api_url, Discord's own for "discord" without one; anything not of kind discord is
// exit 2 naming the entry.
func TestAPIURL(t *testing.T) {
	t.Parallel()
	cfg, getenv := loadConfig(t, `providers:
  discord-local:
    kind: discord
    client_id: "1"
    api_url: "http://127.0.0.1:1/api/v10"
  plain:
    kind: discord
    client_id: "2"
  gh:
    kind: github
    client_id: "3"
  kindless:
    client_id: "4"
`, map[string]string{"AUTHCTL_FROMENV_API_URL": "http://127.0.0.1:2/api"})
	for name, want := range map[string]string{"discord": DefaultBaseURL, "discord-local": "http://127.0.0.1:1/api/v10", "plain": DefaultBaseURL} {
		if got, err := APIURL(cfg, name, getenv); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
	for name, want := range map[string]string{
		"gh":       `provider "gh" is of kind "github", not discord`,
		"nowhere":  `unknown provider "nowhere": add it to the config with kind: discord`,
		"kindless": `provider "kindless" needs kind: discord for guild commands`,
		"fromenv":  `provider "fromenv" needs kind: discord for guild commands`,
	} {
		if _, err := APIURL(cfg, name, getenv); exitcode.Of(err) != exitcode.Usage || err.Error() != want {
			t.Errorf("%s: %v (exit %d), want exit 2 %q", name, err, exitcode.Of(err), want)
		}
	}
}

func TestCredentialFunc(t *testing.T) {
	t.Parallel()
	var asked string
	src := CredentialFunc(func(_ context.Context, rejected string) (*provider.Credential, error) {
		asked = rejected
		return &provider.Credential{AccessToken: "new", Scopes: []string{"guilds"}, UserID: "1", UserName: "alice", RefreshToken: "r"}, nil
	})
	tok, err := src.Token(context.Background(), "old")
	want := UserToken{AccessToken: "new", Scopes: []string{"guilds"}, UserID: "1", UserName: "alice", Refreshable: true}
	if err != nil || asked != "old" || fmt.Sprint(*tok) != fmt.Sprint(want) {
		t.Errorf("token %+v, %v (asked to replace %q)", tok, err, asked)
	}
	failing := CredentialFunc(func(context.Context, string) (*provider.Credential, error) { return nil, errors.New("no store") })
	if _, err := failing.Token(context.Background(), ""); err == nil || err.Error() != "no store" {
		t.Errorf("store error: %v", err)
	}
}

func TestFailure(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	plain := errors.New("the store is locked")
	tests := []struct {
		err  error
		code int
		want string
	}{
		{&ScopeError{For: "checking roles", Missing: "guilds.members.read", Scope: "guilds.members.read"}, exitcode.Auth,
			"checking roles needs the guilds.members.read scope, which the stored token lacks; re-login with scope guilds.members.read: authctl login discord --scopes identify,guilds,guilds.members.read"},
		{&RateLimitError{RetryAfter: 1500 * time.Millisecond, At: at}, exitcode.Provider, "discord rate limit: wait 1.5s exceeds --max-wait; retry after 2026-01-02T03:04:05Z"},
		{&RateLimitError{InARow: 5, At: at}, exitcode.Provider, "discord rate limit: 5 answers in a row were 429; retry after 2026-01-02T03:04:05Z"},
		{&UnavailableError{Attempts: 3, Err: errors.New("EOF")}, exitcode.Provider, "discord unavailable after 3 attempts: EOF"},
		{&MalformedError{Path: "/users/@me", Err: errors.New("bad")}, exitcode.Provider, "discord: malformed response from /users/@me: bad"},
		{fmt.Errorf("wrapped: %w", &APIError{Status: 500, Message: "oops"}), exitcode.Provider, "wrapped: "},
	}
	for _, tt := range tests {
		got := Failure(tt.err, "discord")
		if exitcode.Of(got) != tt.code || !strings.HasPrefix(got.Error(), tt.want) {
			t.Errorf("%T: %v (exit %d), want exit %d %q", tt.err, got, exitcode.Of(got), tt.code, tt.want)
		}
	}
	if got := Failure(plain, "discord"); got != plain {
		t.Errorf("other error changed: %v", got)
	}
}

func TestBotTokenAndIsID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"abc.def": "abc.def", "Bot abc.def\n": "abc.def", "  Bot x ": "x", "": ""} {
		if got := BotToken(in); got != want {
			t.Errorf("BotToken(%q) = %q, want %q", in, got, want)
		}
	}
	for v, want := range map[string]bool{"1": true, "81384788765712384": true, "12345678901234567890": true,
		"": false, "123456789012345678901": false, "12a": false, "-1": false, " 1": false} {
		if IsID(v) != want {
			t.Errorf("IsID(%q) = %v", v, !want)
		}
	}
}
