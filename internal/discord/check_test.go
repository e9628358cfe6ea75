package discord

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// checkSandbox starts an auto-approving sandbox and a Checker talking to it over loopback HTTP.
func checkSandbox(t *testing.T, opts ...sandboxtest.Option) (*sandbox.Server, *Checker) {
	t.Helper()
	srv := sandboxtest.Start(t, append(opts, sandboxtest.AutoApprove())...)
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	return srv, &Checker{Client: &Client{HTTP: &http.Client{Transport: transport}, BaseURL: srv.URL() + "/api/v10", MaxWait: time.Second, Backoff: time.Millisecond}}
}

// testTokens is a TokenSource over a real sandbox token. Stored tokens carry
// their scopes and user and refresh at the sandbox; environment tokens carry
// neither and cannot refresh.
type testTokens struct {
	conf      *oauth2.Config
	tok       *oauth2.Token
	user      *UserToken
	refreshes atomic.Int32
}

func storedTokens(t *testing.T, srv *sandbox.Server, user, userID string, scopes ...string) *testTokens {
	t.Helper()
	tok := sandboxtest.DiscordLogin(t, srv, user, scopes...)
	return &testTokens{conf: sandboxtest.DiscordConfig(srv, scopes...), tok: tok,
		user: &UserToken{AccessToken: tok.AccessToken, Scopes: scopes, UserID: userID, UserName: user, Refreshable: true}}
}

func envTokens(t *testing.T, srv *sandbox.Server, user string, scopes ...string) *testTokens {
	t.Helper()
	return &testTokens{user: &UserToken{AccessToken: sandboxtest.DiscordLogin(t, srv, user, scopes...).AccessToken}}
}

func (s *testTokens) Token(ctx context.Context, rejected string) (*UserToken, error) {
	if rejected == "" {
		return s.user, nil
	}
	s.refreshes.Add(1)
	fresh, err := s.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: s.tok.RefreshToken}).Token()
	if err != nil {
		return nil, err
	}
	s.tok = fresh
	u := *s.user
	u.AccessToken = fresh.AccessToken
	s.user = &u
	return s.user, nil
}

var allScopes = []string{"identify", ScopeGuilds, ScopeGuildsMembersRead}

func TestCheckUserAnswers(t *testing.T) {
	t.Parallel()
	g := sandbox.GuildID
	tests := []struct {
		name   string
		tokens func(*testing.T, *sandbox.Server) *testTokens
		req    Request
		want   Result
		// GET paths the sandbox served, and how often
		counts map[string]int
	}{
		{"member with a role", func(t *testing.T, s *sandbox.Server) *testTokens {
			return storedTokens(t, s, "alice", sandbox.AliceID, allScopes...)
		}, Request{GuildID: g, Roles: []string{sandbox.RoleGuestID, sandbox.RoleAdminID}},
			Result{Guild: g, User: sandbox.AliceID, Username: "alice", Member: true, Roles: []string{sandbox.RoleAdminID, sandbox.RoleMemberID},
				MatchedRoles: []string{sandbox.RoleAdminID}, MissingRoles: []string{sandbox.RoleGuestID}, RolesKnown: true},
			map[string]int{"/users/@me/guilds/" + g + "/member": 1}},
		{"all roles, one missing", func(t *testing.T, s *sandbox.Server) *testTokens {
			return storedTokens(t, s, "alice", sandbox.AliceID, allScopes...)
		}, Request{GuildID: g, Roles: []string{sandbox.RoleAdminID, sandbox.RoleGuestID}, AllRoles: true},
			Result{Guild: g, User: sandbox.AliceID, Username: "alice", Member: true, Roles: []string{sandbox.RoleAdminID, sandbox.RoleMemberID},
				MatchedRoles: []string{sandbox.RoleAdminID}, MissingRoles: []string{sandbox.RoleGuestID}, RolesKnown: true, Reason: "lacks role " + sandbox.RoleGuestID},
			nil},
		{"pending refused with RequireVerified", func(t *testing.T, s *sandbox.Server) *testTokens {
			return envTokens(t, s, "bob", allScopes...)
		}, Request{GuildID: g, RequireVerified: true},
			Result{Guild: g, User: sandbox.BobID, Username: "bob", Member: true, Pending: true, Roles: []string{}, MatchedRoles: []string{}, MissingRoles: []string{},
				RolesKnown: true, Reason: "has not passed membership screening yet (pending)"},
			nil},
		{"environment token, not a member: the user is asked for", func(t *testing.T, s *sandbox.Server) *testTokens {
			return envTokens(t, s, "carol", allScopes...)
		}, Request{GuildID: g, Roles: []string{sandbox.RoleAdminID}},
			Result{Guild: g, User: sandbox.CarolID, Username: "carol", Roles: []string{}, MatchedRoles: []string{}, MissingRoles: []string{sandbox.RoleAdminID}, Reason: "not a member"},
			map[string]int{"/users/@me/guilds/" + g + "/member": 1, "/users/@me": 1}},
		{"stored guilds scope only: paging, no member lookup", func(t *testing.T, s *sandbox.Server) *testTokens {
			return storedTokens(t, s, "alice", sandbox.AliceID, "identify", ScopeGuilds)
		}, Request{GuildID: g},
			Result{Guild: g, GuildName: "Sandbox Guild", User: sandbox.AliceID, Username: "alice", Member: true, Roles: []string{}, MatchedRoles: []string{}, MissingRoles: []string{}},
			map[string]int{"/users/@me/guilds/" + g + "/member": 0, "/users/@me/guilds": 1}},
		{"environment token without guilds.members.read: Discord's 401 told apart, then paging", func(t *testing.T, s *sandbox.Server) *testTokens {
			return envTokens(t, s, "alice", "identify", ScopeGuilds)
		}, Request{GuildID: g},
			Result{Guild: g, GuildName: "Sandbox Guild", User: sandbox.AliceID, Username: "alice", Member: true, Roles: []string{}, MatchedRoles: []string{}, MissingRoles: []string{}},
			map[string]int{"/users/@me/guilds/" + g + "/member": 1, "/oauth2/@me": 1, "/users/@me/guilds": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := checkSandbox(t)
			tt.req.Tokens = tt.tokens(t, srv)
			srv.ResetCounts()
			got, err := c.Check(context.Background(), tt.req)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			assertResult(t, got, &tt.want)
			for path, n := range tt.counts {
				if served := srv.Count(http.MethodGet, "/api/v10"+path); served != n {
					t.Errorf("GET %s served %d times, want %d", path, served, n)
				}
			}
		})
	}
}

