package sandbox_test

import (
	"net/url"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// PROVIDERS.md Slack: Sign in with Slack (OpenID Connect) at /openid/connect/authorize,
// openid.connect.token and openid.connect.userInfo, errors as ok:false.
// fidelity: slack-oidc
func TestSlackSignIn(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	issuer, err := oidc.NewProvider(clientCtx(t), srv.URL())
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	ep := issuer.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInParams
	conf := &oauth2.Config{ClientID: sandbox.SlackClientID, ClientSecret: sandbox.SlackClientSecret, RedirectURL: slackRedirect,
		Scopes: []string{oidc.ScopeOpenID, "email"}, Endpoint: ep}
	verifier, challenge := pkce()
	q := authorize(t, conf.AuthCodeURL("s", challenge, oidc.Nonce("n")), slackRedirect)
	tok, err := conf.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	idt, err := issuer.Verifier(&oidc.Config{ClientID: sandbox.SlackClientID}).Verify(clientCtx(t), tok.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	var claims map[string]any
	_ = idt.Claims(&claims)
	if idt.Nonce != "n" || idt.Subject != "U"+sandbox.AliceID || claims["https://slack.com/team_id"] != sandbox.SlackTeamID || claims["email"] != sandbox.AliceEmail {
		t.Fatalf("claims %v", claims)
	}
	_, _, body := get(t, srv.URL()+"/api/openid.connect.userInfo", "Bearer "+tok.AccessToken)
	if info := decode[map[string]any](t, body); info["ok"] != true || info["sub"] != "U"+sandbox.AliceID {
		t.Fatalf("userInfo %s", body)
	}

	_, err = conf.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
	retrieveError(t, err, "invalid_code", 200)
	status, _, body := postForm(t, srv.URL()+"/api/openid.connect.token", url.Values{"client_id": {sandbox.SlackClientID}, "client_secret": {"nope"}, "code": {"x"}}, "", "")
	if got := decode[map[string]any](t, body); status != 200 || got["ok"] != false || got["error"] != "bad_client_secret" {
		t.Fatalf("wrong secret: %d %s", status, body)
	}
	if _, _, body := get(t, srv.URL()+"/api/openid.connect.userInfo", "Bearer nope"); decode[map[string]any](t, body)["error"] != "invalid_auth" {
		t.Fatalf("userInfo with a bad token: %s", body)
	}
}
