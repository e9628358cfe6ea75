package sandbox_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

const slackRedirect = sandbox.SlackRedirectURI

// slackAuthorize returns a code for scope/user_scope with PKCE, and its verifier.
func slackAuthorize(t *testing.T, srv *sandbox.Server, scope, userScope string) (code, verifier string) {
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	q := url.Values{
		"client_id": {sandbox.SlackClientID}, "redirect_uri": {slackRedirect}, "state": {"s"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
	}
	if scope != "" {
		q.Set("scope", scope)
	}
	if userScope != "" {
		q.Set("user_scope", userScope)
	}
	cb := authorize(t, srv.URL()+"/oauth/v2/authorize?"+q.Encode(), slackRedirect)
	if cb.Get("code") == "" {
		t.Fatalf("slack authorize: %v", cb)
	}
	return cb.Get("code"), verifier
}

func slackExchange(t *testing.T, srv *sandbox.Server, form url.Values) map[string]any {
	t.Helper()
	status, _, body := postForm(t, srv.URL()+"/api/oauth.v2.access", form, "", "")
	if status != 200 {
		t.Fatalf("oauth.v2.access: HTTP %d, want 200 always", status)
	}
	return decode[map[string]any](t, body)
}

func slackCodeForm(code, verifier, secret string) url.Values {
	return url.Values{"client_id": {sandbox.SlackClientID}, "client_secret": {secret}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {slackRedirect}}
}

// PROVIDERS.md Slack: a user-scope-only install has no top-level access_token; the user
// token is in authed_user; token_type user; scopes comma-separated; rotation on.
// fidelity: slack-user-install, slack-rotation, slack-authorize-scopes
func TestSlackUserInstall(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	code, verifier := slackAuthorize(t, srv, "", "users:read,chat:write")
	got := slackExchange(t, srv, slackCodeForm(code, verifier, sandbox.SlackClientSecret))
	authed, _ := got["authed_user"].(map[string]any)
	if got["ok"] != true || got["access_token"] != nil || authed == nil {
		t.Fatalf("install answer %v", got)
	}
	userToken, _ := authed["access_token"].(string)
	if !strings.HasPrefix(userToken, "xoxp-") || authed["token_type"] != "user" || authed["scope"] != "users:read,chat:write" ||
		authed["refresh_token"] == nil || authed["expires_in"] != float64(43200) || authed["id"] != sandbox.SlackUserID(sandbox.DefaultSeed().Users[0]) {
		t.Fatalf("authed_user %v", authed)
	}

	status, _, body := postForm(t, srv.URL()+"/api/auth.test", url.Values{"token": {userToken}}, "", "")
	if at := decode[map[string]any](t, body); status != 200 || at["ok"] != true || at["user"] != sandbox.AliceUsername || at["team_id"] != sandbox.SlackTeamID {
		t.Fatalf("auth.test: %d %s", status, body)
	}
	if _, _, body := get(t, srv.URL()+"/api/auth.test", "Bearer "+userToken); decode[map[string]any](t, body)["ok"] != true {
		t.Fatalf("auth.test with Bearer: %s", body)
	}

	refresh := url.Values{"client_id": {sandbox.SlackClientID}, "client_secret": {sandbox.SlackClientSecret}, "grant_type": {"refresh_token"}, "refresh_token": {authed["refresh_token"].(string)}}
	fresh := slackExchange(t, srv, refresh)
	if fresh["ok"] != true || fresh["token_type"] != "user" || !strings.HasPrefix(fresh["access_token"].(string), "xoxp-") || fresh["refresh_token"] == authed["refresh_token"] {
		t.Fatalf("refresh %v", fresh)
	}
	if again := slackExchange(t, srv, refresh); again["ok"] != false || again["error"] != "invalid_refresh_token" {
		t.Fatalf("spent refresh token: %v", again)
	}
}

// PROVIDERS.md Slack: bot scopes give a top-level bot token (token_type bot).
// fidelity: slack-user-install
func TestSlackBotInstall(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	code, verifier := slackAuthorize(t, srv, "chat:write,channels:read", "users:read")
	got := slackExchange(t, srv, slackCodeForm(code, verifier, sandbox.SlackClientSecret))
	if got["ok"] != true || got["token_type"] != "bot" || !strings.HasPrefix(got["access_token"].(string), "xoxb-") || got["scope"] != "chat:write,channels:read" {
		t.Fatalf("bot install %v", got)
	}
	if authed := got["authed_user"].(map[string]any); !strings.HasPrefix(authed["access_token"].(string), "xoxp-") {
		t.Fatalf("authed_user %v", authed)
	}
}

// PROVIDERS.md Slack: every API error is HTTP 200 with ok:false; plain-HTTP redirects only to
// localhost and only with PKCE.
// fidelity: slack-token-http200, slack-auth-test, slack-localhost-port-exact
func TestSlackErrors(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	code, verifier := slackAuthorize(t, srv, "", "users:read")
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"bad code", slackCodeForm("nope", verifier, sandbox.SlackClientSecret), "invalid_code"},
		{"wrong secret", slackCodeForm(code, verifier, "nope"), "bad_client_secret"},
		{"unknown client", url.Values{"client_id": {"nope"}, "code": {code}}, "invalid_client_id"},
		{"wrong verifier", slackCodeForm(code, oauth2.GenerateVerifier(), sandbox.SlackClientSecret), "invalid_code_verifier"},
		{"bad refresh", url.Values{"client_id": {sandbox.SlackClientID}, "client_secret": {sandbox.SlackClientSecret}, "grant_type": {"refresh_token"}, "refresh_token": {"xoxe-nope"}}, "invalid_refresh_token"},
		{"bad grant type", url.Values{"client_id": {sandbox.SlackClientID}, "client_secret": {sandbox.SlackClientSecret}, "grant_type": {"password"}}, "invalid_grant_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := slackExchange(t, srv, tc.form); got["ok"] != false || got["error"] != tc.want {
				t.Fatalf("%v, want ok:false error %s", got, tc.want)
			}
		})
	}
	for name, tc := range map[string]struct{ auth, want string }{
		"no token":      {"", "not_authed"},
		"unknown token": {"Bearer xoxp-nope", "invalid_auth"},
	} {
		status, _, body := get(t, srv.URL()+"/api/auth.test", tc.auth)
		if got := decode[map[string]any](t, body); status != 200 || got["ok"] != false || got["error"] != tc.want {
			t.Errorf("auth.test %s: %d %s", name, status, body)
		}
	}

	base := srv.URL() + "/oauth/v2/authorize?"
	authorizeRefused(t, base+url.Values{"client_id": {sandbox.SlackClientID}, "redirect_uri": {"http://127.0.0.1:41999/callback"}, "user_scope": {"users:read"}}.Encode())
	noPKCE := authorize(t, base+url.Values{"client_id": {sandbox.SlackClientID}, "redirect_uri": {slackRedirect}, "user_scope": {"users:read"}}.Encode(), slackRedirect)
	if noPKCE.Get("error") != "invalid_request" {
		t.Fatalf("localhost without PKCE: %v", noPKCE)
	}
	noScope := authorize(t, base+url.Values{"client_id": {sandbox.SlackClientID}, "redirect_uri": {slackRedirect}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}.Encode(), slackRedirect)
	if noScope.Get("error") != "invalid_scope" {
		t.Fatalf("no scopes: %v", noScope)
	}
}

