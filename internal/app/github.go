package app

import (
	"bytes"
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

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
)

// requestTimeout bounds every call to GitHub's app endpoints.
const requestTimeout = 30 * time.Second

// GitHubClient calls GitHub's /app endpoints with an app JWT.
type GitHubClient struct {
	APIURL string
	HTTP   *http.Client
	JWT    string
	Now    func() time.Time
}

// InstallationToken is GitHub's answer to POST /app/installations/{id}/access_tokens.
type InstallationToken struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// TokenRequest narrows an installation token to some permissions and repositories.
type TokenRequest struct {
	Permissions  map[string]string `json:"permissions,omitempty"`
	Repositories []string          `json:"repositories,omitempty"`
}

// FindInstallation returns the installation id covering a repo ("owner/name") or an account:
// an organization (GET /orgs/{org}/installation) or, when GitHub knows no organization of that
// name, a personal account (GET /users/{username}/installation).
func (c *GitHubClient) FindInstallation(ctx context.Context, repo, account string) (int64, error) {
	var out struct {
		ID int64 `json:"id"`
	}
	if repo != "" {
		owner, name, ok := strings.Cut(repo, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			return 0, exitcode.Errorf(exitcode.Usage, "--repo %q must be OWNER/NAME", repo)
		}
		if err := c.do(ctx, http.MethodGet, "/repos/"+url.PathEscape(owner)+"/"+url.PathEscape(name)+"/installation", nil, http.StatusOK, &out); err != nil {
			return 0, fmt.Errorf("find installation: %w", err)
		}
		return out.ID, nil
	}
	err := c.do(ctx, http.MethodGet, "/orgs/"+url.PathEscape(account)+"/installation", nil, http.StatusOK, &out)
	if errors.Is(err, errNotInstalled) {
		err = c.do(ctx, http.MethodGet, "/users/"+url.PathEscape(account)+"/installation", nil, http.StatusOK, &out)
	}
	if errors.Is(err, errNotInstalled) {
		return 0, exitcode.Errorf(exitcode.Usage, "find installation: the app is not installed on the organization or user %s", account)
	}
	if err != nil {
		return 0, fmt.Errorf("find installation: %w", err)
	}
	return out.ID, nil
}

// errNotInstalled marks GitHub's 404 for an installation it does not have: no login fixes it,
// the installation must change (exit 2).
var errNotInstalled = exitcode.Errorf(exitcode.Usage, "the app is not installed there")

// CreateToken mints an installation token.
func (c *GitHubClient) CreateToken(ctx context.Context, installation int64, req TokenRequest) (*InstallationToken, error) {
	var body []byte
	if len(req.Permissions) > 0 || len(req.Repositories) > 0 {
		b, err := json.Marshal(req)
		if err != nil {
			return nil, fmt.Errorf("encode token request: %w", err)
		}
		body = b
	}
	var tok InstallationToken
	path := "/app/installations/" + strconv.FormatInt(installation, 10) + "/access_tokens"
	if err := c.do(ctx, http.MethodPost, path, body, http.StatusCreated, &tok); err != nil {
		return nil, fmt.Errorf("create installation token: %w", err)
	}
	if tok.Token == "" || tok.ExpiresAt.IsZero() {
		return nil, exitcode.Errorf(exitcode.Provider, "create installation token: GitHub's answer has no token or expires_at")
	}
	return &tok, nil
}

// attempts is how many times a call is made when GitHub answers 5xx or the connection fails.
const attempts = 3

// retryBackoff is the wait before the second attempt; it doubles for each one after.
const retryBackoff = 500 * time.Millisecond

// do calls GitHub, retrying 5xx answers and connection failures with backoff, and decodes a
// want answer into out.
func (c *GitHubClient) do(ctx context.Context, method, path string, body []byte, want int, out any) error {
	var err error
	for attempt := range attempts {
		if attempt > 0 {
			select {
			case <-time.After(retryBackoff << (attempt - 1)):
			case <-ctx.Done():
				return exitcode.New(exitcode.Provider, ctx.Err())
			}
		}
		var retry bool
		if retry, err = c.once(ctx, method, path, body, want, out); !retry {
			return err
		}
	}
	return fmt.Errorf("%w (after %d attempts)", err, attempts)
}

// once makes one call; retry tells whether the failure may pass if the call is made again.
func (c *GitHubClient) once(ctx context.Context, method, path string, body []byte, want int, out any) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.APIURL+path, reader)
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Bearer "+c.JWT)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return ctx.Err() == nil, exitcode.New(exitcode.Provider, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return true, exitcode.New(exitcode.Provider, err)
	}
	if resp.StatusCode == want {
		if err := json.Unmarshal(data, out); err != nil {
			return false, exitcode.Errorf(exitcode.Provider, "decode GitHub's answer: %v", err)
		}
		return false, nil
	}
	var msg struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(data, &msg)
	if msg.Message == "" {
		msg.Message = http.StatusText(resp.StatusCode)
	}
	if wait, limited := provider.RateLimited(resp); limited {
		// fidelity: github-rate-limit
		return false, exitcode.Errorf(exitcode.Provider, "GitHub's rate limit: %s (%s)", msg.Message, rateLimitWait(wait))
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return false, JWTRejection(msg.Message, resp.Header, c.Now())
	case resp.StatusCode == http.StatusNotFound && msg.Message == "Integration not found":
		// fidelity: github-app-unknown-id
		return false, exitcode.Errorf(exitcode.Usage, "GitHub knows no app with this id or client ID (check --app-id or --client-id)")
	case resp.StatusCode == http.StatusNotFound:
		return false, fmt.Errorf("GitHub answered 404 %s: %w", path, errNotInstalled)
	case resp.StatusCode == http.StatusUnprocessableEntity:
		// Repositories or permissions beyond what the installation was granted.
		return false, exitcode.Errorf(exitcode.Usage, "GitHub refused the request: %s", msg.Message)
	case resp.StatusCode == http.StatusForbidden:
		// A suspended installation or an app without the permission: the app's settings must change.
		return false, exitcode.Errorf(exitcode.Usage, "GitHub answered 403: %s", msg.Message)
	}
	return resp.StatusCode >= 500, exitcode.Errorf(exitcode.Provider, "GitHub answered %d: %s", resp.StatusCode, msg.Message)
}

// rateLimitWait says when to try again: after Retry-After (a secondary limit), else when the
// primary limit resets.
func rateLimitWait(wait provider.RateLimitWait) string {
	switch {
	case wait.RetryAfter >= 0:
		return fmt.Sprintf("try again in %ds", wait.RetryAfter)
	case wait.Reset.IsZero():
		return "resets at an unknown time"
	}
	return "resets at " + wait.Reset.Format(time.RFC3339)
}
