package provider

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
)

// oidcIssuer is what discovery found for kind oidc.
type oidcIssuer struct {
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
}

// discoveryDocument holds the metadata go-oidc does not expose.
type discoveryDocument struct {
	RevocationEndpoint string   `json:"revocation_endpoint"`
	ScopesSupported    []string `json:"scopes_supported"`
	AuthMethods        []string `json:"token_endpoint_auth_methods_supported"`
	IssInResponse      bool     `json:"authorization_response_iss_parameter_supported"`
}

// discover reads the issuer's /.well-known/openid-configuration.
func (p *Provider) discover(ctx context.Context, entry config.Provider) error {
	if p.Issuer == "" {
		return exitcode.Errorf(exitcode.Usage, "provider %s: kind oidc needs issuer; set providers.%s.issuer in the config file", p.Name, p.Name)
	}
	ctx, cancel := p.callContext(ctx)
	defer cancel()
	issuer, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), p.Issuer)
	if err != nil {
		if code := exitcode.Of(err); code != exitcode.Provider {
			return err
		}
		var mismatch *oidc.IssuerMismatchError
		if errors.As(err, &mismatch) {
			return exitcode.Errorf(exitcode.Provider, "provider %s: discovery: the issuer calls itself %q, not %q", p.Name, mismatch.Discovered, mismatch.Provided)
		}
		return exitcode.New(exitcode.Provider, fmt.Errorf("provider %s: discovery at %s: %w", p.Name, p.Issuer, err))
	}
	var doc discoveryDocument
	if err := issuer.Claims(&doc); err != nil {
		return exitcode.New(exitcode.Provider, fmt.Errorf("provider %s: discovery: %w", p.Name, err))
	}
	p.oidc = &oidcIssuer{provider: issuer, verifier: issuer.Verifier(&oidc.Config{ClientID: p.ClientID})}
	p.Endpoint = issuer.Endpoint()
	p.Endpoint.AuthStyle = oidcAuthStyle(doc.AuthMethods, p.ClientSecret)
	p.RevokeURL = doc.RevocationEndpoint
	p.IssuerInResponse = doc.IssInResponse
	p.UserinfoURL = issuer.UserInfoEndpoint()
	p.Scopes = []string{oidc.ScopeOpenID}
	if slices.Contains(doc.ScopesSupported, oidc.ScopeOfflineAccess) {
		p.Scopes = append(p.Scopes, oidc.ScopeOfflineAccess)
	}
	p.kind = oidcKind{}
	return nil
}

// oidcAuthStyle picks client_secret_basic unless the issuer advertises only
// client_secret_post; a public client sends its id in the form.
func oidcAuthStyle(methods []string, secret string) oauth2.AuthStyle {
	if secret == "" {
		return oauth2.AuthStyleInParams
	}
	if len(methods) == 0 || slices.Contains(methods, "client_secret_basic") {
		return oauth2.AuthStyleInHeader // the discovery default
	}
	if slices.Contains(methods, "client_secret_post") {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

// oidcKind verifies the ID token (signature against the JWKS, iss, aud, exp,
// nonce), reads identity from it or userinfo, and revokes both tokens.
type oidcKind struct{ standard }

func (oidcKind) authCodeOptions(_ *Provider, nonce string) []oauth2.AuthCodeOption {
	if nonce == "" {
		return nil
	}
	return []oauth2.AuthCodeOption{oidc.Nonce(nonce)}
}

func (oidcKind) exchange(ctx context.Context, p *Provider, conf *oauth2.Config, code, verifier, nonce string) (*Credential, error) {
	tok, err := conf.Exchange(ctx, code, verifierOption(verifier)...)
	if err != nil {
		return nil, tokenError(p, "exchange code", err)
	}
	cred := credentialFromToken(p, tok)
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		if nonce != "" {
			return nil, exitcode.Errorf(exitcode.Provider, "%s: the token response has no ID token", p.Name)
		}
		return cred, fillIdentity(ctx, p, cred)
	}
	idToken, err := p.oidc.verifier.Verify(oidc.ClientContext(ctx, p.client), raw)
	if err != nil {
		return nil, exitcode.New(exitcode.Auth, fmt.Errorf("%s: ID token rejected: %w", p.Name, err))
	}
	if nonce != "" && subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(nonce)) != 1 {
		return nil, exitcode.Errorf(exitcode.Auth, "%s: ID token rejected: nonce does not match the login's", p.Name)
	}
	var claims struct {
		PreferredUsername string `json:"preferred_username"`
		Name              string `json:"name"`
		Email             string `json:"email"`
	}
	if err := idToken.Claims(&claims); err != nil {
		return nil, exitcode.New(exitcode.Provider, fmt.Errorf("%s: ID token claims: %w", p.Name, err))
	}
	cred.UserID = idToken.Subject
	cred.UserName = firstNonEmpty(claims.PreferredUsername, claims.Name, claims.Email, idToken.Subject)
	cred.Extra["issuer"] = idToken.Issuer
	return cred, nil
}

// revoke revokes the refresh token first (it outlives the access token),
// then the access token.
func (oidcKind) revoke(ctx context.Context, p *Provider, cred *Credential) error {
	if p.RevokeURL == "" {
		return ErrRevokeUnsupported
	}
	if cred.RefreshToken != "" {
		if err := revokeRFC7009(ctx, p, cred.RefreshToken, "refresh_token"); err != nil {
			return err
		}
	}
	return revokeRFC7009(ctx, p, cred.AccessToken, "access_token")
}