func assertResult(t *testing.T, got, want *Result) {
	t.Helper()
	same := got.Guild == want.Guild && got.GuildName == want.GuildName && got.User == want.User && got.Username == want.Username && got.Member == want.Member &&
		got.Pending == want.Pending && slices.Equal(got.Roles, want.Roles) && slices.Equal(got.MatchedRoles, want.MatchedRoles) &&
		slices.Equal(got.MissingRoles, want.MissingRoles) && got.RolesKnown == want.RolesKnown && got.Reason == want.Reason
	if !same || got.Roles == nil || got.MatchedRoles == nil || got.MissingRoles == nil {
		t.Errorf("result %+v\nwant   %+v (lists never nil)", *got, *want)
	}
	if got.OK() != (want.Reason == "") {
		t.Errorf("OK() = %t with reason %q", got.OK(), got.Reason)
	}
}

// A stored token Discord answers 401 to is refreshed once, and the check asked again.
func TestCheckRefreshesOnceAfter401(t *testing.T) {
	t.Parallel()
	srv, c := checkSandbox(t)
	src := storedTokens(t, srv, "alice", sandbox.AliceID, allScopes...)
	srv.ExpireAccessTokens()
	got, err := c.Check(context.Background(), Request{GuildID: sandbox.GuildID, Tokens: src})
	if err != nil || !got.OK() || src.refreshes.Load() != 1 {
		t.Fatalf("Check = %+v, %v after %d refreshes; want a member after one refresh", got, err, src.refreshes.Load())
	}
	// Revoked: the refresh fails and its error is the answer; no second refresh.
	srv.RevokeAll()
	src.refreshes.Store(0)
	_, err = c.Check(context.Background(), Request{GuildID: sandbox.GuildID, Tokens: src})
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || src.refreshes.Load() != 1 {
		t.Fatalf("revoked: %v after %d refreshes, want the refresh error after one", err, src.refreshes.Load())
	}
}

