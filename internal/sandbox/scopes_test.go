package sandbox_test

import (
	"net/url"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// Each provider reads its scope list with its own separator (PROVIDERS.md: Slack's scope and
// user_scope are comma-separated; Discord, Sentry and OpenID Connect follow RFC 6749, spaces), so
// a list with the other separator is one unknown scope: invalid_scope, as the real ones answer.
// fidelity: slack-authorize-scopes
func TestScopeSeparators(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	base := srv.URL()
	_, challenge := pkce()
	discord := &oauth2.Config{ClientID: sandbox.DiscordClientID, RedirectURL: sandbox.DiscordRedirectURI,
		Scopes: []string{"identify,guilds"}, Endpoint: oauth2.Endpoint{AuthURL: base + "/oauth2/authorize"}}
	_, oidcConf := oidcClient(t, srv, sandbox.OIDCClientID, sandbox.OIDCClientSecret, "openid,email")
	slack := func(userScope string) string {
		return base + "/oauth/v2/authorize?" + url.Values{"client_id": {sandbox.SlackClientID}, "redirect_uri": {slackRedirect},
			"user_scope": {userScope}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}.Encode()
	}
	cases := []struct {
		name, authURL, redirect, wantError string
	}{
		{"discord, commas", discord.AuthCodeURL("s", challenge), sandbox.DiscordRedirectURI, "invalid_scope"},
		{"oidc, commas", oidcConf.AuthCodeURL("s", challenge, oidc.Nonce("n")), oidcRedirect, "invalid_scope"},
		{"slack, spaces", slack("chat:write users:read"), slackRedirect, "invalid_scope"},
		{"slack, commas", slack("chat:write,users:read"), slackRedirect, ""},
	}
	for _, tc := range cases {
		if got := authorize(t, tc.authURL, tc.redirect).Get("error"); got != tc.wantError {
			t.Errorf("%s: error %q, want %q", tc.name, got, tc.wantError)
		}
	}
}
