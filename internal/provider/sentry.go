package provider

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/exitcode"
)

var sentryDefaults = builtin{
	endpoint: oauth2.Endpoint{
		AuthURL:       "https://sentry.io/oauth/authorize/",
		TokenURL:      "https://sentry.io/oauth/token/",
		DeviceAuthURL: "https://sentry.io/oauth/device/code/",
		AuthStyle:     oauth2.AuthStyleInParams, // Sentry rejects credentials sent both ways; the form works for device clients too
	},
	// OAuthRevokeView, named sentry-oauth-revoke under Sentry's oauth/ routes.
	revokeURL: "https://sentry.io/oauth/revoke/",
	apiURL:    "https://sentry.io/api/0",
	scopes:    []string{"org:read"},
	// A public client may use the device flow without a secret (RFC 8628 §5.6, Sentry's
	// OAuthTokenView); the web flow and refresh still need it.
	webSecretRequired: true,
	behaviour:         sentry{},
}

// sentry's token response names the user (`user`: id, name, email) and may
// carry `expires_at` with a null `expires_in`. Revocation is RFC 7009 with the
// client id and secret in the form (OAuthRevokeView).
type sentry struct{ standard }

func (sentry) exchange(ctx context.Context, p *Provider, conf *oauth2.Config, code, verifier, _ string) (*Credential, error) {
	tok, err := conf.Exchange(ctx, code, verifierOption(verifier)...)
	if err != nil {
		return nil, tokenError(p, "exchange code", err)
	}
	return sentryCredential(ctx, p, tok)
}

func (sentry) fromToken(ctx context.Context, p *Provider, tok *oauth2.Token) (*Credential, error) {
	return sentryCredential(ctx, p, tok)
}

func (sentry) refresh(ctx context.Context, p *Provider, cred *Credential) (*Credential, error) {
	if p.ClientSecret == "" {
		// OAuthTokenView refuses every grant but device_code without the client secret.
		return nil, exitcode.Errorf(exitcode.Auth, "%s: Sentry refreshes tokens only with the client secret, which is not configured; run authctl login %s --device again", p.Name, p.Name)
	}
	tok, err := refreshToken(ctx, p, cred.RefreshToken)
	if err != nil {
		return nil, err
	}
	fresh := credentialFromToken(p, tok)
	sentryExpiry(tok, fresh)
	return rotated(cred, fresh), nil
}

// identity asks the API which user the token belongs to.
func (sentry) identity(ctx context.Context, p *Provider, accessToken string) (Identity, error) {
	var user struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
		Email    string `json:"email"`
	}
	if err := getJSON(ctx, p, p.APIURL+"/users/me/", accessToken, "", &user); err != nil {
		return Identity{}, err
	}
	return Identity{ID: user.ID, Name: firstNonEmpty(user.Email, user.Username, user.Name)}, nil
}

// revoke needs the client secret in the form: a public device-flow client cannot revoke.
func (sentry) revoke(ctx context.Context, p *Provider, cred *Credential) error {
	if p.RevokeURL == "" || p.ClientSecret == "" {
		return ErrRevokeUnsupported
	}
	return revokeRFC7009(ctx, p, cred.AccessToken, "access_token")
}

// sentryCredential takes the identity from the token response's user object
// when present, else from the API.
func sentryCredential(ctx context.Context, p *Provider, tok *oauth2.Token) (*Credential, error) {
	cred := credentialFromToken(p, tok)
	sentryExpiry(tok, cred)
	if user, ok := tok.Extra("user").(map[string]any); ok {
		cred.UserID = fmt.Sprint(user["id"])
		name, _ := user["name"].(string)
		email, _ := user["email"].(string)
		cred.UserName = firstNonEmpty(email, name, cred.UserID)
		if email != "" {
			cred.Extra["email"] = email
		}
		return cred, nil
	}
	if err := fillIdentity(ctx, p, cred); err != nil {
		return nil, err
	}
	return cred, nil
}

// sentryExpiry uses expires_at when expires_in was null.
func sentryExpiry(tok *oauth2.Token, cred *Credential) {
	if !cred.Expiry.IsZero() {
		return
	}
	if s, ok := tok.Extra("expires_at").(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			cred.Expiry = t
		}
	}
}
