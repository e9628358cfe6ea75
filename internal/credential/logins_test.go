package credential

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
	"github.com/authctl/authctl/internal/store"
)

// sandboxSource is newSource whose providers are the entries of a sandbox's configuration.
func sandboxSource(t *testing.T, opts ...sandboxtest.Option) (*Source, store.Store, *sandbox.Server) {
	t.Helper()
	srv := sandboxtest.Start(t, opts...)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(srv.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(string) string { return "" }
	cfg, err := config.Load(path, getenv)
	if err != nil {
		t.Fatal(err)
	}
	s, st := newSource(t, nil, time.Now())
	s.Provider = func(ctx context.Context, name string) (*provider.Provider, error) {
		p, err := provider.Resolve(ctx, cfg, name, getenv, &http.Client{Timeout: 10 * time.Second})
		if err == nil && name == "sentry" {
			p.ClientSecret = "" // a public device-flow client, which Sentry lets revoke nothing
		}
		return p, err
	}
	return s, st, srv
}

func put(t *testing.T, st store.Store, creds ...*provider.Credential) {
	t.Helper()
	for _, c := range creds {
		if err := st.Put(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
}

// logoutLog records what Logout told.
type logoutLog struct{ lines []string }

func (l *logoutLog) logout(req Logout) Logout {
	req.Warnf = func(format string, args ...any) { l.lines = append(l.lines, "warn: "+fmt.Sprintf(format, args...)) }
	req.Done = func(c *provider.Credential, outcome string) {
		l.lines = append(l.lines, c.Provider+"/"+c.Account+": "+outcome)
	}
	return req
}

// Discord revokes at its endpoint, Sentry cannot (a warning, not a failure), an integration
// token is only deleted; every credential is gone afterwards.
func TestLogoutAllRevokesWhereItCan(t *testing.T) {
	t.Parallel()
	s, st, srv := sandboxSource(t)
	put(t, st, &provider.Credential{Provider: "discord", Account: "home", AccessToken: "d"}, &provider.Credential{Provider: "discord", Account: "work", AccessToken: "w"},
		&provider.Credential{Provider: "sentry", Account: "home", AccessToken: "s"})
	if err := s.SaveAppToken(context.Background(), SentryAppKey("uuid"), &provider.Credential{AccessToken: "i"}); err != nil {
		t.Fatal(err)
	}
	var log logoutLog
	if err := s.Logout(context.Background(), log.logout(Logout{All: true})); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"discord/home: token revoked at the provider",
		"discord/work: token revoked at the provider",
		"integration:sentry-app/uuid: the cached integration token is deleted locally and expires on its own",
		"warn: sentry cannot revoke tokens remotely; only the local copy is deleted (revoke the app's access in the provider's settings)",
		"sentry/home: deleted locally only",
	}
	slices.Sort(log.lines)
	slices.Sort(want)
	if !reflect.DeepEqual(log.lines, want) {
		t.Errorf("told\n%s\nwant\n%s", strings.Join(log.lines, "\n"), strings.Join(want, "\n"))
	}
	if n := srv.Count(http.MethodPost, "/api/oauth2/token/revoke"); n != 2 {
		t.Errorf("discord revocations: %d, want 2", n)
	}
	if all, _ := st.List(context.Background()); len(all) != 0 {
		t.Errorf("%d credentials left", len(all))
	}
}

// A failed revocation still deletes the local copy and comes back as the provider's failure
// (exit 4); --local-only sends nothing.
func TestLogoutRevocationFailureAndLocalOnly(t *testing.T) {
	t.Parallel()
	s, st, srv := sandboxSource(t)
	srv.SetFault("/api/oauth2/token/revoke", sandbox.Fault{Status: http.StatusInternalServerError})
	put(t, st, &provider.Credential{Provider: "discord", AccessToken: "d"})
	var log logoutLog
	err := s.Logout(context.Background(), log.logout(Logout{Provider: "discord"}))
	if exitcode.Of(err) != exitcode.Provider || !strings.Contains(err.Error(), "deleted locally, but the remote revocation failed") {
		t.Fatalf("failed revocation: %v (exit %d), want exit 4", err, exitcode.Of(err))
	}
	if _, err := st.Get(context.Background(), "discord", ""); !errors.Is(err, store.ErrNotFound) || len(log.lines) != 1 || !strings.HasSuffix(log.lines[0], "the remote revocation FAILED") {
		t.Fatalf("after a failed revocation: %v, told %q", err, log.lines)
	}
	put(t, st, &provider.Credential{Provider: "discord", Account: "work", AccessToken: "w"})
	srv.ResetCounts()
	log = logoutLog{}
	if err := s.Logout(context.Background(), log.logout(Logout{Provider: "discord", Account: "work", LocalOnly: true})); err != nil || srv.TotalCount() != 0 {
		t.Fatalf("--local-only: %v, %d requests", err, srv.TotalCount())
	}
	if want := []string{"discord/work: not revoked at the provider (--local-only)"}; !reflect.DeepEqual(log.lines, want) {
		t.Errorf("told %q, want %q", log.lines, want)
	}
}

// A credential the configuration would now send to another server stops the logout before
// anything is revoked or deleted (exit 2); nothing stored is exit 3, an unknown name exit 2.
func TestLogoutRefusals(t *testing.T) {
	t.Parallel()
	s, st, srv := sandboxSource(t)
	put(t, st, &provider.Credential{Provider: "discord", AccessToken: "d", Origins: []string{"https://discord.com"}}, &provider.Credential{Provider: "sentry", AccessToken: "s"})
	var log logoutLog
	err := s.Logout(context.Background(), log.logout(Logout{All: true}))
	if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "was issued through https://discord.com") || len(log.lines) != 0 || srv.TotalCount() != 0 {
		t.Fatalf("bound elsewhere: %v (exit %d), told %q, %d requests", err, exitcode.Of(err), log.lines, srv.TotalCount())
	}
	if all, _ := st.List(context.Background()); len(all) != 2 {
		t.Fatalf("%d credentials left, want both", len(all))
	}
	for _, tt := range []struct {
		req  Logout
		code int
		want string
	}{
		{Logout{Provider: "known", All: true}, exitcode.Auth, "not logged in to known"},
		{Logout{All: true, Provider: "knwon"}, exitcode.Usage, "knwon"},
		{Logout{Provider: "known", Account: "work"}, exitcode.Auth, "not logged in to known (account work); run authctl login known --account work"},
	} {
		if err := s.Logout(context.Background(), log.logout(tt.req)); exitcode.Of(err) != tt.code || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v (exit %d), want exit %d %q", tt.req, err, exitcode.Of(err), tt.code, tt.want)
		}
	}
	empty, _ := newSource(t, nil, time.Now())
	if err := empty.Logout(context.Background(), log.logout(Logout{All: true})); exitcode.Of(err) != exitcode.Auth || err.Error() != "not logged in to any provider" {
		t.Errorf("nothing stored: %v", err)
	}
}

