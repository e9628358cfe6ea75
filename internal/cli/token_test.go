package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

// world is a sandbox, a config file pointing at it, and a file store in a
// state directory of its own.
type world struct {
	srv         *sandbox.Server
	env         map[string]string
	stateDir    string
	credentials func(string, string, io.Writer) (store.Store, error)
	store       *store.File
}

func newWorld(t *testing.T) *world {
	t.Helper()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	stateDir := t.TempDir()
	cfgPath := writeTemp(t, "config.yaml", "store: file\n"+srv.ConfigYAML())
	w := &world{srv: srv, stateDir: stateDir, env: map[string]string{
		"AUTHCTL_CONFIG": cfgPath,
		"XDG_STATE_HOME": stateDir,
		"HOME":           stateDir,
	}}
	w.credentials, w.store = fileBackend(t, filepath.Join(stateDir, "authctl"))
	return w
}

// run runs authctl in-process on the world's store and environment.
func (w *world) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := ui.Test()
	f := &cmdutil.Factory{
		IO:        ios,
		Global:    &cmdutil.GlobalOptions{Output: ui.FormatText},
		Getenv:    func(k string) string { return w.env[k] },
		Now:       time.Now,
		OpenStore: w.credentials,
	}
	code = Run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

// login stores a credential obtained from the sandbox by an HTTP "browser"
// that follows the authorize URL (the sandbox auto-approves as alice).
func (w *world) login(t *testing.T, name string) *provider.Credential {
	t.Helper()
	cfg, err := config.Load(w.env["AUTHCTL_CONFIG"], func(k string) string { return w.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	p, err := provider.Resolve(context.Background(), cfg, name, func(string) string { return "" }, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	port := "28682"
	if len(p.RedirectPorts) > 0 {
		port = strconv.Itoa(p.RedirectPorts[0])
	}
	conf := p.OAuth2("http://"+p.RedirectHost+":"+port+"/callback", nil)
	verifier, state, nonce := oauth2.GenerateVerifier(), randomHex(t), randomHex(t)
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, p.AuthCodeOptions(nonce)...)
	browser := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(conf.AuthCodeURL(state, opts...))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || callback.Query().Get("state") != state {
		t.Fatalf("authorize: %d %v", resp.StatusCode, err)
	}
	cred, err := p.Exchange(context.Background(), conf, callback.Query().Get("code"), verifier, nonce)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.Put(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
	return cred
}

// stored reads the provider's default credential back from the store.
func (w *world) stored(t *testing.T, name string) *provider.Credential {
	t.Helper()
	cred, err := w.store.Get(context.Background(), name, "")
	if err != nil {
		t.Fatalf("read back %s: %v", name, err)
	}
	return cred
}

func randomHex(t *testing.T) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestTokenWithValidStoredTokenMakesNoRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cred := w.login(t, "discord")
	w.srv.ResetCounts()
	code, stdout, stderr := w.run(t, "token", "discord")
	if code != 0 || stdout != cred.AccessToken+"\n" || stderr != "" {
		t.Fatalf("token: code %d, stdout matches %v, stderr %q", code, stdout == cred.AccessToken+"\n", stderr)
	}
	for _, route := range [][2]string{{"POST", "/api/oauth2/token"}, {"GET", "/api/v10/users/@me"}} {
		if n := w.srv.Count(route[0], route[1]); n != 0 {
			t.Errorf("%d requests to %s %s, want none", n, route[0], route[1])
		}
	}
}

func TestTokenRefreshesExpiredTokenOnceAndPersistsRotation(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"discord", "github-app", "slack", "sentry", "oidc"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			old := w.login(t, name)
			tokenPath := tokenPathOf(t, w, name)
			w.srv.ExpireAccessTokens()
			expireStored(t, w, name)
			w.srv.ResetCounts()

			code, stdout, stderr := w.run(t, "token", name)
			if code != 0 {
				t.Fatalf("token: exit %d, stderr %q", code, stderr)
			}
			saved := w.stored(t, name)
			if got := strings.TrimSpace(stdout); got == old.AccessToken || got != saved.AccessToken {
				t.Errorf("printed token is the old one (%v) or not the saved one (%v)", got == old.AccessToken, got == saved.AccessToken)
			}
			if saved.RefreshToken == old.RefreshToken {
				t.Error("the rotated refresh token was not saved")
			}
			if n := w.srv.Count(http.MethodPost, tokenPath); n != 1 {
				t.Errorf("%d token requests, want exactly 1", n)
			}
			// The new token is valid: a second run makes no request.
			w.srv.ResetCounts()
			if code, again, _ := w.run(t, "token", name); code != 0 || again != stdout {
				t.Errorf("second token: exit %d, same token %v", code, again == stdout)
			}
			if n := w.srv.Count(http.MethodPost, tokenPath); n != 0 {
				t.Errorf("second token made %d refreshes", n)
			}
		})
	}
}