func TestCheckUserErrors(t *testing.T) {
	t.Parallel()
	g := sandbox.GuildID
	tests := []struct {
		name    string
		tokens  func(*testing.T, *sandbox.Server) *testTokens
		prepare func(*sandbox.Server)
		req     Request
		want    func(error) bool
		member  int // GET member requests the sandbox served
	}{
		{"environment token revoked: rejected, no refresh", func(t *testing.T, s *sandbox.Server) *testTokens { return envTokens(t, s, "alice", allScopes...) },
			func(s *sandbox.Server) { s.RevokeAll() }, Request{GuildID: g},
			func(err error) bool {
				var e *TokenRejectedError
				return errors.As(err, &e) && e.Status == 401 && !e.Bot
			}, 1},
		{"stored guilds scope only, roles asked: refused before any request", func(t *testing.T, s *sandbox.Server) *testTokens {
			return storedTokens(t, s, "alice", sandbox.AliceID, "identify", ScopeGuilds)
		}, nil, Request{GuildID: g, Roles: []string{sandbox.RoleAdminID}},
			func(err error) bool {
				var e *ScopeError
				return errors.As(err, &e) && e.Scope == ScopeGuildsMembersRead && e.Refused == nil
			}, 0},
		{"stored identify only: refused before any request", func(t *testing.T, s *sandbox.Server) *testTokens {
			return storedTokens(t, s, "alice", sandbox.AliceID, "identify")
		}, nil, Request{GuildID: g},
			func(err error) bool {
				var e *ScopeError
				return errors.As(err, &e) && e.Missing == ScopeGuildsMembersRead+" or "+ScopeGuilds && e.Refused == nil
			}, 0},
		{"environment token without guilds.members.read, roles asked: the scope is named", func(t *testing.T, s *sandbox.Server) *testTokens {
			return envTokens(t, s, "alice", "identify", ScopeGuilds)
		}, nil, Request{GuildID: g, Roles: []string{sandbox.RoleAdminID}},
			func(err error) bool {
				var e *ScopeError
				return errors.As(err, &e) && e.Scope == ScopeGuildsMembersRead && e.Refused != nil && e.Refused.Status == 401 &&
					slices.Equal(e.Has, []string{"identify", ScopeGuilds})
			}, 1},
		{"environment token with neither scope", func(t *testing.T, s *sandbox.Server) *testTokens {
			return envTokens(t, s, "alice", "identify")
		}, nil, Request{GuildID: g},
			func(err error) bool {
				var e *ScopeError
				return errors.As(err, &e) && e.Missing == ScopeGuildsMembersRead+" or "+ScopeGuilds && e.Refused != nil
			}, 1},
		{"server failure is the client's error", func(t *testing.T, s *sandbox.Server) *testTokens { return envTokens(t, s, "alice", allScopes...) },
			func(s *sandbox.Server) {
				s.SetFault("GET /api/v10/users/@me/guilds/"+g+"/member", sandbox.Fault{Status: 503})
			}, Request{GuildID: g},
			func(err error) bool { var e *UnavailableError; return errors.As(err, &e) }, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := checkSandbox(t)
			tt.req.Tokens = tt.tokens(t, srv)
			if tt.prepare != nil {
				tt.prepare(srv)
			}
			srv.ResetCounts()
			got, err := c.Check(context.Background(), tt.req)
			if got != nil || !tt.want(err) {
				t.Fatalf("Check = %+v, %v (%T)", got, err, err)
			}
			if n := srv.Count(http.MethodGet, "/api/v10/users/@me/guilds/"+g+"/member"); n != tt.member {
				t.Errorf("member lookups: %d, want %d", n, tt.member)
			}
		})
	}
}

func TestCheckBot(t *testing.T) {
	t.Parallel()
	_, c := checkSandbox(t)
	g := sandbox.GuildID
	check := func(token, guild, user string) (*Result, error) {
		return c.Check(context.Background(), Request{GuildID: guild, UserID: user, BotToken: token, Roles: []string{sandbox.RoleAdminID}})
	}
	got, err := check(sandbox.BotToken, g, sandbox.AliceID)
	if err != nil {
		t.Fatal(err)
	}
	assertResult(t, got, &Result{Guild: g, User: sandbox.AliceID, Username: "alice", Member: true, Roles: []string{sandbox.RoleAdminID, sandbox.RoleMemberID},
		MatchedRoles: []string{sandbox.RoleAdminID}, MissingRoles: []string{}, RolesKnown: true})
	for _, user := range []string{sandbox.CarolID, "999999999999999999"} { // 10007 Unknown Member, 10013 Unknown User
		got, err := check(sandbox.BotToken, g, user)
		if err != nil {
			t.Fatal(err)
		}
		assertResult(t, got, &Result{Guild: g, User: user, Roles: []string{}, MatchedRoles: []string{}, MissingRoles: []string{sandbox.RoleAdminID}, Reason: "not a member"})
	}
	for guild, code := range map[string]int{"42": CodeUnknownGuild, sandbox.OtherGuildID: CodeMissingAccess} { // no such guild; a guild the bot is not in
		var hidden *GuildNotVisibleError
		if _, err := check(sandbox.BotToken, guild, sandbox.AliceID); !errors.As(err, &hidden) || hidden.Refused.Code != code {
			t.Errorf("guild %s: %v, want GuildNotVisibleError with code %d", guild, err, code)
		}
	}
	var rejected *TokenRejectedError
	if _, err := check("not-the-bot-token", g, sandbox.AliceID); !errors.As(err, &rejected) || !rejected.Bot || rejected.Status != 401 {
		t.Errorf("bad bot token: %v, want a rejected bot token (401)", err)
	}
	if _, err := c.Check(context.Background(), Request{GuildID: g}); err == nil {
		t.Error("a request with neither a bot token nor a token source was accepted")
	}
}

