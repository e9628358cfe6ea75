package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/endpoints"

	"github.com/authctl/authctl/internal/exitcode"
)

var slackDefaults = builtin{
	endpoint: oauth2.Endpoint{
		AuthURL:   endpoints.Slack.AuthURL,
		TokenURL:  endpoints.Slack.TokenURL,
		AuthStyle: oauth2.AuthStyleInParams,
	},
	revokeURL:    "https://slack.com/api/auth.revoke",
	apiURL:       "https://slack.com/api",
	scopes:       []string{"users:read"},
	redirectHost: "localhost", // Slack allows plain-HTTP redirects only to localhost
	behaviour:    slack{},
}

// slack answers every call with HTTP 200 and {"ok": false, "error": …}, and
// a user-scope install has no top-level access_token (the user token is in
// authed_user), which golang.org/x/oauth2 cannot parse: its token endpoint is
// spoken here directly. authctl logs users in, so configured scopes are
// user scopes (`user_scope`, comma-separated).
type slack struct{}

// slackScopesInURL moves the scopes from `scope` (space-separated, bot
// scopes) to `user_scope` (comma-separated) on the authorize URL; oauth2
// appends its own parameters after an existing query.
func slackScopesInURL(conf *oauth2.Config) {
	if len(conf.Scopes) == 0 {
		return
	}
	sep := "?"
	if strings.Contains(conf.Endpoint.AuthURL, "?") {
		sep = "&"
	}
	conf.Endpoint.AuthURL += sep + url.Values{"user_scope": {strings.Join(conf.Scopes, ",")}}.Encode()
	conf.Scopes = nil
}

func (slack) authCodeOptions(*Provider, string) []oauth2.AuthCodeOption { return nil }

// slackTokenResponse is oauth.v2.access's answer.
type slackTokenResponse struct {
	OK           bool   `json:"ok"`
	Error        string `json:"error"`
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	BotUserID    string `json:"bot_user_id"`
	AppID        string `json:"app_id"`
	Team         struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"team"`
	AuthedUser struct {
		ID           string `json:"id"`
		Scope        string `json:"scope"`
		AccessToken  string `json:"access_token"`
		TokenType    string `json:"token_type"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
	} `json:"authed_user"`
}

func (slack) exchange(ctx context.Context, p *Provider, conf *oauth2.Config, code, verifier, _ string) (*Credential, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}}
	if conf.RedirectURL != "" {
		form.Set("redirect_uri", conf.RedirectURL)
	}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	cred, err := slackToken(ctx, p, "exchange code", form)
	if err != nil {
		return nil, err
	}
	return cred, fillIdentity(ctx, p, cred)
}