// tokenPathOf is the sandbox path of the provider's token endpoint.
func tokenPathOf(t *testing.T, w *world, name string) string {
	t.Helper()
	return map[string]string{
		"discord": "/api/oauth2/token", "github-app": "/login/oauth/access_token", "slack": "/api/oauth.v2.access",
		"sentry": "/oauth/token/", "oidc": "/oidc/token",
	}[name]
}

// expireStored marks the stored access token as expired.
func expireStored(t *testing.T, w *world, name string) {
	t.Helper()
	cred := w.stored(t, name)
	cred.Expiry = time.Now().Add(-time.Minute)
	if err := w.store.Put(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
}

func TestTokenMinTTLAndForcedRefresh(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.login(t, "discord") // expires in 7 days
	w.srv.ResetCounts()
	if code, _, stderr := w.run(t, "token", "discord", "--min-ttl", "1h"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := w.srv.Count(http.MethodPost, "/api/oauth2/token"); n != 0 {
		t.Errorf("--min-ttl 1h on a 7-day token refreshed %d times", n)
	}
	if code, _, stderr := w.run(t, "token", "discord", "--min-ttl", "200h"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := w.srv.Count(http.MethodPost, "/api/oauth2/token"); n != 1 {
		t.Errorf("--min-ttl 200h on a 7-day token refreshed %d times, want 1", n)
	}
	before := w.stored(t, "discord")
	if code, stdout, stderr := w.run(t, "token", "discord", "--refresh"); code != 0 || strings.TrimSpace(stdout) == before.AccessToken {
		t.Fatalf("--refresh: exit %d, new token %v, stderr %q", code, strings.TrimSpace(stdout) != before.AccessToken, stderr)
	}
	if n := w.srv.Count(http.MethodPost, "/api/oauth2/token"); n != 2 {
		t.Errorf("--refresh: %d refreshes in all, want 2", n)
	}
}

func TestTokenRefreshFailuresLeaveStoreUnchanged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    *sandbox.Fault
		revoke   bool
		wantCode int
		wantMsg  string
	}{
		{"invalid_grant", nil, true, exitcode.Auth, "refresh token rejected (invalid_grant"},
		{"500", &sandbox.Fault{Status: 500}, false, exitcode.Provider, "HTTP 500"},
		{"garbage", &sandbox.Fault{MalformedJSON: true}, false, exitcode.Provider, "refresh token"},
		{"dropped connection", &sandbox.Fault{Drop: true}, false, exitcode.Provider, "refresh token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.login(t, "discord")
			expireStored(t, w, "discord")
			before := w.stored(t, "discord")
			if tt.revoke {
				w.srv.RevokeAll()
			}
			if tt.fault != nil {
				w.srv.SetFault("POST /api/oauth2/token", *tt.fault)
			}
			code, stdout, stderr := w.run(t, "token", "discord")
			if code != tt.wantCode || stdout != "" {
				t.Fatalf("exit %d (want %d), stdout %q", code, tt.wantCode, stdout)
			}
			if !strings.Contains(stderr, tt.wantMsg) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr = %q, want one line containing %q", stderr, tt.wantMsg)
			}
			if tt.wantCode == exitcode.Auth && !strings.Contains(stderr, "run authctl login discord") {
				t.Errorf("stderr = %q, want the way out", stderr)
			}
			after := w.stored(t, "discord")
			if after.AccessToken != before.AccessToken || after.RefreshToken != before.RefreshToken || !after.Expiry.Equal(before.Expiry) {
				t.Error("the stored credential changed after a failed refresh")
			}
			for _, secret := range []string{before.AccessToken, before.RefreshToken, sandbox.DiscordClientSecret} {
				if strings.Contains(stderr, secret) {
					t.Error("stderr leaks a secret")
				}
			}
		})
	}
}