// Logins leaves integration tokens out and sorts by provider, then account; AppTokens lists
// only those, under their keys.
func TestLoginsAndAppTokens(t *testing.T) {
	t.Parallel()
	s, st := newSource(t, nil, time.Now())
	put(t, st, &provider.Credential{Provider: "slack", Account: "home", AccessToken: "1"}, &provider.Credential{Provider: "discord", Account: "work", AccessToken: "2"},
		&provider.Credential{Provider: "discord", Account: "home", AccessToken: "3"})
	key := GitHubAppKey("http://127.0.0.1:8080", "42", 0, "o/r", "", "")
	if err := s.SaveAppToken(context.Background(), key, &provider.Credential{AccessToken: "ghs"}); err != nil {
		t.Fatal(err)
	}
	name, logins, err := s.Logins(context.Background(), "")
	var got []string
	for _, c := range logins {
		got = append(got, c.Provider+"/"+c.Account)
	}
	if want := []string{"discord/home", "discord/work", "slack/home"}; err != nil || name != store.KindFile || !reflect.DeepEqual(got, want) {
		t.Errorf("logins: %q %q %v, want %q", name, got, err, want)
	}
	if _, logins, _ := s.Logins(context.Background(), "slack"); len(logins) != 1 {
		t.Errorf("slack logins: %d", len(logins))
	}
	apps, err := s.AppTokens(context.Background())
	if err != nil || len(apps) != 1 || apps[0].Key != key || apps[0].Credential.AccessToken != "ghs" {
		t.Errorf("app tokens: %+v, %v", apps, err)
	}
}