// A bot outside a guild may get 404 10004 instead of 403 50001: the same answer.
func TestCheckBotOutsideGuildHidden(t *testing.T) {
	t.Parallel()
	seed := sandbox.DefaultSeed()
	seed.Bots[0].OutsideGuild = sandbox.BotOutsideUnknownGuild
	_, c := checkSandbox(t, sandboxtest.WithSeed(seed))
	var hidden *GuildNotVisibleError
	_, err := c.Check(context.Background(), Request{GuildID: sandbox.OtherGuildID, UserID: sandbox.AliceID, BotToken: sandbox.BotToken})
	if !errors.As(err, &hidden) || hidden.Refused.Status != 404 || hidden.Refused.Code != CodeUnknownGuild {
		t.Fatalf("Check: %v, want GuildNotVisibleError from 404 10004", err)
	}
}

func TestListGuilds(t *testing.T) {
	t.Parallel()
	srv, c := checkSandbox(t)
	src := envTokens(t, srv, "carol", "identify", ScopeGuilds)
	guilds, err := c.ListGuilds(context.Background(), src)
	if err != nil || len(guilds) != sandbox.ManyGuildsCount {
		t.Fatalf("ListGuilds: %d guilds, %v; want %d", len(guilds), err, sandbox.ManyGuildsCount)
	}
	stored := storedTokens(t, srv, "alice", sandbox.AliceID, "identify")
	var se *ScopeError
	if _, err := c.ListGuilds(context.Background(), stored); !errors.As(err, &se) || se.Scope != ScopeGuilds || se.Refused != nil {
		t.Errorf("stored token without guilds: %v, want a ScopeError for guilds before any request", err)
	}
	env := envTokens(t, srv, "alice", "identify")
	if _, err := c.ListGuilds(context.Background(), env); !errors.As(err, &se) || se.Scope != ScopeGuilds || se.Refused == nil {
		t.Errorf("environment token without guilds: %v, want a ScopeError for guilds after Discord's 401", err)
	}
	revoked := envTokens(t, srv, "alice", "identify", ScopeGuilds)
	srv.RevokeAll()
	var rejected *TokenRejectedError
	if _, err := c.ListGuilds(context.Background(), revoked); !errors.As(err, &rejected) || rejected.Status != 401 {
		t.Errorf("revoked token: %v, want a rejected token", err)
	}
}

// A refreshable token Discord refuses for a missing scope is not refreshed: the
// scope, not the token, is the trouble.
func TestCheckMissingScopeIsNotRefreshed(t *testing.T) {
	t.Parallel()
	srv, c := checkSandbox(t)
	src := storedTokens(t, srv, "alice", sandbox.AliceID, "identify", ScopeGuilds)
	src.user.Scopes = nil // a credential stored without its scopes
	got, err := c.Check(context.Background(), Request{GuildID: sandbox.GuildID, Tokens: src})
	if err != nil || !got.OK() || got.RolesKnown || src.refreshes.Load() != 0 {
		t.Fatalf("Check = %+v, %v after %d refreshes; want a member found by paging, no refresh", got, err, src.refreshes.Load())
	}
	_, err = c.Check(context.Background(), Request{GuildID: sandbox.GuildID, Tokens: src, RequireVerified: true})
	var se *ScopeError
	if !errors.As(err, &se) || se.Scope != ScopeGuildsMembersRead || src.refreshes.Load() != 0 {
		t.Fatalf("screening asked: %v after %d refreshes; want a ScopeError for guilds.members.read, no refresh", err, src.refreshes.Load())
	}
}
