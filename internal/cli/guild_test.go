package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/discord"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/golden"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

func TestGuildCheckUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"no guild", nil, []string{"guild", "check"}, `required flag(s) "guild" not set`},
		{"guild not a snowflake", nil, []string{"guild", "check", "--guild", "abc"}, `--guild must be a Discord ID (digits only), not "abc"`},
		{"empty guild", nil, []string{"guild", "check", "--guild", ""}, "--guild needs a Discord ID"},
		{"role not a snowflake", nil, []string{"guild", "check", "--guild", "1", "--role", "2,admin"}, `--role must be a Discord ID (digits only), not "admin"`},
		{"user without bot token env", nil, []string{"guild", "check", "--guild", "1", "--user", "2"}, "if any flags in the group [user bot-token-env] are set they must all be set"},
		{"bot token env without user", nil, []string{"guild", "check", "--guild", "1", "--bot-token-env", "BOT"}, "if any flags in the group [user bot-token-env] are set they must all be set"},
		{"user not a snowflake", nil, []string{"guild", "check", "--guild", "1", "--user", "@bob", "--bot-token-env", "BOT"}, `--user must be a Discord ID (digits only), not "@bob"`},
		{"bot token env unset", nil, []string{"guild", "check", "--guild", "1", "--user", "2", "--bot-token-env", "BOT"}, "missing bot token: environment variable BOT is empty or unset"},
		{"negative max wait", nil, []string{"guild", "check", "--guild", "1", "--max-wait", "-1s"}, "--max-wait must not be negative"},
		{"bad max wait", nil, []string{"guild", "check", "--guild", "1", "--max-wait", "soon"}, `invalid argument "soon" for "--max-wait"`},
		{"extra argument", nil, []string{"guild", "check", "--guild", "1", "extra"}, `unknown command "extra"`},
		{"account with user", nil, []string{"guild", "check", "--guild", "1", "--account", "a", "--user", "2", "--bot-token-env", "BOT"}, "none of the others can be"},
		{"provider of another kind", map[string]string{"AUTHCTL_GITHUB_KIND": "github", "B": "x"}, []string{"guild", "check", "--guild", "1", "--user", "2", "--bot-token-env", "B", "--provider", "github"}, `provider "github" is of kind "github", not discord`},
		{"unknown provider", map[string]string{"B": "x"}, []string{"guild", "check", "--guild", "1", "--user", "2", "--bot-token-env", "B", "--provider", "nope"}, `unknown provider "nope"`},
		{"list negative max wait", nil, []string{"guild", "list", "--max-wait", "-2s"}, "--max-wait must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"AUTHCTL_CONFIG": emptyConfig(t)}
			for k, v := range tt.env {
				env[k] = v
			}
			code, stdout, stderr := runCLI(t, env, tt.args...)
			if code != exitcode.Usage {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, exitcode.Usage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tt.wantErr) || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
				t.Errorf("stderr = %q, want one line containing %q", stderr, tt.wantErr)
			}
		})
	}
}

