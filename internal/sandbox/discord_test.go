package sandbox_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

func discordConfig(base string, style oauth2.AuthStyle, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: sandbox.DiscordClientID, ClientSecret: sandbox.DiscordClientSecret,
		RedirectURL: sandbox.DiscordRedirectURI, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: base + "/oauth2/authorize", TokenURL: base + "/api/oauth2/token", AuthStyle: style},
	}
}

// discordLogin runs code+PKCE and returns the token.
func discordLogin(t *testing.T, srv *sandbox.Server, scopes ...string) *oauth2.Token {
	t.Helper()
	conf := discordConfig(srv.URL(), oauth2.AuthStyleInHeader, scopes...)
	verifier, challenge := pkce()
	q := authorize(t, conf.AuthCodeURL("st4te", challenge), sandbox.DiscordRedirectURI)
	tok, err := conf.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

// PROVIDERS.md Discord: code + PKCE S256, token response fields, space-separated scopes.
// fidelity: discord-token-response, discord-pkce, discord-users-me
func TestDiscordCodePKCE(t *testing.T) {
	t.Parallel()
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		t.Run(fmt.Sprint("authstyle ", style), func(t *testing.T) {
			t.Parallel()
			srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
			conf := discordConfig(srv.URL(), style, "identify", "guilds")
			verifier, challenge := pkce()
			q := authorize(t, conf.AuthCodeURL("st4te", challenge), sandbox.DiscordRedirectURI+"?")
			if q.Get("state") != "st4te" || q.Get("code") == "" {
				t.Fatalf("callback query %v: want code and state echoed", q)
			}
			tok, err := conf.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if tok.TokenType != "Bearer" || tok.RefreshToken == "" || tok.Extra("scope") != "identify guilds" {
				t.Fatalf("token: type %q refresh %t scope %v", tok.TokenType, tok.RefreshToken != "", tok.Extra("scope"))
			}
			if ei, _ := tok.Extra("expires_in").(float64); ei != 604800 {
				t.Fatalf("expires_in = %v, want 604800", tok.Extra("expires_in"))
			}
			status, _, body := get(t, srv.URL()+"/api/v10/users/@me", "Bearer "+tok.AccessToken)
			me := decode[map[string]any](t, body)
			if status != 200 || me["id"] != sandbox.AliceID || me["username"] != sandbox.AliceUsername {
				t.Fatalf("/users/@me: %d %s", status, body)
			}
		})
	}
}

// PROVIDERS.md Discord: refresh returns a new refresh token (the old one stops working);
// a failed refresh is 400 invalid_grant.
// fidelity: discord-refresh-rotation
func TestDiscordRefreshRotation(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	tok := discordLogin(t, srv, "identify")
	conf := discordConfig(srv.URL(), oauth2.AuthStyleInHeader)
	old := &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}
	fresh, err := conf.TokenSource(clientCtx(t), old).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken || fresh.AccessToken == tok.AccessToken {
		t.Fatal("refresh did not rotate both tokens")
	}
	_, err = conf.TokenSource(clientCtx(t), old).Token()
	retrieveError(t, err, "invalid_grant", http.StatusBadRequest)
	if status, _, _ := get(t, srv.URL()+"/api/v10/users/@me", "Bearer "+fresh.AccessToken); status != 200 {
		t.Fatalf("new access token: status %d", status)
	}
}