func TestTokenSlowTokenEndpointTimesOut(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.login(t, "discord")
	expireStored(t, w, "discord")
	before := w.stored(t, "discord")
	w.srv.SetFault("POST /api/oauth2/token", sandbox.Fault{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	ios, _, out, errOut := ui.Test()
	f := &cmdutil.Factory{IO: ios, Global: &cmdutil.GlobalOptions{Output: ui.FormatText}, Getenv: func(k string) string { return w.env[k] }, Now: time.Now, OpenStore: w.credentials}
	code := Run(ctx, f, []string{"token", "discord"})
	if code != exitcode.Provider || out.Len() != 0 || !strings.Contains(errOut.String(), "timed out") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 4 and a timeout", code, out.String(), errOut.String())
	}
	if after := w.stored(t, "discord"); after.RefreshToken != before.RefreshToken {
		t.Error("the stored credential changed after a timed-out refresh")
	}
}

func TestNotLoggedIn(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, args := range [][]string{{"token", "discord"}, {"refresh", "discord"}, {"whoami", "discord"}, {"logout", "discord"}, {"status", "discord"}, {"token", "discord", "--account", "work"}} {
		code, stdout, stderr := w.run(t, args...)
		if code != exitcode.Auth || !strings.Contains(stderr, "not logged in to discord") || !strings.Contains(stderr, "run authctl login discord") {
			t.Errorf("%v: exit %d, stderr %q; want 3 with the way out", args, code, stderr)
		}
		if args[0] != "status" && stdout != "" {
			t.Errorf("%v: stdout %q", args, stdout)
		}
	}
}

func TestStatusNeverPrintsTokens(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	discord := w.login(t, "discord")
	github := w.login(t, "github")
	for _, args := range [][]string{{"status"}, {"status", "-o", "json"}, {"status", "discord", "-o", "json"}} {
		code, stdout, stderr := w.run(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d, %s", args, code, stderr)
		}
		for _, secret := range []string{discord.AccessToken, discord.RefreshToken, github.AccessToken} {
			if strings.Contains(stdout+stderr, secret) {
				t.Errorf("%v prints a token", args)
			}
		}
	}
	_, stdout, _ := w.run(t, "status", "-o", "json")
	var got credential.Status
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("status JSON %q: %v", stdout, err)
	}
	if got.Store != "file" || len(got.Accounts) != 2 || got.Accounts[0].Provider != "discord" || got.Accounts[0].User != sandbox.AliceUsername ||
		got.Accounts[0].UserID != sandbox.AliceID || got.Accounts[0].Expiry == nil || !got.Accounts[0].Refreshable || got.Accounts[1].Expiry != nil {
		t.Errorf("status JSON = %+v", got)
	}
	_, table, _ := w.run(t, "status")
	if !strings.HasPrefix(table, "PROVIDER") || !strings.Contains(table, "alice ("+sandbox.AliceID+")") || !strings.Contains(table, "never") {
		t.Errorf("status table = %q", table)
	}
}

