package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/endpoints"

	"github.com/authctl/authctl/internal/exitcode"
)

var githubDefaults = builtin{
	endpoint: oauth2.Endpoint{
		AuthURL:       endpoints.GitHub.AuthURL,
		TokenURL:      endpoints.GitHub.TokenURL,
		DeviceAuthURL: endpoints.GitHub.DeviceAuthURL,
		AuthStyle:     oauth2.AuthStyleInParams, // GitHub documents client_id/client_secret as parameters
	},
	apiURL: "https://api.github.com",
	scopes: []string{"read:user"},
	// The device flow needs no secret, and its tokens refresh without one ("Refreshing user
	// access tokens"); the web flow needs it.
	webSecretRequired: true,
	behaviour:         github{},
}

// github is an OAuth App (tokens that never expire) or a GitHub App user
// token (8 h tokens, rotating refresh tokens with refresh_token_expires_in);
// golang.org/x/oauth2 already turns its HTTP-200 error bodies into
// RetrieveError. Identity is GET /user; revocation is the Applications API.
type github struct{ standard }

func (github) identity(ctx context.Context, p *Provider, accessToken string) (Identity, error) {
	var user struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
	}
	if err := getJSON(ctx, p, p.APIURL+"/user", accessToken, "", &user); err != nil {
		return Identity{}, err
	}
	return Identity{ID: strconv.FormatInt(user.ID, 10), Name: user.Login}, nil
}

// revoke calls DELETE /applications/{client_id}/token with Basic client
// credentials; 404 means the token was already invalid, which is the goal.
func (github) revoke(ctx context.Context, p *Provider, cred *Credential) error {
	if p.ClientSecret == "" {
		return exitcode.Errorf(exitcode.Usage, "%s: revoking needs the client secret; set providers.%s.client_secret_env", p.Name, p.Name)
	}
	body, err := json.Marshal(map[string]string{"access_token": cred.AccessToken})
	if err != nil {
		return err
	}
	target := p.APIURL + "/applications/" + url.PathEscape(p.ClientID) + "/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, target, bytes.NewReader(body))
	if err != nil {
		return exitcode.New(exitcode.Usage, fmt.Errorf("%s: revoke: %w", p.Name, err))
	}
	req.SetBasicAuth(p.ClientID, p.ClientSecret)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := p.client.Do(req)
	if err != nil {
		return networkError(p, "revoke", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	switch {
	case resp.StatusCode/100 == 2, resp.StatusCode == http.StatusNotFound:
		return nil
	case resp.StatusCode == http.StatusUnauthorized:
		return exitcode.Errorf(exitcode.Usage, "%s: revoke: client credentials rejected (HTTP 401); check providers.%s.client_id and its secret", p.Name, p.Name)
	default:
		return exitcode.Errorf(exitcode.Provider, "%s: revoke: HTTP %d %s", p.Name, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
}