// PROVIDERS.md Discord: token endpoint errors (JSON refused, client auth, single-use code, PKCE).
// fidelity: discord-token-form-only, discord-token-client-auth, discord-code-single-use, discord-pkce
func TestDiscordTokenErrors(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	tokenURL := srv.URL() + "/api/oauth2/token"
	newCode := func(challenge oauth2.AuthCodeOption) string {
		conf := discordConfig(srv.URL(), oauth2.AuthStyleInParams, "identify")
		return authorize(t, conf.AuthCodeURL("s", challenge), sandbox.DiscordRedirectURI).Get("code")
	}
	verifier, challenge := pkce()
	form := func(code, v string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {sandbox.DiscordRedirectURI}, "code_verifier": {v}}
	}

	t.Run("json body refused", func(t *testing.T) {
		body := fmt.Sprintf(`{"grant_type":"authorization_code","code":%q,"client_id":%q,"client_secret":%q}`, newCode(challenge), sandbox.DiscordClientID, sandbox.DiscordClientSecret)
		req, _ := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		status, _, resp := do(t, req)
		if status != 400 || decode[map[string]string](t, resp)["error"] == "" {
			t.Fatalf("JSON token request: %d %s, want 400 with error", status, resp)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		status, _, resp := postForm(t, tokenURL, form(newCode(challenge), verifier), sandbox.DiscordClientID, "nope")
		if status != 401 || decode[map[string]string](t, resp)["error"] != "invalid_client" {
			t.Fatalf("wrong secret: %d %s", status, resp)
		}
	})
	t.Run("secret required for a confidential client", func(t *testing.T) {
		f := form(newCode(challenge), verifier)
		f.Set("client_id", sandbox.DiscordClientID)
		status, _, resp := postForm(t, tokenURL, f, "", "")
		if status != 401 || decode[map[string]string](t, resp)["error"] != "invalid_client" {
			t.Fatalf("no secret: %d %s", status, resp)
		}
	})
	t.Run("code single use", func(t *testing.T) {
		code := newCode(challenge)
		if status, _, resp := postForm(t, tokenURL, form(code, verifier), sandbox.DiscordClientID, sandbox.DiscordClientSecret); status != 200 {
			t.Fatalf("first use: %d %s", status, resp)
		}
		status, _, resp := postForm(t, tokenURL, form(code, verifier), sandbox.DiscordClientID, sandbox.DiscordClientSecret)
		if status != 400 || decode[map[string]string](t, resp)["error"] != "invalid_grant" {
			t.Fatalf("second use: %d %s", status, resp)
		}
	})
	t.Run("wrong verifier", func(t *testing.T) {
		status, _, resp := postForm(t, tokenURL, form(newCode(challenge), oauth2.GenerateVerifier()), sandbox.DiscordClientID, sandbox.DiscordClientSecret)
		if status != 400 || decode[map[string]string](t, resp)["error"] != "invalid_grant" {
			t.Fatalf("wrong verifier: %d %s", status, resp)
		}
	})
	t.Run("short verifier", func(t *testing.T) {
		short := "abc"
		status, _, resp := postForm(t, tokenURL, form(newCode(challenge), short), sandbox.DiscordClientID, sandbox.DiscordClientSecret)
		if status != 400 || decode[map[string]string](t, resp)["error"] != "invalid_grant" {
			t.Fatalf("short verifier: %d %s", status, resp)
		}
	})
	t.Run("redirect_uri differs", func(t *testing.T) {
		f := form(newCode(challenge), verifier)
		f.Set("redirect_uri", "http://127.0.0.1:28682/other")
		status, _, resp := postForm(t, tokenURL, f, sandbox.DiscordClientID, sandbox.DiscordClientSecret)
		if status != 400 || decode[map[string]string](t, resp)["error"] != "invalid_grant" {
			t.Fatalf("redirect mismatch: %d %s", status, resp)
		}
	})
	t.Run("unknown grant type", func(t *testing.T) {
		status, _, resp := postForm(t, tokenURL, url.Values{"grant_type": {"password"}}, sandbox.DiscordClientID, sandbox.DiscordClientSecret)
		if status != 400 || decode[map[string]string](t, resp)["error"] != "unsupported_grant_type" {
			t.Fatalf("password grant: %d %s", status, resp)
		}
	})
}