func TestExpiredAndRefreshable(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tests := []struct {
		cred                 provider.Credential
		expired, refreshable bool
	}{
		{provider.Credential{}, false, false},
		{provider.Credential{Expiry: now}, true, false},
		{provider.Credential{Expiry: now.Add(time.Second), RefreshToken: "r"}, false, true},
		{provider.Credential{Expiry: now.Add(-time.Hour), RefreshToken: "r", RefreshExpiry: now.Add(time.Hour)}, true, true},
		{provider.Credential{RefreshToken: "r", RefreshExpiry: now}, false, false},
	}
	for i, tt := range tests {
		if Expired(&tt.cred, now) != tt.expired || Refreshable(&tt.cred, now) != tt.refreshable {
			t.Errorf("%d: expired %v refreshable %v, want %v %v", i, Expired(&tt.cred, now), Refreshable(&tt.cred, now), tt.expired, tt.refreshable)
		}
	}
}

// TokenTo serves the stored token for a URL of an origin it was issued through, refuses
// another (exit 2), and after a 401 to an older token uses the newer one stored meanwhile.
func TestTokenTo(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s, st := newSource(t, nil, now)
	put(t, st, &provider.Credential{Provider: "known", Account: "home", AccessToken: "current", Expiry: now.Add(time.Hour), Origins: []string{"http://127.0.0.1:1"}})
	ctx := context.Background()
	if c, err := s.TokenTo(ctx, "known", "home", DefaultMinTTL, "", "http://127.0.0.1:1/api/v10"); err != nil || c.AccessToken != "current" {
		t.Errorf("same origin: %+v, %v", c, err)
	}
	if _, err := s.TokenTo(ctx, "known", "home", DefaultMinTTL, "", "http://127.0.0.1:2/api/v10"); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "now sends it to http://127.0.0.1:2") {
		t.Errorf("other origin: %v (exit %d), want exit 2", err, exitcode.Of(err))
	}
	if c, err := s.TokenTo(ctx, "known", "home", DefaultMinTTL, "older", "http://127.0.0.1:1/api/v10"); err != nil || c.AccessToken != "current" {
		t.Errorf("after a 401 to an older token: %+v, %v; want the stored one, no refresh", c, err)
	}
	if _, err := s.TokenTo(ctx, "known", "home", DefaultMinTTL, "current", "http://127.0.0.1:1/api/v10"); err == nil || !strings.Contains(err.Error(), "no provider in this test") {
		t.Errorf("after a 401 to the stored token: %v, want a refresh attempt", err)
	}
}

// Whoami asks the provider's identity endpoint with the stored token and names the account.
func TestWhoami(t *testing.T) {
	t.Parallel()
	s, st, srv := sandboxSource(t, sandboxtest.AutoApprove())
	tok := sandboxtest.DiscordLogin(t, srv, sandbox.AliceUsername, "identify")
	put(t, st, &provider.Credential{Provider: "discord", Account: "home", AccessToken: tok.AccessToken, Expiry: time.Now().Add(time.Hour)})
	ctx := context.Background()
	p, err := s.Provider(ctx, "discord")
	if err != nil {
		t.Fatal(err)
	}
	who, err := s.Whoami(ctx, p, "home")
	if err != nil || *who != (Whoami{Provider: "discord", Account: "home", ID: sandbox.AliceID, Name: sandbox.AliceUsername}) {
		t.Errorf("Whoami = %+v, %v", who, err)
	}
	srv.RevokeAll()
	if _, err := s.Whoami(ctx, p, "home"); exitcode.Of(err) != exitcode.Auth {
		t.Errorf("a revoked token that cannot be refreshed: %v (exit %d), want 3", err, exitcode.Of(err))
	}
}