func TestWhoamiAndRefreshCommand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.login(t, "discord")
	code, stdout, stderr := w.run(t, "whoami", "discord")
	if code != 0 || stdout != sandbox.AliceUsername+" ("+sandbox.AliceID+")\n" {
		t.Fatalf("whoami: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = w.run(t, "whoami", "discord", "-o", "json")
	var id credential.Whoami
	if code != 0 || json.Unmarshal([]byte(stdout), &id) != nil || id.ID != sandbox.AliceID || id.Provider != "discord" {
		t.Errorf("whoami -o json: exit %d, %q", code, stdout)
	}

	before := w.stored(t, "discord")
	w.srv.ResetCounts()
	code, stdout, stderr = w.run(t, "refresh", "discord")
	if code != 0 || stdout != "" || !strings.Contains(stderr, "Refreshed the discord token") {
		t.Fatalf("refresh: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	after := w.stored(t, "discord")
	if after.AccessToken == before.AccessToken || after.RefreshToken == before.RefreshToken || w.srv.Count(http.MethodPost, "/api/oauth2/token") != 1 {
		t.Error("refresh did not rotate the stored tokens with exactly one request")
	}
	if strings.Contains(stderr, after.AccessToken) {
		t.Error("refresh prints the token")
	}
}

func TestWhoamiRetriesOnceAfter401(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.login(t, "discord")
	// The access token dies at the provider while the store still thinks it valid.
	w.srv.ExpireAccessTokens()
	w.srv.ResetCounts()
	code, stdout, stderr := w.run(t, "whoami", "discord")
	if code != 0 || !strings.HasPrefix(stdout, sandbox.AliceUsername) {
		t.Fatalf("whoami: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if me, tok := w.srv.Count(http.MethodGet, "/api/v10/users/@me"), w.srv.Count(http.MethodPost, "/api/oauth2/token"); me != 2 || tok != 1 {
		t.Errorf("%d identity calls and %d refreshes, want 2 and 1", me, tok)
	}
	// A revoked authorization: one refresh attempt, then exit 3.
	w.srv.RevokeAll()
	w.srv.ResetCounts()
	code, _, stderr = w.run(t, "whoami", "discord")
	if code != exitcode.Auth || !strings.Contains(stderr, "run authctl login discord") {
		t.Errorf("whoami after revoke: exit %d, %q", code, stderr)
	}
	if me := w.srv.Count(http.MethodGet, "/api/v10/users/@me"); me != 1 {
		t.Errorf("%d identity calls after revoke, want 1", me)
	}
}

func TestWhoamiWithEnvironmentToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cred := w.login(t, "discord")
	if err := w.store.Delete(context.Background(), "discord", cred.Account); err != nil {
		t.Fatal(err)
	}
	w.env["AUTHCTL_DISCORD_TOKEN"] = cred.AccessToken
	code, stdout, stderr := w.run(t, "whoami", "discord")
	if code != 0 || !strings.HasPrefix(stdout, sandbox.AliceUsername+" (") {
		t.Fatalf("whoami with AUTHCTL_DISCORD_TOKEN: exit %d, %q %q", code, stdout, stderr)
	}
	if _, err := w.store.Get(context.Background(), "discord", ""); err == nil {
		t.Error("the environment token was stored")
	}
	w.env["AUTHCTL_DISCORD_TOKEN"] = "not-a-token"
	if code, _, stderr := w.run(t, "whoami", "discord"); code != exitcode.Auth || !strings.Contains(stderr, "AUTHCTL_DISCORD_TOKEN was rejected") {
		t.Errorf("bad env token: exit %d, %q", code, stderr)
	}
}

func TestLogoutRevokesThenDeletes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantRevoke bool
		wantMsg    string
	}{
		{"discord", []string{"logout", "discord"}, true, "token revoked at the provider"},
		{"github", []string{"logout", "github"}, true, "token revoked at the provider"},
		{"slack", []string{"logout", "slack"}, true, "token revoked at the provider"},
		{"oidc", []string{"logout", "oidc"}, true, "token revoked at the provider"},
		{"sentry", []string{"logout", "sentry"}, true, "token revoked at the provider"},
		{"discord", []string{"logout", "discord", "--local-only"}, false, "--local-only"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			cred := w.login(t, tt.name)
			cfg, _ := config.Load(w.env["AUTHCTL_CONFIG"], func(k string) string { return w.env[k] })
			p, err := provider.Resolve(context.Background(), cfg, tt.name, func(string) string { return "" }, nil)
			if err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := w.run(t, tt.args...)
			if code != 0 || stdout != "" || !strings.Contains(stderr, tt.wantMsg) {
				t.Fatalf("logout: exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
			if _, err := w.store.Get(context.Background(), tt.name, ""); err == nil {
				t.Error("the credential is still stored")
			}
			_, err = p.Identity(context.Background(), cred.AccessToken)
			if dead := exitcode.Of(err) == exitcode.Auth; dead != tt.wantRevoke {
				t.Errorf("token dead at the provider = %v, want %v (%v)", dead, tt.wantRevoke, err)
			}
		})
	}
}

func TestLogoutRemoteFailureStillDeletesLocally(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.login(t, "discord")
	w.srv.SetFault("POST /api/oauth2/token/revoke", sandbox.Fault{Status: 503})
	code, _, stderr := w.run(t, "logout", "discord")
	if code != exitcode.Provider || !strings.Contains(stderr, "deleted locally, but the remote revocation failed") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if _, err := w.store.Get(context.Background(), "discord", ""); err == nil {
		t.Error("the credential is still stored")
	}
}

func TestVerboseRefreshRedactsSecrets(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	old := w.login(t, "discord")
	expireStored(t, w, "discord")
	code, stdout, stderr := w.run(t, "token", "discord", "-v")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "→ POST "+w.srv.URL()+"/api/oauth2/token") || !strings.Contains(stderr, "← 200 OK") {
		t.Errorf("verbose trace missing the refresh: %q", stderr)
	}
	now := w.stored(t, "discord")
	for name, secret := range map[string]string{"old access token": old.AccessToken, "old refresh token": old.RefreshToken,
		"new access token": now.AccessToken, "new refresh token": now.RefreshToken, "client secret": sandbox.DiscordClientSecret} {
		if strings.Contains(stderr, secret) {
			t.Errorf("verbose output leaks the %s", name)
		}
	}
	if stdout != now.AccessToken+"\n" {
		t.Error("stdout is not exactly the new token")
	}
}

// TestConcurrentTokenRunsRefreshOnce runs 32 `authctl token` at once on an
// expired token with a rotating refresh token (GitHub App: rotation kills the
// old pair): the lock and the re-read after it must let exactly one refresh
// through. The 32-process variant needs the real store in the binary and
// waits for internal/store.
func TestConcurrentTokenRunsRefreshOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	old := w.login(t, "github-app")
	w.srv.ExpireAccessTokens()
	expireStored(t, w, "github-app")
	w.srv.ResetCounts()

	const n = 32
	type result struct {
		code           int
		stdout, stderr string
	}
	results := make([]result, n)
	start := make(chan struct{})
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			code, stdout, stderr := w.run(t, "token", "github-app")
			results[i] = result{code, stdout, stderr}
		}()
	}
	close(start)
	for range n {
		<-done
	}
	saved := w.stored(t, "github-app")
	for i, r := range results {
		if r.code != 0 || r.stdout != saved.AccessToken+"\n" {
			t.Errorf("run %d: exit %d, printed the saved token %v, stderr %q", i, r.code, r.stdout == saved.AccessToken+"\n", r.stderr)
		}
	}
	if got := w.srv.Count(http.MethodPost, "/login/oauth/access_token"); got != 1 {
		t.Errorf("%d refreshes at the sandbox, want exactly 1", got)
	}
	if saved.RefreshToken == old.RefreshToken {
		t.Error("the store does not hold the rotated refresh token")
	}
}