// emptyConfig is a config file with no providers, so that no user's own file is read.
func emptyConfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("providers: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// guildSandbox starts an auto-approving sandbox and a config file pointing at it.
func guildSandbox(t *testing.T, opts ...sandboxtest.Option) (*sandbox.Server, string) {
	t.Helper()
	srv := sandboxtest.Start(t, append(opts, sandboxtest.AutoApprove())...)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(srv.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, path
}

// runGuildCLI is runCLI with a test credential store and a transport of the
// test's own, so that no kept-alive connection is shared between tests.
func runGuildCLI(t *testing.T, env map[string]string, backend func(string, string, io.Writer) (store.Store, error), args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := ui.Test()
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	f := newTestFactory(t, ios, env)
	f.OpenStore, f.HTTPTransport = backend, transport
	code = Run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

// fileCredentials is the real file store in a state directory of the test's
// own, with the real cross-process refresh lock. Its "unencrypted" warning is
// dropped so that stderr holds only the command's answer.
func fileCredentials(t *testing.T) (func(string, string, io.Writer) (store.Store, error), store.Store) {
	t.Helper()
	fs, err := store.OpenFile(filepath.Join(t.TempDir(), "authctl"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return openStoreIn(fs), fs
}

// storeDiscordCredential saves what `authctl login discord` would save.
func storeDiscordCredential(t *testing.T, s store.Store, tok *oauth2.Token, user string, scopes []string, expired bool) *provider.Credential {
	t.Helper()
	ids := map[string]string{"alice": sandbox.AliceID, "bob": sandbox.BobID, "carol": sandbox.CarolID}
	cred := &provider.Credential{
		Provider: "discord", AccessToken: tok.AccessToken, TokenType: "Bearer", RefreshToken: tok.RefreshToken,
		Expiry: tok.Expiry, Scopes: scopes, UserID: ids[user], UserName: user,
	}
	if expired {
		cred.Expiry = time.Now().Add(-time.Minute)
	}
	if err := s.Put(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
	return cred
}

const (
	memberPath = "/api/v10/users/@me/guilds/" + sandbox.GuildID + "/member"
	guildsPath = "/api/v10/users/@me/guilds"
	// authorizationPath is asked after a refusal, to tell a rejected token from a missing scope.
	authorizationPath = "/api/v10/oauth2/@me"
	tokenPath         = "/api/oauth2/token"
)

func botMemberPath(guild, user string) string {
	return "/api/v10/guilds/" + guild + "/members/" + user
}

// guildCase is one guild command run against a fresh sandbox.
type guildCase struct {
	name      string
	user      string   // signs in and supplies AUTHCTL_DISCORD_TOKEN; empty for bot mode
	scopes    []string // default identify, guilds, guilds.members.read
	stored    bool     // the user's credential is in the store instead of the environment
	expired   bool     // the stored access token has expired (at the sandbox too)
	prepare   func(*sandbox.Server)
	args      []string
	code      int
	stdout    string            // exact stdout, when not empty
	stderr    []string          // substrings of stderr
	counts    map[string]int    // path → GET requests the sandbox served
	refreshes int               // POST /api/oauth2/token requests the sandbox served
	env       map[string]string // more environment
	golden    string            // testdata/golden/guild/NAME.txt holds exit code, stdout and stderr
	seed      func(*sandbox.Seed)
	// unknownScopes stores the credential without its scopes, as a store written before
	// scopes were kept would hold it.
	unknownScopes bool
}

func runGuildCases(t *testing.T, tests []guildCase) {
	t.Helper()
	for _, tt := range tests {
		name := tt.name
		if name == "" {
			name = tt.golden
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var opts []sandboxtest.Option
			if tt.seed != nil {
				seed := sandbox.DefaultSeed()
				tt.seed(seed)
				opts = append(opts, sandboxtest.WithSeed(seed))
			}
			srv, cfg := guildSandbox(t, opts...)
			env := map[string]string{"AUTHCTL_CONFIG": cfg, "BOT_TOKEN": sandbox.BotToken}
			backend, store := fileCredentials(t)
			var saved *provider.Credential
			if tt.user != "" {
				scopes := tt.scopes
				if scopes == nil {
					scopes = []string{"identify", "guilds", "guilds.members.read"}
				}
				tok := sandboxtest.DiscordLogin(t, srv, tt.user, scopes...)
				if tt.stored {
					stored := scopes
					if tt.unknownScopes {
						stored = nil
					}
					saved = storeDiscordCredential(t, store, tok, tt.user, stored, tt.expired)
					if tt.expired {
						srv.ExpireAccessTokens()
					}
				} else {
					env["AUTHCTL_DISCORD_TOKEN"] = tok.AccessToken
				}
			}
			for k, v := range tt.env {
				env[k] = v
			}
			if tt.prepare != nil {
				tt.prepare(srv)
			}
			srv.ResetCounts()
			code, stdout, stderr := runGuildCLI(t, env, backend, tt.args...)
			if code != tt.code && tt.golden == "" {
				t.Errorf("exit code = %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if got := srv.Count(http.MethodPost, tokenPath); got != tt.refreshes {
				t.Errorf("POST %s served %d times, want %d", tokenPath, got, tt.refreshes)
			}
			if saved != nil && tt.refreshes > 0 && code == 0 {
				now, err := store.Get(context.Background(), "discord", "")
				if err != nil || now.RefreshToken == saved.RefreshToken || now.AccessToken == saved.AccessToken {
					t.Errorf("the refreshed credential was not saved (err %v)", err)
				}
			}
			if tt.golden != "" {
				golden.AssertString(t, "guild/"+tt.golden+".txt", fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", code, stdout, stderr))
			}
			if tt.stdout != "" && stdout != tt.stdout {
				t.Errorf("stdout = %q\nwant     %q", stdout, tt.stdout)
			}
			if tt.stdout == "" && tt.golden == "" && stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr = %q, want it to contain %q", stderr, want)
				}
			}
			if strings.Count(stderr, "\n") > 1 {
				t.Errorf("stderr has more than one line: %q", stderr)
			}
			secrets := []string{env["AUTHCTL_DISCORD_TOKEN"], sandbox.BotToken}
			if saved != nil {
				secrets = append(secrets, saved.AccessToken, saved.RefreshToken)
			}
			for _, secret := range secrets {
				if secret != "" && (strings.Contains(stdout, secret) || strings.Contains(stderr, secret)) {
					t.Errorf("output contains a token")
				}
			}
			for path, want := range tt.counts {
				if got := srv.Count(http.MethodGet, path); got != want {
					t.Errorf("GET %s served %d times, want %d", path, got, want)
				}
			}
		})
	}
}

func TestGuildCheckUserMode(t *testing.T) {
	t.Parallel()
	g := sandbox.GuildID
	one := map[string]int{memberPath: 1}
	// A token from the environment does not say whose it is: a "no" asks /users/@me once, so that
	// the answer names the user.
	oneAndWho := map[string]int{memberPath: 1, "/api/v10/users/@me": 1}
	alice := fmt.Sprintf("alice (%s)", sandbox.AliceID)
	runGuildCases(t, []guildCase{
		{name: "member", user: "alice", args: []string{"guild", "check", "--guild", g},
			code: 0, stderr: []string{"✓ " + alice + " is in guild " + g}, counts: one},
		{name: "member with role", user: "alice", args: []string{"guild", "check", "--guild", g, "--role", sandbox.RoleAdminID},
			code: 0, stderr: []string{"✓ " + alice + " is in guild " + g + " with role " + sandbox.RoleAdminID}, counts: one},
		{name: "any of the roles", user: "alice", args: []string{"guild", "check", "--guild", g, "--role", sandbox.RoleGuestID + "," + sandbox.RoleMemberID},
			code: 0, stderr: []string{"with role " + sandbox.RoleMemberID}, counts: one},
		{name: "all roles held", user: "alice", args: []string{"guild", "check", "--guild", g, "--role", sandbox.RoleAdminID, "--role", sandbox.RoleMemberID, "--all-roles"},
			code: 0, stderr: []string{"with role " + sandbox.RoleAdminID + ", " + sandbox.RoleMemberID}, counts: one},
		{name: "all roles, one missing", user: "alice", args: []string{"guild", "check", "--guild", g, "--role", sandbox.RoleAdminID, "--role", sandbox.RoleGuestID, "--all-roles"},
			code: 1, stderr: []string{"✗ " + alice + " is in guild " + g + " but lacks role " + sandbox.RoleGuestID}, counts: one},
		{name: "role missing", user: "alice", args: []string{"guild", "check", "--guild", g, "--role", sandbox.RoleGuestID},
			code: 1, stderr: []string{"but has none of the roles " + sandbox.RoleGuestID}, counts: one},
		{name: "member without roles", user: "bob", args: []string{"guild", "check", "--guild", g, "--role", sandbox.RoleMemberID},
			code: 1, stderr: []string{"bob (" + sandbox.BobID + ") is in guild " + g + " but has none of the roles"}, counts: one},
		{name: "@everyone always held", user: "bob", args: []string{"guild", "check", "--guild", g, "--role", g, "--all-roles"},
			code: 0, stderr: []string{"with role " + g}, counts: one},
		{name: "pending reported", user: "bob", args: []string{"guild", "check", "--guild", g},
			code: 0, stderr: []string{"is in guild " + g + " (pending membership screening)"}, counts: one},
		{name: "pending rejected", user: "bob", args: []string{"guild", "check", "--guild", g, "--require-verified"},
			code: 1, stderr: []string{"has not passed membership screening yet (pending)"}, counts: one},
		{name: "not a member", user: "carol", args: []string{"guild", "check", "--guild", g},
			code: 1, stderr: []string{"✗ carol (" + sandbox.CarolID + ") is not in guild " + g}, counts: oneAndWho},
		{name: "json member", user: "alice", args: []string{"guild", "check", "--guild", g, "--role", sandbox.RoleGuestID + "," + sandbox.RoleAdminID, "-o", "json"},
			code: 0, counts: one,
			stdout: `{"guild":"` + g + `","user":"` + sandbox.AliceID + `","username":"alice","member":true,"pending":false,"roles":["` + sandbox.RoleAdminID + `","` + sandbox.RoleMemberID + `"],"matched_roles":["` + sandbox.RoleAdminID + `"],"missing_roles":["` + sandbox.RoleGuestID + `"]}` + "\n"},
		{name: "json not a member", user: "carol", args: []string{"guild", "check", "--guild", g, "--role", sandbox.RoleAdminID, "-o", "json"},
			code: 1, counts: oneAndWho,
			stdout: `{"guild":"` + g + `","user":"` + sandbox.CarolID + `","username":"carol","member":false,"pending":false,"roles":[],"matched_roles":[],"missing_roles":["` + sandbox.RoleAdminID + `"]}` + "\n"},
		{name: "revoked token", user: "alice", prepare: func(s *sandbox.Server) { s.RevokeAll() }, args: []string{"guild", "check", "--guild", g},
			code: 3, stderr: []string{"discord rejected the token (HTTP 401): run authctl login discord"}, counts: map[string]int{memberPath: 1, authorizationPath: 1}},
		{name: "guilds scope only, membership", user: "carol", scopes: []string{"identify", "guilds"},
			args: []string{"guild", "check", "--guild", strconv.FormatInt(sandbox.ManyGuildsFirst+sandbox.ManyGuildsCount-1, 10)},
			code: 0, stderr: []string{"(roles not checked: the token has only the guilds scope)"}, counts: map[string]int{memberPath: 0, guildsPath: 2,
				"/api/v10/users/@me/guilds/" + strconv.FormatInt(sandbox.ManyGuildsFirst+sandbox.ManyGuildsCount-1, 10) + "/member": 1}},
		{name: "guilds scope only, not a member", user: "carol", scopes: []string{"identify", "guilds"}, args: []string{"guild", "check", "--guild", g},
			code: 1, stderr: []string{"is not in guild " + g}, counts: map[string]int{memberPath: 1, guildsPath: 2}},
		{name: "guilds scope only, role refused", user: "alice", scopes: []string{"identify", "guilds"}, args: []string{"guild", "check", "--guild", g, "--role", sandbox.RoleAdminID},
			code: 3, stderr: []string{"checking roles needs the guilds.members.read scope, which the token lacks (discord answered HTTP 401; the token's scopes: identify, guilds); re-login with scope guilds.members.read: authctl login discord --scopes identify,guilds,guilds.members.read"},
			counts: map[string]int{memberPath: 1, authorizationPath: 1, guildsPath: 0}},
		{name: "stored token, scopes not stored, lacking guilds.members.read: paged without a refresh", user: "alice", stored: true, unknownScopes: true, scopes: []string{"identify", "guilds"},
			args: []string{"guild", "check", "--guild", g}, code: 0, stderr: []string{"✓ " + alice + " is in guild Sandbox Guild (" + g + ") (roles not checked"},
			counts: map[string]int{memberPath: 1, authorizationPath: 1, guildsPath: 1}},
		{name: "stored token, scopes not stored, role refused naming the scope", user: "alice", stored: true, unknownScopes: true, scopes: []string{"identify", "guilds"},
			args: []string{"guild", "check", "--guild", g, "--role", sandbox.RoleAdminID}, code: 3, stderr: []string{"checking roles needs the guilds.members.read scope, which the token lacks"},
			counts: map[string]int{memberPath: 1, authorizationPath: 1, guildsPath: 0}},
		{name: "no guild scope at all", user: "alice", scopes: []string{"identify"}, args: []string{"guild", "check", "--guild", g},
			code: 3, stderr: []string{"checking membership needs the guilds.members.read or guilds scope, which the token lacks (discord answered HTTP 401; the token's scopes: identify)"},
			counts: map[string]int{memberPath: 1, authorizationPath: 1, guildsPath: 0}},
		{name: "stored fresh token: one request", user: "alice", stored: true, args: []string{"guild", "check", "--guild", g, "--role", sandbox.RoleAdminID},
			code: 0, stderr: []string{"✓ " + alice + " is in guild " + g + " with role " + sandbox.RoleAdminID}, counts: one},
		{name: "stored expired token: refreshed on the way", user: "alice", stored: true, expired: true, args: []string{"guild", "check", "--guild", g},
			code: 0, stderr: []string{"✓ " + alice + " is in guild " + g}, counts: one, refreshes: 1},
		{name: "stored token rejected: refreshed once and retried", user: "alice", stored: true, prepare: func(s *sandbox.Server) { s.ExpireAccessTokens() },
			args: []string{"guild", "check", "--guild", g}, code: 0, stderr: []string{"is in guild " + g}, counts: map[string]int{memberPath: 2}, refreshes: 1},
		{name: "stored token revoked", user: "alice", stored: true, prepare: func(s *sandbox.Server) { s.RevokeAll() }, args: []string{"guild", "check", "--guild", g},
			code: 3, stderr: []string{"authctl login discord"}, counts: one, refreshes: 1},
		{name: "stored token revoked and expired", user: "alice", stored: true, expired: true, prepare: func(s *sandbox.Server) { s.RevokeAll() }, args: []string{"guild", "check", "--guild", g},
			code: 3, stderr: []string{"authctl login discord"}, counts: map[string]int{memberPath: 0}, refreshes: 1},
		{name: "stored, not a member", user: "carol", stored: true, args: []string{"guild", "check", "--guild", g},
			code: 1, stderr: []string{"✗ carol (" + sandbox.CarolID + ") is not in guild " + g}, counts: one},
		{name: "stored guilds scope only: role refused without a request", user: "alice", stored: true, scopes: []string{"identify", "guilds"},
			args: []string{"guild", "check", "--guild", g, "--role", sandbox.RoleAdminID}, code: 3,
			stderr: []string{"checking roles needs the guilds.members.read scope, which the stored token lacks; re-login with scope guilds.members.read: authctl login discord --scopes identify,guilds,guilds.members.read"},
			counts: map[string]int{memberPath: 0, guildsPath: 0}},
		{name: "stored guilds scope only: 250 guilds paged", user: "carol", stored: true, scopes: []string{"identify", "guilds"},
			args: []string{"guild", "check", "--guild", strconv.FormatInt(sandbox.ManyGuildsFirst+sandbox.ManyGuildsCount-1, 10), "-o", "json"}, code: 0,
			stdout: `{"guild":"` + strconv.FormatInt(sandbox.ManyGuildsFirst+sandbox.ManyGuildsCount-1, 10) + `","user":"` + sandbox.CarolID + `","username":"carol","member":true,"pending":false,"roles":[],"matched_roles":[],"missing_roles":[]}` + "\n",
			counts: map[string]int{guildsPath: 2}},
		{name: "stored guilds scope only: stops at the guild", user: "alice", stored: true, scopes: []string{"identify", "guilds"},
			args: []string{"guild", "check", "--guild", g}, code: 0, stderr: []string{"✓ " + alice + " is in guild Sandbox Guild (" + g + ") (roles not checked"},
			counts: map[string]int{guildsPath: 1, memberPath: 0}},
		{name: "stored identify scope only", user: "alice", stored: true, scopes: []string{"identify"},
			args: []string{"guild", "check", "--guild", g}, code: 3, stderr: []string{"needs the guilds.members.read or guilds scope"},
			counts: map[string]int{guildsPath: 0, memberPath: 0}},
		{name: "no token", args: []string{"guild", "check", "--guild", g},
			code: 3, stderr: []string{"authctl login discord"}, counts: map[string]int{memberPath: 0}},
	})
}

func TestGuildCheckBotMode(t *testing.T) {
	t.Parallel()
	g := sandbox.GuildID
	bot := []string{"--bot-token-env", "BOT_TOKEN"}
	runGuildCases(t, []guildCase{
		{name: "member with role", args: append([]string{"guild", "check", "--guild", g, "--user", sandbox.AliceID, "--role", sandbox.RoleAdminID}, bot...),
			code: 0, stderr: []string{"✓ alice (" + sandbox.AliceID + ") is in guild " + g + " with role " + sandbox.RoleAdminID},
			counts: map[string]int{botMemberPath(g, sandbox.AliceID): 1}},
		{name: "not a member (10007)", args: append([]string{"guild", "check", "--guild", g, "--user", sandbox.CarolID}, bot...),
			code: 1, stderr: []string{"✗ user " + sandbox.CarolID + " is not in guild " + g},
			counts: map[string]int{botMemberPath(g, sandbox.CarolID): 1}},
		{name: "not a member, no role asked, json", args: append([]string{"guild", "check", "--guild", g, "--user", sandbox.CarolID, "-o", "json"}, bot...),
			code: 1, counts: map[string]int{botMemberPath(g, sandbox.CarolID): 1},
			stdout: `{"guild":"` + g + `","user":"` + sandbox.CarolID + `","username":"","member":false,"pending":false,"roles":[],"matched_roles":[],"missing_roles":[]}` + "\n"},
		{name: "the seeded bot is a member", args: append([]string{"guild", "check", "--guild", g, "--user", sandbox.BotUserID}, bot...),
			code: 0, stderr: []string{"is in guild " + g}, counts: map[string]int{botMemberPath(g, sandbox.BotUserID): 1}},
		{name: "no such user (10013)", args: append([]string{"guild", "check", "--guild", g, "--user", "999999999999999999"}, bot...),
			code: 1, stderr: []string{"✗ user 999999999999999999 is not in guild " + g},
			counts: map[string]int{botMemberPath(g, "999999999999999999"): 1}},
		{name: "bot not in guild (403 50001)", args: append([]string{"guild", "check", "--guild", sandbox.OtherGuildID, "--user", sandbox.AliceID}, bot...),
			code: 2, stderr: []string{"the bot cannot see guild " + sandbox.OtherGuildID + ": the bot is not in it, or no guild has that id (discord: HTTP 403, code 50001 Missing Access)"},
			counts: map[string]int{botMemberPath(sandbox.OtherGuildID, sandbox.AliceID): 1}},
		{name: "bot not in guild (404 10004)", seed: func(s *sandbox.Seed) { s.Bots[0].OutsideGuild = sandbox.BotOutsideUnknownGuild },
			args: append([]string{"guild", "check", "--guild", sandbox.OtherGuildID, "--user", sandbox.AliceID}, bot...),
			code: 2, stderr: []string{"the bot cannot see guild " + sandbox.OtherGuildID + ": the bot is not in it, or no guild has that id (discord: HTTP 404, code 10004 Unknown Guild)"},
			counts: map[string]int{botMemberPath(sandbox.OtherGuildID, sandbox.AliceID): 1}},
		{name: "no such guild (404 10004)", args: append([]string{"guild", "check", "--guild", "42", "--user", sandbox.AliceID}, bot...),
			code: 2, stderr: []string{"the bot cannot see guild 42: the bot is not in it, or no guild has that id"}},
		{name: "bot token kept with its scheme", env: map[string]string{"BOT_TOKEN": "Bot " + sandbox.BotToken}, args: append([]string{"guild", "check", "--guild", g, "--user", sandbox.AliceID}, bot...),
			code: 0, stderr: []string{"is in guild " + g}, counts: map[string]int{botMemberPath(g, sandbox.AliceID): 1}},
		{name: "bad bot token (401)", env: map[string]string{"BOT_TOKEN": "not-the-bot-token"}, args: append([]string{"guild", "check", "--guild", g, "--user", sandbox.AliceID}, bot...),
			code: 3, stderr: []string{"discord refused the bot token from BOT_TOKEN (HTTP 401)"},
			counts: map[string]int{botMemberPath(g, sandbox.AliceID): 1}},
		{name: "pending json", args: append([]string{"guild", "check", "--guild", g, "--user", sandbox.BobID, "--require-verified", "-o", "json"}, bot...),
			code: 1, counts: map[string]int{botMemberPath(g, sandbox.BobID): 1},
			stdout: `{"guild":"` + g + `","user":"` + sandbox.BobID + `","username":"bob","member":true,"pending":true,"roles":[],"matched_roles":[],"missing_roles":[]}` + "\n"},
	})
}

func TestGuildCheckProviderFailures(t *testing.T) {
	t.Parallel()
	g := sandbox.GuildID
	check := []string{"guild", "check", "--guild", g}
	fault := func(f sandbox.Fault) func(*sandbox.Server) {
		return func(s *sandbox.Server) { s.SetFault("GET "+memberPath, f) }
	}
	runGuildCases(t, []guildCase{
		{name: "429 within the budget", user: "alice", prepare: fault(sandbox.Fault{RetryAfter: 0.2, Times: 1}), args: check,
			code: 0, stderr: []string{"is in guild"}, counts: map[string]int{memberPath: 2}},
		{name: "429 beyond the budget", user: "alice", prepare: fault(sandbox.Fault{RetryAfter: 30, Times: 1}), args: check,
			code: 4, stderr: []string{"discord rate limit: wait 30s exceeds --max-wait; retry after 20"}, counts: map[string]int{memberPath: 1}},
		{name: "429 with no wait allowed", user: "alice", prepare: fault(sandbox.Fault{RetryAfter: 0.2, Times: 1}), args: append(check, "--max-wait", "0"),
			code: 4, stderr: []string{"exceeds --max-wait"}, counts: map[string]int{memberPath: 1}},
		{name: "429 every time, each wait short", user: "alice", prepare: fault(sandbox.Fault{Status: 429}), args: check,
			code: 4, stderr: []string{"discord rate limit: 6 answers in a row were 429"}, counts: map[string]int{memberPath: 6}},
		{name: "500s then success", user: "alice", prepare: fault(sandbox.Fault{Status: 500, Times: 2}), args: check,
			code: 0, stderr: []string{"is in guild"}, counts: map[string]int{memberPath: 3}},
		{name: "500s forever", user: "alice", prepare: fault(sandbox.Fault{Status: 503}), args: check,
			code: 4, stderr: []string{"discord unavailable after 4 attempts: HTTP 503"}, counts: map[string]int{memberPath: 4}},
		{name: "dropped connections", user: "alice", prepare: fault(sandbox.Fault{Drop: true}), args: check,
			code: 4, stderr: []string{"discord unavailable after 4 attempts"}, counts: map[string]int{memberPath: 4}},
		{name: "malformed JSON", user: "alice", prepare: fault(sandbox.Fault{MalformedJSON: true}), args: check,
			code: 4, stderr: []string{"discord: malformed response from /users/@me/guilds/" + g + "/member"}, counts: map[string]int{memberPath: 1}},
		{name: "bot mode 500s forever", prepare: func(s *sandbox.Server) {
			s.SetFault("GET "+botMemberPath(g, sandbox.AliceID), sandbox.Fault{Status: 500})
		},
			args: append(check, "--user", sandbox.AliceID, "--bot-token-env", "BOT_TOKEN"),
			code: 4, stderr: []string{"after 4 attempts"}, counts: map[string]int{botMemberPath(g, sandbox.AliceID): 4}},
	})
}

func TestGuildList(t *testing.T) {
	t.Parallel()
	runGuildCases(t, []guildCase{
		{name: "alice table", user: "alice", args: []string{"guild", "list"}, code: 0, counts: map[string]int{guildsPath: 1},
			stdout: "ID                   NAME           OWNER  PERMISSIONS\n" +
				sandbox.GuildID + "  Sandbox Guild  true   2251799813685247\n" +
				sandbox.OtherGuildID + "  Other Guild    false  1071698660929\n"},
		{name: "a hostile guild name is shown, not obeyed by the terminal", user: "alice", args: []string{"guild", "list"}, code: 0,
			seed: func(s *sandbox.Seed) { s.Guilds[0].Name = "Evil\x1b]0;owned\x07Guild" }, counts: map[string]int{guildsPath: 1},
			stdout: "ID                   NAME                     OWNER  PERMISSIONS\n" +
				sandbox.GuildID + "  Evil\\x1b]0;owned\\aGuild  true   2251799813685247\n" +
				sandbox.OtherGuildID + "  Other Guild              false  1071698660929\n"},
		{name: "stored expired token refreshed", user: "alice", stored: true, expired: true, args: []string{"guild", "list", "-o", "json"}, code: 0,
			counts: map[string]int{guildsPath: 1}, refreshes: 1,
			stdout: `{"guilds":[{"id":"` + sandbox.GuildID + `","name":"Sandbox Guild","owner":true,"permissions":"2251799813685247"},{"id":"` + sandbox.OtherGuildID + `","name":"Other Guild","owner":false,"permissions":"1071698660929"}]}` + "\n"},
		{name: "stored token without guilds scope", user: "alice", stored: true, scopes: []string{"identify"}, args: []string{"guild", "list"}, code: 3,
			stderr: []string{"listing guilds needs the guilds scope"}, counts: map[string]int{guildsPath: 0}},
		{name: "revoked", user: "alice", prepare: func(s *sandbox.Server) { s.RevokeAll() }, args: []string{"guild", "list"},
			code: 3, stderr: []string{"discord rejected the token (HTTP 401)"}, counts: map[string]int{guildsPath: 1}},
		{name: "429 beyond the budget", user: "alice", prepare: func(s *sandbox.Server) { s.SetFault("GET "+guildsPath, sandbox.Fault{RetryAfter: 12}) },
			args: []string{"guild", "list"}, code: 4, stderr: []string{"retry after"}, counts: map[string]int{guildsPath: 1}},
	})
}

func TestGuildListPagesThroughAllGuilds(t *testing.T) {
	t.Parallel()
	srv, cfg := guildSandbox(t)
	env := map[string]string{"AUTHCTL_CONFIG": cfg, "AUTHCTL_DISCORD_TOKEN": sandboxtest.DiscordLogin(t, srv, "carol", "identify", "guilds").AccessToken}
	srv.ResetCounts()
	code, stdout, stderr := runCLI(t, env, "guild", "list", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var got struct {
		Guilds []struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			Owner       *bool  `json:"owner"`
			Permissions string `json:"permissions"`
		} `json:"guilds"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if len(got.Guilds) != sandbox.ManyGuildsCount {
		t.Fatalf("got %d guilds, want %d", len(got.Guilds), sandbox.ManyGuildsCount)
	}
	seen := map[string]bool{}
	for _, g := range got.Guilds {
		if seen[g.ID] || g.Name == "" || g.Owner == nil || !*g.Owner || g.Permissions == "" {
			t.Fatalf("bad or repeated guild %+v", g)
		}
		seen[g.ID] = true
	}
	if n := srv.Count(http.MethodGet, guildsPath); n != 2 {
		t.Errorf("GET %s served %d times, want 2 (200 + 50)", guildsPath, n)
	}
}

// An exhausted bucket is waited out before the next page, not met with a 429.
func TestGuildListWaitsForExhaustedBucket(t *testing.T) {
	t.Parallel()
	seed := sandbox.DefaultSeed()
	seed.RateLimits = map[string]int{"users.me.guilds": 1}
	seed.RateLimitWindow = 0.3
	srv, cfg := guildSandbox(t, sandboxtest.WithSeed(seed))
	env := map[string]string{"AUTHCTL_CONFIG": cfg, "AUTHCTL_DISCORD_TOKEN": sandboxtest.DiscordLogin(t, srv, "carol", "identify", "guilds").AccessToken}
	srv.ResetCounts()
	code, stdout, stderr := runCLI(t, env, "guild", "list", "-o", "json")
	if code != 0 || strings.Count(stdout, `"id":`) != sandbox.ManyGuildsCount {
		t.Fatalf("exit %d, %d guilds, stderr %q", code, strings.Count(stdout, `"id":`), stderr)
	}
	if n := srv.Count(http.MethodGet, guildsPath); n != 2 {
		t.Errorf("GET %s served %d times, want 2: no request may hit the exhausted bucket", guildsPath, n)
	}
	// With no wait allowed the second page is not requested at all.
	srv.ResetCounts()
	code, _, stderr = runCLI(t, env, "guild", "list", "--max-wait", "0")
	if code != exitcode.Provider || !strings.Contains(stderr, "retry after") {
		t.Errorf("exit %d, stderr %q; want 4 saying when to retry", code, stderr)
	}
	if n := srv.Count(http.MethodGet, guildsPath); n > 1 {
		t.Errorf("GET %s served %d times with --max-wait 0, want at most 1", guildsPath, n)
	}
}

func TestGuildCheckFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want GuildCheckOptions
	}{
		{"defaults", []string{"--guild", "1"},
			GuildCheckOptions{Provider: "discord", Request: discord.Request{GuildID: "1"}, MaxWait: 10 * time.Second}},
		{"roles repeated, comma-separated and deduplicated", []string{"--guild", "1", "--role", "2,3", "--role", " 4", "--role", "2", "--all-roles"},
			GuildCheckOptions{Provider: "discord", Request: discord.Request{GuildID: "1", Roles: []string{"2", "3", "4"}, AllRoles: true}, MaxWait: 10 * time.Second}},
		{"bot mode", []string{"--guild", "1", "--user", "5", "--bot-token-env", "BOT", "--require-verified", "--max-wait", "1.5s", "-o", "json"},
			GuildCheckOptions{Provider: "discord", Request: discord.Request{GuildID: "1", UserID: "5", RequireVerified: true}, BotTokenEnv: "BOT", MaxWait: 1500 * time.Millisecond, JSON: true}},
		{"account and provider", []string{"--guild", "1", "--account", "work", "--provider", "discord-local"},
			GuildCheckOptions{Provider: "discord-local", Account: "work", Request: discord.Request{GuildID: "1"}, MaxWait: 10 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := ui.Test()
			f := &cmdutil.Factory{IO: ios, Global: &cmdutil.GlobalOptions{Output: ui.FormatText}, Getenv: func(string) string { return "" }}
			var got *GuildCheckOptions
			root := NewRootCmd(f)
			root.RemoveCommand(findCmd(root, "guild"))
			guild := newCmdGuild(f)
			guild.RemoveCommand(findCmd(guild, "check"))
			guild.AddCommand(newCmdGuildCheck(f, func(_ context.Context, o *GuildCheckOptions) error { got = o; return nil }))
			root.AddCommand(guild)
			root.SetArgs(append([]string{"guild", "check"}, tt.args...))
			if err := root.Execute(); err != nil {
				t.Fatalf("execute: %v", err)
			}
			got.IO, got.Access = nil, nil
			if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", tt.want) {
				t.Errorf("options = %+v\nwant      %+v", *got, tt.want)
			}
		})
	}
}

func findCmd(parent *cobra.Command, name string) *cobra.Command {
	for _, c := range parent.Commands() {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// cancelAfterResponse cancels a run once the first response has arrived.
type cancelAfterResponse struct {
	base   http.RoundTripper
	cancel context.CancelCauseFunc
}

func (c cancelAfterResponse) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	c.cancel(exitcode.Errorf(exitcode.Interrupted, "interrupted"))
	return resp, err
}

// Ctrl-C while waiting out a rate limit ends the wait at once with 130.
func TestGuildCheckInterruptedDuringRateLimitWait(t *testing.T) {
	t.Parallel()
	srv, cfg := guildSandbox(t)
	token := sandboxtest.DiscordLogin(t, srv, "alice", "identify", "guilds", "guilds.members.read").AccessToken
	srv.SetFault("GET "+memberPath, sandbox.Fault{RetryAfter: 9, Times: 1})
	srv.ResetCounts()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	ios, _, out, errOut := ui.Test()
	env := map[string]string{"AUTHCTL_CONFIG": cfg, "AUTHCTL_DISCORD_TOKEN": token}
	f := &cmdutil.Factory{
		IO: ios, Global: &cmdutil.GlobalOptions{Output: ui.FormatText}, Getenv: func(k string) string { return env[k] }, Now: time.Now,
		HTTPTransport: cancelAfterResponse{base: transport, cancel: cancel},
	}
	start := time.Now()
	code := Run(ctx, f, []string{"guild", "check", "--guild", sandbox.GuildID})
	if code != exitcode.Interrupted || out.Len() != 0 || !strings.Contains(errOut.String(), "interrupted") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 130 and 'interrupted'", code, out, errOut)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the 9 s rate-limit wait was not cut short by the interrupt")
	}
	if n := srv.Count(http.MethodGet, memberPath); n != 1 {
		t.Errorf("GET %s served %d times, want 1", memberPath, n)
	}
}

// TestGuildGolden holds the output contract of guild check and guild list —
// exit code, stdout and stderr — to testdata/golden/guild.
func TestGuildGolden(t *testing.T) {
	t.Parallel()
	g := sandbox.GuildID
	check := []string{"guild", "check", "--guild", g}
	with := func(extra ...string) []string { return append(append([]string{}, check...), extra...) }
	bot := func(user string, extra ...string) []string {
		return append(with("--user", user, "--bot-token-env", "BOT_TOKEN"), extra...)
	}
	lastOfCarol := strconv.FormatInt(sandbox.ManyGuildsFirst+sandbox.ManyGuildsCount-1, 10)
	guildsOnly := []string{"identify", "guilds"}
	runGuildCases(t, []guildCase{
		{golden: "check_member", user: "alice", args: check},
		{golden: "check_member_role", user: "alice", args: with("--role", sandbox.RoleAdminID)},
		{golden: "check_member_role_json", user: "alice", args: with("--role", sandbox.RoleGuestID+","+sandbox.RoleAdminID, "-o", "json")},
		{golden: "check_missing_role", user: "alice", args: with("--role", sandbox.RoleGuestID)},
		{golden: "check_missing_role_all", user: "alice", args: with("--role", sandbox.RoleAdminID, "--role", sandbox.RoleGuestID, "--all-roles")},
		{golden: "check_missing_role_json", user: "alice", args: with("--role", sandbox.RoleGuestID, "-o", "json")},
		{golden: "check_not_member", user: "carol", args: check},
		{golden: "check_not_member_json", user: "carol", args: with("--role", sandbox.RoleAdminID, "-o", "json")},
		{golden: "check_not_member_stored", user: "carol", stored: true, args: check},
		{golden: "check_pending", user: "bob", args: check},
		{golden: "check_pending_json", user: "bob", args: with("-o", "json")},
		{golden: "check_pending_required", user: "bob", args: with("--require-verified")},
		{golden: "check_pending_required_json", user: "bob", args: with("--require-verified", "-o", "json")},
		{golden: "check_guilds_scope_stored", user: "alice", stored: true, scopes: guildsOnly, args: check},
		{golden: "check_guilds_scope_stored_json", user: "carol", stored: true, scopes: guildsOnly, args: []string{"guild", "check", "--guild", lastOfCarol, "-o", "json"}},
		{golden: "check_guild_name_sanitized", user: "alice", stored: true, scopes: guildsOnly, args: check,
			seed: func(s *sandbox.Seed) { s.Guilds[0].Name = "Evil\x1b]0;owned\x07\nGuild" }},
		{golden: "check_guilds_scope_env", user: "carol", scopes: guildsOnly, args: []string{"guild", "check", "--guild", lastOfCarol}},
		{golden: "check_bot_member_role", args: bot(sandbox.AliceID, "--role", sandbox.RoleAdminID)},
		{golden: "check_bot_member_role_json", args: bot(sandbox.AliceID, "--role", sandbox.RoleAdminID, "-o", "json")},
		{golden: "check_bot_not_member", args: bot(sandbox.CarolID)},
		{golden: "check_bot_not_member_json", args: bot(sandbox.CarolID, "--role", sandbox.RoleAdminID, "-o", "json")},
		{golden: "check_bot_unknown_user", args: bot("999999999999999999")},
		{golden: "check_bot_pending_required_json", args: bot(sandbox.BobID, "--require-verified", "-o", "json")},
		{golden: "error_bot_not_in_guild", args: []string{"guild", "check", "--guild", sandbox.OtherGuildID, "--user", sandbox.AliceID, "--bot-token-env", "BOT_TOKEN"}},
		{golden: "error_bot_unknown_guild", seed: func(s *sandbox.Seed) { s.Bots[0].OutsideGuild = sandbox.BotOutsideUnknownGuild },
			args: []string{"guild", "check", "--guild", sandbox.OtherGuildID, "--user", sandbox.AliceID, "--bot-token-env", "BOT_TOKEN"}},
		{golden: "check_unknown_scopes_stored", user: "alice", stored: true, unknownScopes: true, scopes: guildsOnly, args: check},
		{golden: "error_role_needs_members_read_unknown_scopes_stored", user: "alice", stored: true, unknownScopes: true, scopes: guildsOnly, args: with("--role", sandbox.RoleAdminID)},
		{golden: "error_bot_token_refused", env: map[string]string{"BOT_TOKEN": "not-the-bot-token"}, args: bot(sandbox.AliceID)},
		{golden: "error_bot_token_unset", env: map[string]string{"BOT_TOKEN": ""}, args: bot(sandbox.AliceID)},
		{golden: "error_no_token", args: check},
		{golden: "error_revoked", user: "alice", prepare: func(s *sandbox.Server) { s.RevokeAll() }, args: check},
		{golden: "error_stored_revoked", user: "alice", stored: true, refreshes: 1, prepare: func(s *sandbox.Server) { s.RevokeAll() }, args: check},
		{golden: "error_role_needs_members_read_env", user: "alice", scopes: guildsOnly, args: with("--role", sandbox.RoleAdminID)},
		{golden: "error_role_needs_members_read_stored", user: "alice", stored: true, scopes: guildsOnly, args: with("--role", sandbox.RoleAdminID)},
		{golden: "error_identify_only_env", user: "alice", scopes: []string{"identify"}, args: check},
		{golden: "error_identify_only_stored", user: "alice", stored: true, scopes: []string{"identify"}, args: check},
		{golden: "error_unavailable", user: "alice", prepare: func(s *sandbox.Server) { s.SetFault("GET "+memberPath, sandbox.Fault{Status: 503}) }, args: check},
		{golden: "error_malformed", user: "alice", prepare: func(s *sandbox.Server) { s.SetFault("GET "+memberPath, sandbox.Fault{MalformedJSON: true}) }, args: check},
		{golden: "error_bad_guild", args: []string{"guild", "check", "--guild", "abc"}},
		{golden: "error_bad_role", args: with("--role", "admin")},
		{golden: "list_table", user: "alice", args: []string{"guild", "list"}},
		{golden: "list_json", user: "alice", args: []string{"guild", "list", "-o", "json"}},
		{golden: "list_stored_json", user: "alice", stored: true, args: []string{"guild", "list", "-o", "json"}},
		{golden: "error_list_needs_guilds_stored", user: "alice", stored: true, scopes: []string{"identify"}, args: []string{"guild", "list"}},
		{golden: "error_list_needs_guilds_env", user: "alice", scopes: []string{"identify"}, args: []string{"guild", "list"}},
		{golden: "error_list_revoked", user: "alice", prepare: func(s *sandbox.Server) { s.RevokeAll() }, args: []string{"guild", "list"}},
	})
}

// The login hint names the provider entry the command ran with, not always "discord".
func TestGuildLoginHintNamesTheProvider(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte(strings.Replace(srv.ConfigYAML(), "\n  discord:\n", "\n  discord-local:\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	backend, fs := fileCredentials(t)
	cred := storeDiscordCredential(t, fs, sandboxtest.DiscordLogin(t, srv, "alice", "identify"), "alice", []string{"identify"}, false)
	cred.Provider = "discord-local"
	if err := fs.Put(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AUTHCTL_CONFIG": cfg}
	for _, args := range [][]string{
		{"guild", "check", "--guild", sandbox.GuildID, "--provider", "discord-local"},
		{"guild", "list", "--provider", "discord-local"},
	} {
		code, _, stderr := runGuildCLI(t, env, backend, args...)
		if code != exitcode.Auth || !strings.Contains(stderr, "which the stored token lacks; re-login with scope ") ||
			!strings.HasSuffix(stderr, ": authctl login discord-local --scopes identify,guilds,guilds.members.read\n") {
			t.Errorf("%v: exit %d, stderr %q; want 3 and a hint to log in to discord-local", args[:2], code, stderr)
		}
	}
}