// PROVIDERS.md Slack: expired and revoked tokens (auth.revoke) are told apart.
// fidelity: slack-revoke, slack-auth-test
func TestSlackExpiryAndRevoke(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	token := func() string {
		code, verifier := slackAuthorize(t, srv, "", "users:read")
		return slackExchange(t, srv, slackCodeForm(code, verifier, sandbox.SlackClientSecret))["authed_user"].(map[string]any)["access_token"].(string)
	}
	revoked := token()
	if _, _, body := postForm(t, srv.URL()+"/api/auth.revoke", url.Values{"token": {revoked}, "test": {"true"}}, "", ""); decode[map[string]any](t, body)["revoked"] != false {
		t.Fatalf("test revoke: %s", body)
	}
	if _, _, body := get(t, srv.URL()+"/api/auth.revoke", "Bearer "+revoked); decode[map[string]any](t, body)["revoked"] != true {
		t.Fatalf("revoke: %s", body)
	}
	if _, _, body := get(t, srv.URL()+"/api/auth.test", "Bearer "+revoked); decode[map[string]any](t, body)["error"] != "token_revoked" {
		t.Fatalf("revoked token: %s", body)
	}
	expired := token()
	srv.ExpireAccessTokens()
	if _, _, body := get(t, srv.URL()+"/api/auth.test", "Bearer "+expired); decode[map[string]any](t, body)["error"] != "token_expired" {
		t.Fatalf("expired token: %s", body)
	}
}