func TestLogoutAll(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.login(t, "discord")
	w.login(t, "github")
	second := w.login(t, "discord")
	second.Account = "work"
	if err := w.store.Put(context.Background(), second); err != nil {
		t.Fatal(err)
	}

	code, _, stderr := w.run(t, "logout", "discord", "--all", "--local-only")
	if code != 0 || strings.Count(stderr, "Logged out of Discord") != 2 {
		t.Fatalf("logout discord --all: exit %d, %q", code, stderr)
	}
	left, _ := w.store.List(context.Background())
	if len(left) != 1 || left[0].Provider != "github" {
		t.Fatalf("after logout discord --all the store holds %d credentials", len(left))
	}
	if code, _, stderr := w.run(t, "logout", "--all"); code != 0 || !strings.Contains(stderr, "Logged out of GitHub (account alice); token revoked at the provider") {
		t.Fatalf("logout --all: exit %d, %q", code, stderr)
	}
	if code, _, stderr := w.run(t, "logout", "--all"); code != exitcode.Auth || !strings.Contains(stderr, "not logged in to any provider") {
		t.Errorf("logout --all on an empty store: exit %d, %q", code, stderr)
	}
}

func TestWhoamiRejectedTokenWithoutRefreshToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.login(t, "github") // OAuth App: never expires, no refresh token
	w.srv.RevokeAll()
	w.srv.ResetCounts()
	code, stdout, stderr := w.run(t, "whoami", "github")
	if code != exitcode.Auth || stdout != "" || !strings.Contains(stderr, "cannot be refreshed; run authctl login github") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if n := w.srv.Count(http.MethodPost, "/login/oauth/access_token"); n != 0 {
		t.Errorf("%d token requests, want none", n)
	}
}

