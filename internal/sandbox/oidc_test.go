package sandbox_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

const oidcRedirect = "http://127.0.0.1:42002/callback"

// oidcClient discovers the sandbox issuer with go-oidc, an independent client.
func oidcClient(t *testing.T, srv *sandbox.Server, clientID, secret string, scopes ...string) (*oidc.Provider, *oauth2.Config) {
	t.Helper()
	issuer, err := oidc.NewProvider(clientCtx(t), srv.URL()+"/oidc")
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	ep := issuer.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader
	if secret == "" {
		ep.AuthStyle = oauth2.AuthStyleInParams
	}
	return issuer, &oauth2.Config{ClientID: clientID, ClientSecret: secret, RedirectURL: oidcRedirect, Scopes: scopes, Endpoint: ep}
}

// OIDC issuer: discovery, code+PKCE, iss on the callback (RFC 9207), an RS256 ID token with
// the nonce verified against the JWKS, userinfo, refresh with offline_access, revocation.
// fidelity: oidc-discovery, oidc-authorize, oidc-id-token, oidc-userinfo, oidc-revoke
func TestOIDCCodeFlow(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	issuer, conf := oidcClient(t, srv, sandbox.OIDCPublicClientID, "", oidc.ScopeOpenID, "email", "profile", oidc.ScopeOfflineAccess)
	verifier, challenge := pkce()
	q := authorize(t, conf.AuthCodeURL("st", challenge, oidc.Nonce("n0nce")), oidcRedirect)
	if q.Get("iss") != srv.URL()+"/oidc" || q.Get("state") != "st" {
		t.Fatalf("callback %v: want iss and state", q)
	}
	tok, err := conf.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := issuer.Verifier(&oidc.Config{ClientID: sandbox.OIDCPublicClientID}).Verify(clientCtx(t), raw)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var claims struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil || idt.Nonce != "n0nce" || idt.Subject != sandbox.AliceID || claims.Email != sandbox.AliceEmail || claims.Name == "" {
		t.Fatalf("ID token: nonce %q sub %q claims %+v (%v)", idt.Nonce, idt.Subject, claims, err)
	}
	if _, err := issuer.Verifier(&oidc.Config{ClientID: "someone-else"}).Verify(clientCtx(t), raw); err == nil {
		t.Fatal("ID token verified for another audience")
	}
	info, err := issuer.UserInfo(clientCtx(t), oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != sandbox.AliceID || info.Email != sandbox.AliceEmail {
		t.Fatalf("userinfo: %+v %v", info, err)
	}

	fresh, err := conf.TokenSource(clientCtx(t), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil || fresh.RefreshToken == tok.RefreshToken || fresh.Extra("id_token") == nil {
		t.Fatalf("refresh: %v", err)
	}
	_, err = conf.TokenSource(clientCtx(t), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	retrieveError(t, err, "invalid_grant", 400)

	status, _, body := postForm(t, srv.URL()+"/oidc/revoke", url.Values{"token": {fresh.AccessToken}, "client_id": {sandbox.OIDCPublicClientID}}, "", "")
	if status != 200 {
		t.Fatalf("revoke: %d %s", status, body)
	}
	if _, err := issuer.UserInfo(clientCtx(t), oauth2.StaticTokenSource(fresh)); err == nil {
		t.Fatal("userinfo accepted a revoked token")
	}
}

// OIDC issuer errors: a confidential client authenticates (Basic or post, not both), openid is
// required, refresh tokens only with offline_access, expired tokens are refused.
// fidelity: oidc-client-auth, oidc-authorize
func TestOIDCErrors(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	issuer, conf := oidcClient(t, srv, sandbox.OIDCClientID, sandbox.OIDCClientSecret, oidc.ScopeOpenID)
	code := func() string { return authorize(t, conf.AuthCodeURL("s"), oidcRedirect).Get("code") }

	tok, err := conf.Exchange(clientCtx(t), code())
	if err != nil || tok.RefreshToken != "" {
		t.Fatalf("confidential exchange: err %v refresh %t (want none without offline_access)", err, tok.RefreshToken != "")
	}
	tokenURL := srv.URL() + "/oidc/token"
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code()}, "redirect_uri": {oidcRedirect}}
	if status, _, body := postForm(t, tokenURL, form, sandbox.OIDCClientID, "nope"); status != 401 || decode[map[string]string](t, body)["error"] != "invalid_client" {
		t.Fatalf("wrong secret: %d %s", status, body)
	}
	both := url.Values{"grant_type": {"authorization_code"}, "code": {code()}, "redirect_uri": {oidcRedirect}, "client_secret": {sandbox.OIDCClientSecret}}
	if status, _, body := postForm(t, tokenURL, both, sandbox.OIDCClientID, sandbox.OIDCClientSecret); status != 400 || decode[map[string]string](t, body)["error"] != "invalid_request" {
		t.Fatalf("two auth methods: %d %s", status, body)
	}
	noOpenID := *conf
	noOpenID.Scopes = []string{"email"}
	if q := authorize(t, noOpenID.AuthCodeURL("s"), oidcRedirect); q.Get("error") != "invalid_scope" || q.Get("iss") == "" {
		t.Fatalf("without openid: %v", q)
	}
	srv.ExpireAccessTokens()
	if _, err := issuer.UserInfo(clientCtx(t), oauth2.StaticTokenSource(tok)); err == nil {
		t.Fatal("userinfo accepted an expired token")
	}
	status, h, _ := get(t, srv.URL()+"/oidc/userinfo", "Bearer "+tok.AccessToken)
	if status != http.StatusUnauthorized || h.Get("WWW-Authenticate") == "" {
		t.Fatalf("expired userinfo: %d %v", status, h)
	}
}