// PROVIDERS.md Discord: the redirect URI must match a registered one exactly, port included.
// fidelity: discord-redirect-exact, discord-authorize-errors, discord-pkce
func TestDiscordAuthorizeValidation(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	base := srv.URL() + "/oauth2/authorize?"
	_, challenge := pkce()
	good := discordConfig(srv.URL(), oauth2.AuthStyleInHeader, "identify")

	for name, redirect := range map[string]string{
		"other port":      "http://127.0.0.1:53683/callback",
		"localhost":       "http://localhost:28682/callback",
		"other path":      "http://127.0.0.1:28682/cb",
		"missing":         "",
		"not registered":  "https://example.com/callback",
		"trailing slash":  "http://127.0.0.1:28682/callback/",
		"with a fragment": "http://127.0.0.1:28682/callback#x",
	} {
		t.Run("redirect "+name, func(t *testing.T) {
			c := *good
			c.RedirectURL = redirect
			authorizeRefused(t, c.AuthCodeURL("s", challenge))
		})
	}
	t.Run("unknown client", func(t *testing.T) {
		authorizeRefused(t, base+url.Values{"client_id": {"999"}, "redirect_uri": {sandbox.DiscordRedirectURI}, "response_type": {"code"}}.Encode())
	})
	for name, tc := range map[string]struct {
		params url.Values
		err    string
	}{
		"unknown scope":        {url.Values{"scope": {"identify admin"}, "response_type": {"code"}}, "invalid_scope"},
		"no response_type":     {url.Values{"scope": {"identify"}}, "unsupported_response_type"},
		"token response_type":  {url.Values{"scope": {"identify"}, "response_type": {"token"}}, "unsupported_response_type"},
		"plain PKCE":           {url.Values{"scope": {"identify"}, "response_type": {"code"}, "code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"plain"}}, "invalid_request"},
		"short code_challenge": {url.Values{"scope": {"identify"}, "response_type": {"code"}, "code_challenge": {"abc"}, "code_challenge_method": {"S256"}}, "invalid_request"},
	} {
		t.Run(name, func(t *testing.T) {
			tc.params.Set("client_id", sandbox.DiscordClientID)
			tc.params.Set("redirect_uri", sandbox.DiscordRedirectURI)
			tc.params.Set("state", "keep")
			q := authorize(t, base+tc.params.Encode(), sandbox.DiscordRedirectURI)
			if q.Get("error") != tc.err || q.Get("state") != "keep" || q.Get("code") != "" {
				t.Fatalf("callback %v, want error=%s with state and no code", q, tc.err)
			}
		})
	}
	t.Run("public client needs PKCE, no secret", func(t *testing.T) {
		pub := &oauth2.Config{ClientID: sandbox.DiscordPublicClientID, RedirectURL: sandbox.DiscordRedirectURI, Scopes: []string{"identify"},
			Endpoint: oauth2.Endpoint{AuthURL: srv.URL() + "/oauth2/authorize", TokenURL: srv.URL() + "/api/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
		if q := authorize(t, pub.AuthCodeURL("s"), sandbox.DiscordRedirectURI); q.Get("error") != "invalid_request" {
			t.Fatalf("public client without PKCE: %v", q)
		}
		verifier, challenge := pkce()
		q := authorize(t, pub.AuthCodeURL("s", challenge), sandbox.DiscordRedirectURI)
		if _, err := pub.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier)); err != nil {
			t.Fatalf("public exchange: %v", err)
		}
	})
}

// PROVIDERS.md Discord: revoking any token revokes every token of that authorization;
// the revoke endpoint is form-only.
// fidelity: discord-revoke-all, discord-token-form-only
func TestDiscordRevoke(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	revokeURL := srv.URL() + "/api/oauth2/token/revoke"
	for _, which := range []string{"access", "refresh"} {
		t.Run(which, func(t *testing.T) {
			tok := discordLogin(t, srv, "identify")
			value := tok.AccessToken
			if which == "refresh" {
				value = tok.RefreshToken
			}
			status, _, body := postForm(t, revokeURL, url.Values{"token": {value}}, sandbox.DiscordClientID, sandbox.DiscordClientSecret)
			if status != 200 {
				t.Fatalf("revoke: %d %s", status, body)
			}
			if status, _, _ := get(t, srv.URL()+"/api/v10/users/@me", "Bearer "+tok.AccessToken); status != 401 {
				t.Fatalf("access token after revoking the %s token: %d, want 401", which, status)
			}
			_, err := discordConfig(srv.URL(), oauth2.AuthStyleInHeader).TokenSource(clientCtx(t), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
			retrieveError(t, err, "invalid_grant", 400)
		})
	}
	t.Run("json refused", func(t *testing.T) {
		tok := discordLogin(t, srv, "identify")
		req, _ := http.NewRequest(http.MethodPost, revokeURL, bytes.NewReader([]byte(`{"token":"`+tok.AccessToken+`"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(sandbox.DiscordClientID, sandbox.DiscordClientSecret)
		if status, _, _ := do(t, req); status != 400 {
			t.Fatalf("JSON revoke: %d, want 400", status)
		}
		if status, _, _ := get(t, srv.URL()+"/api/v10/users/@me", "Bearer "+tok.AccessToken); status != 200 {
			t.Fatalf("token after refused revoke: %d, want 200", status)
		}
	})
}

// PROVIDERS.md Discord: /users/@me/guilds paging (limit 1–200, default 200, before/after),
// permissions as a string; with_counts.
// fidelity: discord-guilds-paging, discord-invalid-form-body-50035
func TestDiscordGuildPaging(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	conf := discordConfig(srv.URL(), oauth2.AuthStyleInHeader, "identify", "guilds")
	verifier, challenge := pkce()
	q := authorize(t, conf.AuthCodeURL("s", challenge, oauth2.SetAuthURLParam("login_hint", sandbox.CarolUsername)), sandbox.DiscordRedirectURI)
	tok, err := conf.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	page := func(query string) []map[string]any {
		status, _, body := get(t, srv.URL()+"/api/v10/users/@me/guilds"+query, "Bearer "+tok.AccessToken)
		if status != 200 {
			t.Fatalf("guilds%s: %d %s", query, status, body)
		}
		return decode[[]map[string]any](t, body)
	}
	first := page("")
	if len(first) != 200 {
		t.Fatalf("default page: %d guilds, want 200", len(first))
	}
	last := first[len(first)-1]["id"].(string)
	second := page("?after=" + last)
	if len(second) != sandbox.ManyGuildsCount-200 {
		t.Fatalf("second page: %d guilds, want %d", len(second), sandbox.ManyGuildsCount-200)
	}
	seen := map[string]bool{}
	prev := uint64(0)
	for _, g := range append(first, second...) {
		id, _ := strconv.ParseUint(g["id"].(string), 10, 64)
		if id <= prev || seen[g["id"].(string)] {
			t.Fatalf("guild %v out of order or repeated", g["id"])
		}
		prev, seen[g["id"].(string)] = id, true
		if _, ok := g["permissions"].(string); !ok {
			t.Fatalf("permissions %v (%T) is not a string", g["permissions"], g["permissions"])
		}
	}
	small := page("?limit=10&before=" + strconv.FormatUint(sandbox.ManyGuildsFirst+20, 10))
	if len(small) != 10 || small[0]["id"] != strconv.FormatUint(sandbox.ManyGuildsFirst+10, 10) {
		t.Fatalf("before page: %d guilds starting %v", len(small), small[0]["id"])
	}
	if counted := page("?limit=1&with_counts=true"); counted[0]["approximate_member_count"] == nil {
		t.Fatalf("with_counts: %v", counted[0])
	}
	for _, bad := range []string{"?limit=0", "?limit=201", "?limit=x", "?after=abc"} {
		status, _, body := get(t, srv.URL()+"/api/v10/users/@me/guilds"+bad, "Bearer "+tok.AccessToken)
		if status != 400 || decode[map[string]any](t, body)["code"] != float64(50035) {
			t.Fatalf("guilds%s: %d %s, want 400 code 50035", bad, status, body)
		}
	}
}

// PROVIDERS.md Discord: member object (roles as strings, never @everyone), 10004 when not a member,
// scope checks, 401 on expired tokens.
// fidelity: discord-member-object, discord-member-not-member-404-10004, discord-bad-token-401, discord-user-missing-scope-401, discord-bot-on-user-member-401
func TestDiscordMember(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	alice := discordLogin(t, srv, "identify", "guilds", "guilds.members.read")
	memberURL := func(guild string) string { return srv.URL() + "/api/v10/users/@me/guilds/" + guild + "/member" }

	status, _, body := get(t, memberURL(sandbox.GuildID), "Bearer "+alice.AccessToken)
	if status != 200 {
		t.Fatalf("member: %d %s", status, body)
	}
	m := decode[struct {
		Roles    []string `json:"roles"`
		JoinedAt string   `json:"joined_at"`
		Pending  *bool    `json:"pending"`
		Flags    *int     `json:"flags"`
		Nick     *string  `json:"nick"`
		User     struct {
			ID string `json:"id"`
		} `json:"user"`
	}](t, body)
	if len(m.Roles) != 2 || m.Roles[0] != sandbox.RoleAdminID || m.Roles[1] != sandbox.RoleMemberID || m.JoinedAt == "" ||
		m.Pending == nil || *m.Pending || m.Flags == nil || m.Nick == nil || m.User.ID != sandbox.AliceID {
		t.Fatalf("member object %s", body)
	}
	if bytes.Contains(body, []byte(`"`+sandbox.GuildID+`"],`)) || strings.Contains(fmt.Sprint(m.Roles), sandbox.GuildID) {
		t.Fatalf("@everyone listed in roles: %s", body)
	}
	if !regexp.MustCompile(`"roles":\["\d+","\d+"\]`).Match(body) {
		t.Fatalf("roles are not snowflake strings: %s", body)
	}

	errorCases := []struct {
		name, auth, guild string
		status, code      int
	}{
		{"not a member", "Bearer " + alice.AccessToken, "1400000000000000001", 404, 10004},
		{"unknown guild", "Bearer " + alice.AccessToken, "1", 404, 10004},
		{"no token", "", sandbox.GuildID, 401, 0},
		{"garbage token", "Bearer nope", sandbox.GuildID, 401, 0},
		{"bot token", "Bot " + sandbox.BotToken, sandbox.GuildID, 401, 0},
	}
	for _, tc := range errorCases {
		status, _, body := get(t, memberURL(tc.guild), tc.auth)
		got := decode[map[string]any](t, body)
		if status != tc.status || got["code"] != float64(tc.code) || got["message"] == "" {
			t.Errorf("%s: %d %s, want %d code %d", tc.name, status, body, tc.status, tc.code)
		}
	}

	bob := discordConfig(srv.URL(), oauth2.AuthStyleInHeader, "identify", "guilds.members.read")
	verifier, challenge := pkce()
	q := authorize(t, bob.AuthCodeURL("s", challenge, oauth2.SetAuthURLParam("login_hint", sandbox.BobUsername)), sandbox.DiscordRedirectURI)
	bobTok, err := bob.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	_, _, body = get(t, memberURL(sandbox.GuildID), "Bearer "+bobTok.AccessToken)
	if bm := decode[map[string]any](t, body); bm["pending"] != true || len(bm["roles"].([]any)) != 0 {
		t.Fatalf("bob's membership: %s", body)
	}

	// fidelity: discord-user-missing-scope-401
	identifyOnly := discordLogin(t, srv, "identify")
	for _, path := range []string{"/api/v10/users/@me/guilds", "/api/v10/users/@me/guilds/" + sandbox.GuildID + "/member"} {
		status, _, body := get(t, srv.URL()+path, "Bearer "+identifyOnly.AccessToken)
		got := decode[map[string]any](t, body)
		if status != 401 || got["code"] != float64(0) || got["message"] != "401: Unauthorized" {
			t.Errorf("%s without scope: %d %s, want 401 code 0, as for a rejected token", path, status, body)
		}
	}

	srv.ExpireAccessTokens()
	status, _, body = get(t, memberURL(sandbox.GuildID), "Bearer "+alice.AccessToken)
	if status != 401 || decode[map[string]any](t, body)["code"] != float64(0) {
		t.Fatalf("expired token: %d %s, want 401 code 0", status, body)
	}
}

// PROVIDERS.md Discord: short token lifetimes from the seed expire for real.
// fidelity: discord-token-response
func TestDiscordTokenLifetime(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	srv.SetTokenLifetime(2 * time.Second)
	tok := discordLogin(t, srv, "identify")
	if ei, _ := tok.Extra("expires_in").(float64); ei != 2 {
		t.Fatalf("expires_in = %v, want 2", tok.Extra("expires_in"))
	}
	seeded := sandboxtest.Start(t, sandboxtest.AutoApprove(), sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) { s.TokenLifetime = 30 })))
	if ei, _ := discordLogin(t, seeded, "identify").Extra("expires_in").(float64); ei != 30 {
		t.Fatalf("seeded expires_in = %v, want 30", ei)
	}
}

// PROVIDERS.md Discord: bot lookup with "Bot TOKEN": 10007 not a member, 10013 no such user;
// a bot outside the guild gets 403 50001, or 404 10004 when the seed says so; no such guild 404 10004.
// fidelity: discord-bot-member-404-10007, discord-bot-member-404-10013, discord-bot-member-outside-403-50001, discord-bot-member-outside-404-10004, discord-bot-member-unknown-guild-404-10004, discord-bot-member-bearer-401
func TestDiscordBotLookup(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	hiding := sandboxtest.Start(t, sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) { s.Bots[0].OutsideGuild = sandbox.BotOutsideUnknownGuild })))
	bot := "Bot " + sandbox.BotToken
	user := "Bearer " + discordLogin(t, srv, "identify", "guilds", "guilds.members.read").AccessToken
	tests := []struct {
		name, auth, guild, user string
		srv                     *sandbox.Server
		status, code            int
	}{
		{"member", bot, sandbox.GuildID, sandbox.AliceID, srv, 200, -1},
		{"not a member", bot, sandbox.GuildID, sandbox.CarolID, srv, 404, 10007},                     // fidelity: discord-bot-member-404-10007
		{"no such user", bot, sandbox.GuildID, "999999999999999999", srv, 404, 10013},                // fidelity: discord-bot-member-404-10013
		{"bot not in guild", bot, sandbox.OtherGuildID, sandbox.AliceID, srv, 403, 50001},            // fidelity: discord-bot-member-outside-403-50001
		{"bot not in guild, hidden", bot, sandbox.OtherGuildID, sandbox.AliceID, hiding, 404, 10004}, // fidelity: discord-bot-member-outside-404-10004
		{"unknown guild", bot, "42", sandbox.AliceID, srv, 404, 10004},                               // fidelity: discord-bot-member-unknown-guild-404-10004
		{"bad user id", bot, sandbox.GuildID, "alice", srv, 400, 50035},
		{"wrong bot token", "Bot nope", sandbox.GuildID, sandbox.AliceID, srv, 401, 0},
		{"bearer instead of bot", "Bearer " + sandbox.BotToken, sandbox.GuildID, sandbox.AliceID, srv, 401, 0},
		{"user token", user, sandbox.GuildID, sandbox.AliceID, srv, 401, 0}, // fidelity: discord-bot-member-bearer-401
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := get(t, tc.srv.URL()+"/api/v10/guilds/"+tc.guild+"/members/"+tc.user, tc.auth)
			got := decode[map[string]any](t, body)
			if status != tc.status || (tc.code >= 0 && got["code"] != float64(tc.code)) {
				t.Fatalf("%d %s, want %d code %d", status, body, tc.status, tc.code)
			}
			if tc.code < 0 && got["roles"] == nil {
				t.Fatalf("member object without roles: %s", body)
			}
		})
	}
}

// PROVIDERS.md Discord: the API is versioned; unversioned paths are not served as v10.
// fidelity: discord-api-unversioned
func TestDiscordUnversionedPath(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	status, _, body := get(t, srv.URL()+"/api/users/@me", "Bot "+sandbox.BotToken)
	if status != 404 || decode[map[string]any](t, body)["message"] == nil {
		t.Fatalf("unversioned: %d %s", status, body)
	}
}

// PROVIDERS.md Discord rate limits: X-RateLimit-* on every response; 429 with Retry-After,
// X-RateLimit-Scope and {"message","retry_after","global"} when a bucket is exhausted.
// fidelity: discord-ratelimit-headers, discord-ratelimit-429, discord-ratelimit-bucket-major
func TestDiscordRateLimit(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) {
		s.RateLimits = map[string]int{"guilds.members": 2}
		s.RateLimitWindow = 30
	})))
	target := srv.URL() + "/api/v10/guilds/" + sandbox.GuildID + "/members/" + sandbox.AliceID
	for i, wantRemaining := range []string{"1", "0"} {
		status, h, _ := get(t, target, "Bot "+sandbox.BotToken)
		if status != 200 || h.Get("X-RateLimit-Limit") != "2" || h.Get("X-RateLimit-Remaining") != wantRemaining ||
			h.Get("X-RateLimit-Reset") == "" || h.Get("X-RateLimit-Bucket") == "" {
			t.Fatalf("request %d: %d headers %v", i, status, h)
		}
		if ra, err := strconv.ParseFloat(h.Get("X-RateLimit-Reset-After"), 64); err != nil || ra <= 0 || ra > 30 {
			t.Fatalf("X-RateLimit-Reset-After %q", h.Get("X-RateLimit-Reset-After"))
		}
	}
	status, h, body := get(t, target, "Bot "+sandbox.BotToken)
	limited := decode[struct {
		Message    string   `json:"message"`
		RetryAfter *float64 `json:"retry_after"`
		Global     *bool    `json:"global"`
	}](t, body)
	if status != 429 || h.Get("Retry-After") == "" || h.Get("X-RateLimit-Scope") != "user" || h.Get("X-RateLimit-Remaining") != "0" ||
		limited.Message == "" || limited.RetryAfter == nil || *limited.RetryAfter <= 0 || limited.Global == nil || *limited.Global {
		t.Fatalf("429: %d %v %s", status, h, body)
	}
	// Another guild is another bucket (major parameter).
	if status, _, body := get(t, srv.URL()+"/api/v10/guilds/"+sandbox.OtherGuildID+"/members/"+sandbox.AliceID, "Bot "+sandbox.BotToken); status != 403 {
		t.Fatalf("other guild: %d %s", status, body)
	}
	if n := srv.Count(http.MethodGet, "/api/v10/guilds/"+sandbox.GuildID+"/members/"+sandbox.AliceID); n != 3 {
		t.Fatalf("Count = %d, want 3", n)
	}
	// Every Discord API answer carries the headers, errors included.
	_, h, _ = get(t, srv.URL()+"/api/v10/users/@me", "Bearer nope")
	if h.Get("X-RateLimit-Bucket") == "" || h.Get("X-RateLimit-Limit") == "" {
		t.Fatalf("401 without rate-limit headers: %v", h)
	}
}

// PROVIDERS.md Discord rate limits: a global limit answers 429 with global true.
// fidelity: discord-global-rate-limit
func TestDiscordGlobalRateLimit(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) {
		s.RateLimits = map[string]int{"global": 1}
		s.RateLimitWindow = 30
	})))
	get(t, srv.URL()+"/api/v10/users/@me", "Bot "+sandbox.BotToken)
	status, h, body := get(t, srv.URL()+"/api/v10/guilds/"+sandbox.GuildID+"/members/"+sandbox.AliceID, "Bot "+sandbox.BotToken)
	if status != 429 || h.Get("X-RateLimit-Global") != "true" || h.Get("X-RateLimit-Scope") != "global" || decode[map[string]any](t, body)["global"] != true {
		t.Fatalf("global limit: %d %v %s", status, h, body)
	}
}

// PROVIDERS.md Discord: GET /oauth2/@me lists a bearer token's scopes whatever they are, with
// the user only under identify; a bot token and a bad token get 401.
// fidelity: discord-oauth2-me, discord-oauth2-me-bot-401
func TestDiscordCurrentAuthorization(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	target := srv.URL() + "/api/v10/oauth2/@me"
	type authorization struct {
		Application struct {
			ID string `json:"id"`
		} `json:"application"`
		Scopes  []string `json:"scopes"`
		Expires string   `json:"expires"`
		User    *struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	// fidelity: discord-oauth2-me
	tok := discordLogin(t, srv, "identify", "guilds")
	status, _, body := get(t, target, "Bearer "+tok.AccessToken)
	got := decode[authorization](t, body)
	if _, err := time.Parse(time.RFC3339, got.Expires); status != 200 || got.Application.ID != sandbox.DiscordClientID ||
		strings.Join(got.Scopes, " ") != "identify guilds" || err != nil || got.User == nil || got.User.ID != sandbox.AliceID {
		t.Fatalf("/oauth2/@me: %d %s", status, body)
	}
	noIdentify := discordLogin(t, srv, "guilds")
	status, _, body = get(t, target, "Bearer "+noIdentify.AccessToken)
	if got := decode[authorization](t, body); status != 200 || got.User != nil || strings.Join(got.Scopes, " ") != "guilds" {
		t.Fatalf("/oauth2/@me without identify: %d %s, want the scopes and no user", status, body)
	}
	// fidelity: discord-oauth2-me-bot-401
	for _, auth := range []string{"Bot " + sandbox.BotToken, "Bearer nope", ""} {
		if status, _, body := get(t, target, auth); status != 401 || decode[map[string]any](t, body)["code"] != float64(0) {
			t.Errorf("/oauth2/@me with %q: %d %s, want 401 code 0", strings.SplitN(auth, " ", 2)[0], status, body)
		}
	}
}

// A seed names one of Discord's two answers for a bot outside a guild, or none.
// fidelity: discord-bot-member-outside-404-10004
func TestSeedBotOutsideGuild(t *testing.T) {
	t.Parallel()
	for value, ok := range map[string]bool{"": true, "missing_access": true, "unknown_guild": true, "404": false} {
		path := filepath.Join(t.TempDir(), "seed.yaml")
		seed := "users: [{id: \"1\", username: a}]\nbots: [{user_id: \"2\", token: t, outside_guild: \"" + value + "\"}]\n"
		if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := sandbox.LoadSeed(path)
		if (err == nil) != ok || (err != nil && !strings.Contains(err.Error(), "outside_guild must be missing_access or unknown_guild")) {
			t.Errorf("outside_guild %q: %v", value, err)
		}
	}
}

// PROVIDERS.md Discord rate limits: 50 requests per second per token over all routes,
// whatever the route buckets allow; other tokens are not affected.
// fidelity: discord-global-rate-limit
func TestDiscordDefaultGlobalRateLimit(t *testing.T) {
	t.Parallel()
	// A long window keeps the count within one window however slow the machine is.
	srv := sandboxtest.Start(t, sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) {
		s.RateLimits = map[string]int{"users.me": 1000, "guilds.members": 1000}
		s.RateLimitWindow = 60
	})))
	bot := "Bot " + sandbox.BotToken
	// fidelity: discord-global-rate-limit
	for i := range 50 {
		path := "/api/v10/users/@me"
		if i%2 == 1 {
			path = "/api/v10/guilds/" + sandbox.GuildID + "/members/" + sandbox.AliceID
		}
		if status, _, body := get(t, srv.URL()+path, bot); status != 200 {
			t.Fatalf("request %d: %d %s", i+1, status, body)
		}
	}
	status, h, body := get(t, srv.URL()+"/api/v10/users/@me", bot)
	if status != 429 || h.Get("X-RateLimit-Global") != "true" || h.Get("X-RateLimit-Scope") != "global" || decode[map[string]any](t, body)["global"] != true {
		t.Fatalf("51st request: %d %v %s, want a global 429", status, h, body)
	}
	if status, _, body := get(t, srv.URL()+"/api/v10/users/@me", "Bot nope"); status != 401 {
		t.Fatalf("another token: %d %s, want its own global bucket (401 for a bad token)", status, body)
	}
	// A seed that raises every bucket past 50 raises the global one with them.
	unlimited := sandboxtest.Start(t, sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) {
		s.DefaultRateLimit = 1000
		s.RateLimitWindow = 60
	})))
	for i := range 60 {
		if status, _, body := get(t, unlimited.URL()+"/api/v10/users/@me", bot); status != 200 {
			t.Fatalf("default_rate_limit 1000, request %d: %d %s", i+1, status, body)
		}
	}
}

// PROVIDERS.md Discord rate limits: an injected 429 carries the bucket headers of an
// exhausted bucket, as Discord's do, beside Retry-After and X-RateLimit-Scope.
// fidelity: discord-429-fault-headers
func TestDiscordFault429Headers(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	path := "/api/v10/guilds/" + sandbox.GuildID + "/members/" + sandbox.AliceID
	srv.SetFault("GET "+path, sandbox.Fault{RetryAfter: 2.5, Times: 1})
	// fidelity: discord-429-fault-headers
	status, h, body := get(t, srv.URL()+path, "Bot "+sandbox.BotToken)
	resetAfter, err := strconv.ParseFloat(h.Get("X-RateLimit-Reset-After"), 64)
	reset, rerr := strconv.ParseFloat(h.Get("X-RateLimit-Reset"), 64)
	if status != 429 || h.Get("Retry-After") != "3" || h.Get("X-RateLimit-Scope") != "user" || h.Get("X-RateLimit-Limit") == "" ||
		h.Get("X-RateLimit-Remaining") != "0" || h.Get("X-RateLimit-Bucket") == "" || err != nil || resetAfter != 2.5 ||
		rerr != nil || reset < float64(time.Now().Unix()) || h.Get("X-RateLimit-Global") != "" {
		t.Fatalf("injected 429: %d %v %s", status, h, body)
	}
}