// After a 401, the stored credential is refreshed only if it still holds the rejected token: a
// token another process obtained meanwhile is used, not refreshed away (GitHub App and Sentry
// refreshes revoke the previous access token, which would break that other process).
func TestReplaceRejectedRefreshesOnlyTheRejectedToken(t *testing.T) {
	w := newWorld(t)
	cred := w.login(t, "github-app")
	f := &cmdutil.Factory{IO: func() *ui.IOStreams { ios, _, _, _ := ui.Test(); return ios }(), Global: &cmdutil.GlobalOptions{Output: ui.FormatText},
		Getenv: func(k string) string { return w.env[k] }, Now: time.Now, OpenStore: w.credentials}
	tokenPath := "/login/oauth/access_token"
	w.srv.ResetCounts()

	got, err := f.Credentials().Replace(context.Background(), "github-app", "", credential.DefaultMinTTL, "a-token-another-process-replaced")
	if err != nil || got.AccessToken != cred.AccessToken || w.srv.Count("POST", tokenPath) != 0 {
		t.Fatalf("rejected token no longer stored: %v, same token %v, %d refreshes; want the stored token and none", err, got != nil && got.AccessToken == cred.AccessToken, w.srv.Count("POST", tokenPath))
	}
	got, err = f.Credentials().Replace(context.Background(), "github-app", "", credential.DefaultMinTTL, cred.AccessToken)
	if err != nil || got.AccessToken == cred.AccessToken || w.srv.Count("POST", tokenPath) != 1 {
		t.Fatalf("rejected token still stored: %v, %d refreshes; want one refresh and a new token", err, w.srv.Count("POST", tokenPath))
	}
	if stored := w.stored(t, "github-app"); stored.AccessToken != got.AccessToken {
		t.Errorf("the refreshed token was not saved")
	}
}

// A token from the environment needs neither the store nor the config: token prints it
// even when the config file cannot be read (the CI path stays cheap and independent).
func TestTokenFromEnvironmentReadsNoConfig(t *testing.T) {
	t.Parallel()
	broken := writeTemp(t, "config.yaml", "providers: [not, a, map\n")
	code, stdout, stderr := runCLI(t, map[string]string{"AUTHCTL_CONFIG": broken, "AUTHCTL_DISCORD_TOKEN": "from-env"}, "token", "discord")
	if code != 0 || stdout != "from-env\n" || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want the environment's token and nothing else", code, stdout, stderr)
	}
}
