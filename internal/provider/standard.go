package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/exitcode"
)

// maxResponse bounds every provider response authctl reads.
const maxResponse = 1 << 20

// errNoIdentityEndpoint is returned by kinds that have no way to tell who a
// token belongs to (kind oauth2 without userinfo_url).
var errNoIdentityEndpoint = exitcode.Errorf(exitcode.Usage, "the provider has no identity endpoint; set userinfo_url in its config entry")

// standard is RFC 6749 through golang.org/x/oauth2, RFC 7009 revocation and
// an OpenID-style userinfo endpoint when one is configured (kind oauth2).
// Built-in kinds embed it and override their quirks.
type standard struct{}

func (standard) authCodeOptions(*Provider, string) []oauth2.AuthCodeOption { return nil }

func (standard) exchange(ctx context.Context, p *Provider, conf *oauth2.Config, code, verifier, _ string) (*Credential, error) {
	tok, err := conf.Exchange(ctx, code, verifierOption(verifier)...)
	if err != nil {
		return nil, tokenError(p, "exchange code", err)
	}
	cred := credentialFromToken(p, tok)
	if err := fillIdentity(ctx, p, cred); err != nil {
		return nil, err
	}
	return cred, nil
}

func (standard) refresh(ctx context.Context, p *Provider, cred *Credential) (*Credential, error) {
	tok, err := refreshToken(ctx, p, cred.RefreshToken)
	if err != nil {
		return nil, err
	}
	return rotated(cred, credentialFromToken(p, tok)), nil
}

func (standard) fromToken(ctx context.Context, p *Provider, tok *oauth2.Token) (*Credential, error) {
	cred := credentialFromToken(p, tok)
	if err := fillIdentity(ctx, p, cred); err != nil {
		return nil, err
	}
	return cred, nil
}

func (standard) identity(ctx context.Context, p *Provider, accessToken string) (Identity, error) {
	if p.UserinfoURL == "" {
		return Identity{}, errNoIdentityEndpoint
	}
	return userinfo(ctx, p, accessToken)
}

func (standard) revoke(ctx context.Context, p *Provider, cred *Credential) error {
	if p.RevokeURL == "" {
		return ErrRevokeUnsupported
	}
	return revokeRFC7009(ctx, p, cred.AccessToken, "access_token")
}

// verifierOption sends the PKCE verifier when the login used one.
func verifierOption(verifier string) []oauth2.AuthCodeOption {
	if verifier == "" {
		return nil
	}
	return []oauth2.AuthCodeOption{oauth2.VerifierOption(verifier)}
}

// refreshToken runs the refresh grant through golang.org/x/oauth2.
func refreshToken(ctx context.Context, p *Provider, refresh string) (*oauth2.Token, error) {
	conf := &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: p.Endpoint}
	tok, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh}).Token()
	if err != nil {
		return nil, tokenError(p, "refresh token", err)
	}
	return tok, nil
}

// fillIdentity sets the credential's user from the identity endpoint; a kind
// without one leaves it empty.
func fillIdentity(ctx context.Context, p *Provider, cred *Credential) error {
	id, err := p.kind.identity(ctx, p, cred.AccessToken)
	if errors.Is(err, errNoIdentityEndpoint) {
		return nil
	}
	if err != nil {
		return err
	}
	cred.UserID, cred.UserName = id.ID, id.Name
	return nil
}

// userinfo reads an OpenID Connect userinfo response. An answer without sub is no identity:
// Slack answers a rejected token with HTTP 200 {"ok": false, "error": …}, which is read as
// Slack's error; any other answer without sub is a malformed response.
func userinfo(ctx context.Context, p *Provider, accessToken string) (Identity, error) {
	var claims struct {
		Sub               string `json:"sub"`
		PreferredUsername string `json:"preferred_username"`
		Name              string `json:"name"`
		Email             string `json:"email"`
		OK                *bool  `json:"ok"`
		Error             string `json:"error"`
	}
	if err := getJSON(ctx, p, p.UserinfoURL, accessToken, "openid", &claims); err != nil {
		return Identity{}, err
	}
	if claims.Sub == "" {
		// fidelity: slack-userinfo-ok-false
		if claims.OK != nil && !*claims.OK {
			return Identity{}, slackAPIError(p, "identity", claims.Error)
		}
		return Identity{}, exitcode.Errorf(exitcode.Provider, "%s: identity: the userinfo answer has no sub, so it names nobody", p.Name)
	}
	return Identity{ID: claims.Sub, Name: firstNonEmpty(claims.PreferredUsername, claims.Name, claims.Email, claims.Sub)}, nil
}

