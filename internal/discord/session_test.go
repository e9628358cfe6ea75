package discord

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// session is a Session on a sandbox entry "discord-local" with nothing stored; apiURLs records
// the URLs the login was asked for.
func session(t *testing.T, apiURLs *[]string) (*sandbox.Server, *Session) {
	t.Helper()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	cfg, getenv := loadConfig(t, "providers:\n  discord-local:\n    kind: discord\n    client_id: \"1\"\n    api_url: \""+srv.URL()+"/api/v10\"\n", nil)
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	return srv, &Session{Provider: "discord-local", Config: func() (*config.Config, error) { return cfg, nil }, Getenv: getenv,
		HTTP: func() *http.Client { return &http.Client{Transport: transport} }, MaxWait: time.Second,
		Login: func(_ context.Context, rejected, apiURL string) (*provider.Credential, error) {
			*apiURLs = append(*apiURLs, apiURL)
			return nil, exitcode.Errorf(exitcode.Auth, "not logged in to discord-local")
		}}
}

// A session answers with the stored login on the entry's API, and gives what it could not
// answer its exit code and the way out.
func TestSessionCheck(t *testing.T) {
	t.Parallel()
	var urls []string
	srv, s := session(t, &urls)
	tok := sandboxtest.DiscordLogin(t, srv, "alice", allScopes...)
	s.Login = func(_ context.Context, _, apiURL string) (*provider.Credential, error) {
		urls = append(urls, apiURL)
		return &provider.Credential{AccessToken: tok.AccessToken, Scopes: allScopes, UserID: sandbox.AliceID, UserName: "alice"}, nil
	}
	ctx := context.Background()
	res, err := s.Check(ctx, Request{GuildID: sandbox.GuildID, Roles: []string{sandbox.RoleAdminID}}, "")
	if err != nil || !res.OK() || len(urls) != 1 || urls[0] != srv.URL()+"/api/v10" {
		t.Fatalf("Check = %+v, %v; login asked for %q", res, err, urls)
	}
	for _, tt := range []struct {
		req  Request
		bot  string // the variable BOT
		code int
		want string
	}{
		{Request{GuildID: sandbox.OtherGuildID, UserID: sandbox.AliceID}, sandbox.BotToken, exitcode.Usage, "; invite the bot to the guild, or check --guild"},
		{Request{GuildID: sandbox.GuildID, UserID: sandbox.AliceID}, "Bot wrong", exitcode.Auth, "discord refused the bot token from BOT (HTTP 401): check the token and the bot's access to guild " + sandbox.GuildID},
		{Request{GuildID: sandbox.GuildID, UserID: sandbox.AliceID}, "", exitcode.Usage, "missing bot token: environment variable BOT is empty or unset"},
	} {
		s.Getenv = func(k string) string { return map[string]string{"BOT": tt.bot}[k] }
		if _, err := s.Check(ctx, tt.req, "BOT"); exitcode.Of(err) != tt.code || !strings.HasSuffix(err.Error(), tt.want) {
			t.Errorf("%+v with BOT=%q: %v (exit %d), want exit %d ending %q", tt.req, tt.bot, err, exitcode.Of(err), tt.code, tt.want)
		}
	}
	srv.RevokeAll()
	if _, err := s.Check(ctx, Request{GuildID: sandbox.GuildID}, ""); exitcode.Of(err) != exitcode.Auth || err.Error() != "discord rejected the token (HTTP 401): run authctl login discord-local" {
		t.Errorf("revoked login: %v (exit %d)", err, exitcode.Of(err))
	}
	if _, err := s.Guilds(ctx); exitcode.Of(err) != exitcode.Auth || err.Error() != "discord rejected the token (HTTP 401): run "+LoginHint("discord-local") {
		t.Errorf("Guilds with a revoked login: %v (exit %d)", err, exitcode.Of(err))
	}
	s.Provider = "nowhere"
	if _, err := s.Guilds(ctx); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("an unknown entry: %v (exit %d), want exit 2", err, exitcode.Of(err))
	}
}

// Nothing stored comes back as the login said it, not as a Discord failure.
func TestSessionWithoutLogin(t *testing.T) {
	t.Parallel()
	var urls []string
	_, s := session(t, &urls)
	if _, err := s.Guilds(context.Background()); exitcode.Of(err) != exitcode.Auth || err.Error() != "not logged in to discord-local" {
		t.Errorf("Guilds: %v (exit %d)", err, exitcode.Of(err))
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		res  Result
		want string
	}{
		{Result{Guild: "1", GuildName: " Ops\nTeam ", User: "2", Username: "alice", Member: true, MatchedRoles: []string{"3", "4"}, Pending: true, RolesKnown: true},
			"alice (2) is in guild Ops Team (1) with role 3, 4 (pending membership screening)"},
		{Result{Guild: "1", User: "2", Member: true}, "user 2 is in guild 1 (roles not checked: the token has only the guilds scope)"},
		{Result{Guild: "1", Username: "bob\x1b[31m", Member: true, RolesKnown: true, Reason: "lacks role 3"}, `bob\x1b[31m is in guild 1 but lacks role 3`},
		{Result{Guild: "1", Reason: "not a member"}, "the token's user is not in guild 1"},
	} {
		if got := tt.res.Summary(); got != tt.want {
			t.Errorf("Summary() = %q, want %q", got, tt.want)
		}
	}
}

func TestCheckIDAndRoleIDs(t *testing.T) {
	t.Parallel()
	if err := CheckID("--guild", ""); exitcode.Of(err) != exitcode.Usage || err.Error() != "--guild needs a Discord ID" {
		t.Errorf("empty: %v", err)
	}
	if err := CheckID("--user", "12a"); exitcode.Of(err) != exitcode.Usage || err.Error() != `--user must be a Discord ID (digits only), not "12a"` {
		t.Errorf("not digits: %v", err)
	}
	roles, err := RoleIDs([]string{"2", " 3", "2", "4 "})
	if err != nil || strings.Join(roles, ",") != "2,3,4" {
		t.Errorf("RoleIDs = %q, %v", roles, err)
	}
	if _, err := RoleIDs([]string{"2", "x"}); exitcode.Of(err) != exitcode.Usage || !strings.HasPrefix(err.Error(), "--role must be") {
		t.Errorf("a bad role: %v", err)
	}
}

func TestCheckMaxWait(t *testing.T) {
	t.Parallel()
	if err := CheckMaxWait(0); err != nil {
		t.Errorf("0: %v", err)
	}
	if err := CheckMaxWait(-time.Second); exitcode.Of(err) != exitcode.Usage || err.Error() != "--max-wait must not be negative, not -1s" {
		t.Errorf("-1s: %v", err)
	}
}
