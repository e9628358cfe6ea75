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
	"time"

	"github.com/authctl/authctl/internal/exitcode"
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
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		// Sentry answers 403 {"error": …} for a refused grant or refresh token and 401 for client
		// credentials it does not know; its own words say which.
		what := "the installation code was refused (codes are single use; reinstall the integration for a new one)"
		switch {
		case resp.StatusCode == http.StatusUnauthorized:
			what = "the client id or secret was refused (check the provider's client_id and client secret)"
		case grantType == "refresh_token":
			what = "the refresh token was refused; run authctl app login sentry again"
		}
		if msg := sentryMessage(data); msg != "" {
			what += ": Sentry says " + strconv.Quote(msg)
		}
		return nil, exitcode.Errorf(exitcode.Auth, "sentry %s: %s", grantType, what)
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return nil, exitcode.Errorf(exitcode.Provider, "sentry %s: Sentry answered %d", grantType, resp.StatusCode)
	}
	var tok SentryToken
	if err := json.Unmarshal(data, &tok); err != nil || tok.Token == "" {
		return nil, exitcode.Errorf(exitcode.Provider, "sentry %s: the answer has no token", grantType)
	}
	return &tok, nil
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