// Slack ("Using PKCE"): a PKCE exchange for a localhost redirect refreshes without the client
// secret, and its refresh tokens expire after 30 days; the localhost port is matched exactly.
// fidelity: slack-pkce-refresh-no-secret, slack-pkce-refresh-30-days, slack-localhost-port-exact
func TestSlackPKCERefreshWithoutSecret(t *testing.T) {
	t.Parallel()
	clock := sandbox.NewClock(time.Now())
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove(), sandboxtest.WithClock(clock))
	code, verifier := slackAuthorize(t, srv, "", "users:read")
	form := slackCodeForm(code, verifier, "")
	form.Del("client_secret")
	first := slackExchange(t, srv, form)
	authed, _ := first["authed_user"].(map[string]any)
	if first["ok"] != true || authed["refresh_token"] == nil {
		t.Fatalf("PKCE exchange without the secret: %v", first)
	}
	refresh := func(token string) map[string]any {
		return slackExchange(t, srv, url.Values{"client_id": {sandbox.SlackClientID}, "grant_type": {"refresh_token"}, "refresh_token": {token}})
	}
	second := refresh(authed["refresh_token"].(string))
	if second["ok"] != true || second["refresh_token"] == nil {
		t.Fatalf("refresh without the secret: %v", second)
	}
	clock.Advance(30*24*time.Hour + time.Second)
	if got := refresh(second["refresh_token"].(string)); got["ok"] != false || got["error"] != "invalid_refresh_token" {
		t.Fatalf("refresh after 30 days: %v, want invalid_refresh_token", got)
	}
	authorizeRefused(t, srv.URL()+"/oauth/v2/authorize?"+url.Values{"client_id": {sandbox.SlackClientID}, "redirect_uri": {"http://localhost:41999/callback"},
		"user_scope": {"users:read"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}.Encode())
}

// A replayed Slack code is code_already_used and revokes the tokens of the first exchange.
// fidelity: slack-code-replay
func TestSlackCodeReplayRevokes(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	code, verifier := slackAuthorize(t, srv, "chat:write", "users:read")
	first := slackExchange(t, srv, slackCodeForm(code, verifier, sandbox.SlackClientSecret))
	if first["ok"] != true {
		t.Fatalf("exchange: %v", first)
	}
	if got := slackExchange(t, srv, slackCodeForm(code, verifier, sandbox.SlackClientSecret)); got["error"] != "code_already_used" {
		t.Fatalf("replay: %v, want code_already_used", got)
	}
	for _, tok := range []any{first["access_token"], first["authed_user"].(map[string]any)["access_token"]} {
		if _, _, body := get(t, srv.URL()+"/api/auth.test", "Bearer "+tok.(string)); decode[map[string]any](t, body)["error"] != "token_revoked" {
			t.Errorf("a token of the replayed code: %s, want token_revoked", body)
		}
	}
}