// revokeRFC7009 posts one token to the revocation endpoint with the client
// authentication style of the token endpoint.
func revokeRFC7009(ctx context.Context, p *Provider, token, hint string) error {
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	basic := p.Endpoint.AuthStyle == oauth2.AuthStyleInHeader
	if !basic {
		form.Set("client_id", p.ClientID)
		if p.ClientSecret != "" {
			form.Set("client_secret", p.ClientSecret)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.RevokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return exitcode.New(exitcode.Usage, fmt.Errorf("%s: revoke: %w", p.Name, err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(p.ClientID), url.QueryEscape(p.ClientSecret))
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return networkError(p, "revoke", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	var oauthErr struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &oauthErr)
	return codedTokenError(p, "revoke", oauthErr.Error, oauthErr.Description, resp.StatusCode)
}

// getJSON GETs an API URL with a bearer token and decodes the JSON answer.
// 401 and 403 are exit 3 (log in again, or with the missing scope, named when
// the call needs a known one); other failures exit 4.
func getJSON(ctx context.Context, p *Provider, rawURL, accessToken, scope string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return exitcode.New(exitcode.Usage, fmt.Errorf("%s: identity: %w", p.Name, err))
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	if p.Kind == KindGitHub {
		req.Header.Set("Accept", "application/vnd.github+json")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return networkError(p, "identity", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return networkError(p, "identity", err)
	}
	if wait, limited := rateLimit(resp); limited {
		return exitcode.Errorf(exitcode.Provider, "%s: identity: rate limited (HTTP %d); %s", p.Name, resp.StatusCode, wait)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%s: identity: %w; run authctl login %s", p.Name, ErrUnauthorized, p.Name)
	case resp.StatusCode == http.StatusForbidden:
		if scope != "" {
			return exitcode.Errorf(exitcode.Auth, "%s: the token lacks the %s scope this call needs (HTTP 403); run authctl login %s --scopes with %s added", p.Name, scope, p.Name, scope)
		}
		return exitcode.Errorf(exitcode.Auth, "%s: the token lacks a scope this call needs (HTTP 403); run authctl login %s --scopes with the scope added", p.Name, p.Name)
	case resp.StatusCode/100 != 2:
		return exitcode.Errorf(exitcode.Provider, "%s: identity: HTTP %d %s", p.Name, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return exitcode.Errorf(exitcode.Provider, "%s: identity: malformed response: %v", p.Name, err)
	}
	return nil
}

// RateLimitWait is when a rate-limited answer says to try again.
type RateLimitWait struct {
	RetryAfter int       // seconds of Retry-After (a secondary limit, Slack); -1 without one
	Reset      time.Time // X-RateLimit-Reset (the primary limit); zero without one
}

// RateLimited tells whether resp is a rate limit and when to try again. GitHub answers its
// primary limit with 403 or 429 and x-ratelimit-remaining 0 (reset at x-ratelimit-reset), a
// secondary limit with 403 or 429 and Retry-After; Slack with 429 and Retry-After.
func RateLimited(resp *http.Response) (RateLimitWait, bool) {
	limited := resp.StatusCode == http.StatusTooManyRequests ||
		resp.StatusCode == http.StatusForbidden && (resp.Header.Get("Retry-After") != "" || resp.Header.Get("X-RateLimit-Remaining") == "0")
	if !limited {
		return RateLimitWait{}, false
	}
	wait := RateLimitWait{RetryAfter: -1}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs >= 0 {
		wait.RetryAfter = secs
	}
	if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		wait.Reset = time.Unix(reset, 0).UTC()
	}
	return wait, true
}

// rateLimit tells whether resp is a rate limit and, in words, when to try again.
func rateLimit(resp *http.Response) (string, bool) {
	wait, limited := RateLimited(resp)
	switch {
	case !limited:
		return "", false
	case wait.RetryAfter >= 0:
		return fmt.Sprintf("try again in %ds", wait.RetryAfter), true
	case !wait.Reset.IsZero():
		return "the limit resets at " + wait.Reset.Format(time.RFC3339), true
	}
	return "try again later", true
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
