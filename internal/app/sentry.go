package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
)

// SentryClient exchanges a Sentry integration's installation code or refresh token.
type SentryClient struct {
	APIURL       string // e.g. https://sentry.io/api/0
	ClientID     string
	ClientSecret string
	HTTP         *http.Client
}

// SentryToken is Sentry's camelCase answer from the authorizations endpoint.
type SentryToken struct {
	Token        string    `json:"token"`
	RefreshToken string    `json:"refreshToken"`
	ExpiresAt    time.Time `json:"expiresAt"`
}

// Authorize posts one grant (authorization_code with code, or refresh_token) for an installation.
func (c *SentryClient) Authorize(ctx context.Context, installation, grantType, field, value string) (*SentryToken, error) {
	body, err := json.Marshal(map[string]string{"grant_type": grantType, field: value, "client_id": c.ClientID, "client_secret": c.ClientSecret})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	target := c.APIURL + "/sentry-app-installations/" + url.PathEscape(installation) + "/authorizations/"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, exitcode.New(exitcode.Provider, fmt.Errorf("sentry %s: %w", grantType, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, exitcode.New(exitcode.Provider, fmt.Errorf("sentry %s: %w", grantType, err))
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return nil, sentryRefusal(grantType, installation, resp.StatusCode, sentryMessage(data))
	}
	var tok SentryToken
	if err := json.Unmarshal(data, &tok); err != nil || tok.Token == "" {
		return nil, exitcode.Errorf(exitcode.Provider, "sentry %s: the answer has no token", grantType)
	}
	return &tok, nil
}

// sentryRefusal maps a refused grant. Today's Sentry answers 401 {"detail"} for client
// credentials it does not know and for a wrong, used or expired code or an unknown refresh
// token, 400 for a token or installation of another integration and 403 for a bad grant_type;
// older Sentry answered 403 {"error"} for every refused grant. Sentry's own words are kept.
func sentryRefusal(grantType, installation string, status int, msg string) error {
	said := ""
	if msg != "" {
		said = ": Sentry says " + strconv.Quote(msg)
	}
	switch {
	case status == http.StatusUnauthorized && strings.Contains(msg, "Client ID / Secret"):
		return exitcode.Errorf(exitcode.Usage, "sentry %s: the client id or secret was refused (check the provider's client_id and client secret)%s", grantType, said)
	case (status == http.StatusUnauthorized || status == http.StatusForbidden) && grantType == "refresh_token":
		return exitcode.Errorf(exitcode.Auth, "sentry %s: the refresh token was refused; run authctl app login sentry again%s", grantType, said)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return exitcode.Errorf(exitcode.Auth, "sentry %s: the installation code was refused (codes are single use and expire ten minutes after the installation; reinstall the integration for a new one)%s", grantType, said)
	case status == http.StatusBadRequest:
		return exitcode.Errorf(exitcode.Usage, "sentry %s: Sentry refused the request for installation %s (is it this integration's, with this client id?)%s", grantType, installation, said)
	case status == http.StatusNotFound:
		return exitcode.Errorf(exitcode.Usage, "sentry %s: Sentry has no installation %s%s", grantType, installation, said)
	}
	return exitcode.Errorf(exitcode.Provider, "sentry %s: Sentry answered %d%s", grantType, status, said)
}

// sentryMessage is the "error" or "detail" text of a Sentry error body, cut to one short line.
func sentryMessage(body []byte) string {
	var e struct {
		Error  string `json:"error"`
		Detail string `json:"detail"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	msg := e.Error
	if msg == "" {
		msg = e.Detail
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

// Exchange trades an installation's one-time code (from the installation webhook) for its
// first token.
func (c *SentryClient) Exchange(ctx context.Context, installation, code string) (*provider.Credential, error) {
	tok, err := c.Authorize(ctx, installation, "authorization_code", "code", code)
	if err != nil {
		return nil, err
	}
	return tok.credential(), nil
}

// Refresh trades an installation's refresh token for a new token.
func (c *SentryClient) Refresh(ctx context.Context, installation, refreshToken string) (*provider.Credential, error) {
	tok, err := c.Authorize(ctx, installation, "refresh_token", "refresh_token", refreshToken)
	if err != nil {
		return nil, err
	}
	return tok.credential(), nil
}

func (t *SentryToken) credential() *provider.Credential {
	return &provider.Credential{AccessToken: t.Token, TokenType: "Bearer", RefreshToken: t.RefreshToken, Expiry: t.ExpiresAt}
}

// SentryClientOf is the client of the integration whose client id and secret (and, for
// self-hosted Sentry, URLs) the provider entry p holds, on p's HTTP client; p must be of kind
// sentry.
func SentryClientOf(p *provider.Provider) (*SentryClient, error) {
	if p.Kind != provider.KindSentry {
		return nil, exitcode.Errorf(exitcode.Usage, "--provider %s is of kind %s, not sentry", p.Name, p.Kind)
	}
	return &SentryClient{APIURL: p.APIURL, ClientID: p.ClientID, ClientSecret: p.ClientSecret, HTTP: p.HTTPClient()}, nil
}