func (slack) refresh(ctx context.Context, p *Provider, cred *Credential) (*Credential, error) {
	fresh, err := slackToken(ctx, p, "refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {cred.RefreshToken}})
	if err != nil {
		return nil, err
	}
	return rotated(cred, fresh), nil
}

func (slack) fromToken(ctx context.Context, p *Provider, tok *oauth2.Token) (*Credential, error) {
	cred := credentialFromToken(p, tok)
	return cred, fillIdentity(ctx, p, cred)
}

// identity is auth.test.
func (slack) identity(ctx context.Context, p *Provider, accessToken string) (Identity, error) {
	var out struct {
		OK     bool   `json:"ok"`
		Error  string `json:"error"`
		User   string `json:"user"`
		UserID string `json:"user_id"`
	}
	if err := slackCall(ctx, p, "identity", p.APIURL+"/auth.test", accessToken, &out); err != nil {
		return Identity{}, err
	}
	if !out.OK {
		return Identity{}, slackAPIError(p, "identity", out.Error)
	}
	return Identity{ID: out.UserID, Name: out.User}, nil
}

// revoke is auth.revoke with the token itself.
func (slack) revoke(ctx context.Context, p *Provider, cred *Credential) error {
	if p.RevokeURL == "" {
		return ErrRevokeUnsupported
	}
	var out struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := slackCall(ctx, p, "revoke", p.RevokeURL, cred.AccessToken, &out); err != nil {
		return err
	}
	if !out.OK && out.Error != "invalid_auth" && out.Error != "token_revoked" {
		return slackAPIError(p, "revoke", out.Error)
	}
	return nil
}

// slackToken posts a grant to oauth.v2.access and keeps the user token when
// the install has one, else the bot token.
func slackToken(ctx context.Context, p *Provider, step string, form url.Values) (*Credential, error) {
	form.Set("client_id", p.ClientID)
	if p.ClientSecret != "" {
		form.Set("client_secret", p.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Endpoint.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, fmt.Errorf("%s: %s: %w", p.Name, step, err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	var out slackTokenResponse
	if err := doSlack(p, step, req, &out); err != nil {
		return nil, err
	}
	if !out.OK {
		return nil, codedTokenError(p, step, out.Error, "", http.StatusOK)
	}
	cred := &Credential{Provider: p.Name, TokenType: "Bearer", Extra: map[string]any{}}
	if out.AuthedUser.AccessToken != "" {
		cred.AccessToken, cred.RefreshToken = out.AuthedUser.AccessToken, out.AuthedUser.RefreshToken
		cred.Scopes = splitScopes(out.AuthedUser.Scope)
		cred.Expiry = expiryIn(out.AuthedUser.ExpiresIn)
		cred.Extra["token_type"] = firstNonEmpty(out.AuthedUser.TokenType, "user")
	} else {
		cred.AccessToken, cred.RefreshToken = out.AccessToken, out.RefreshToken
		cred.Scopes = splitScopes(out.Scope)
		cred.Expiry = expiryIn(out.ExpiresIn)
		cred.Extra["token_type"] = firstNonEmpty(out.TokenType, "bot")
	}
	if cred.AccessToken == "" {
		return nil, exitcode.Errorf(exitcode.Provider, "%s: %s: malformed response: no access token", p.Name, step)
	}
	if out.AuthedUser.ID != "" {
		cred.UserID = out.AuthedUser.ID
	}
	if out.Team.ID != "" {
		cred.Extra["team_id"], cred.Extra["team_name"] = out.Team.ID, out.Team.Name
	}
	return cred, nil
}

// slackCall POSTs to a Web API method with a bearer token.
func slackCall(ctx context.Context, p *Provider, step, target, accessToken string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, nil)
	if err != nil {
		return exitcode.New(exitcode.Usage, fmt.Errorf("%s: %s: %w", p.Name, step, err))
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	return doSlack(p, step, req, out)
}

func doSlack(p *Provider, step string, req *http.Request, out any) error {
	resp, err := p.client.Do(req)
	if err != nil {
		return networkError(p, step, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return networkError(p, step, err)
	}
	if wait, limited := rateLimit(resp); limited {
		// fidelity: slack-rate-limit
		return exitcode.Errorf(exitcode.Provider, "%s: %s: rate limited (ratelimited); %s", p.Name, step, wait)
	}
	if resp.StatusCode/100 != 2 {
		return codedTokenError(p, step, "", "", resp.StatusCode)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return exitcode.Errorf(exitcode.Provider, "%s: %s: malformed response: %v", p.Name, step, err)
	}
	return nil
}

// slackAPIError maps a Web API error code.
func slackAPIError(p *Provider, step, code string) error {
	switch code {
	case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive":
		return fmt.Errorf("%s: %s: %w (%s); run authctl login %s", p.Name, step, ErrUnauthorized, code, p.Name)
	case "missing_scope":
		return exitcode.Errorf(exitcode.Auth, "%s: the token lacks a scope (%s); run authctl login %s with the scope added", p.Name, code, p.Name)
	}
	return exitcode.Errorf(exitcode.Provider, "%s: %s: %s", p.Name, step, firstNonEmpty(code, "unknown error"))
}

func expiryIn(seconds int64) time.Time {
	if seconds <= 0 {
		return time.Time{}
	}
	return time.Now().Add(time.Duration(seconds) * time.Second)
}
