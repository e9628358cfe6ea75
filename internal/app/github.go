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

// FindInstallation returns the installation id covering a repo ("owner/name") or an org.
func (c *GitHubClient) FindInstallation(ctx context.Context, repo, org string) (int64, error) {
	path := "/orgs/" + url.PathEscape(org) + "/installation"
	if repo != "" {
		owner, name, ok := strings.Cut(repo, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			return 0, exitcode.Errorf(exitcode.Usage, "--repo %q must be OWNER/NAME", repo)
		}
		path = "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name) + "/installation"
	}
	var out struct {
		ID int64 `json:"id"`
	}
	if err := c.do(ctx, http.MethodGet, path, nil, http.StatusOK, &out); err != nil {
		return 0, fmt.Errorf("find installation: %w", err)
	}
	return out.ID, nil
}

// CreateToken mints an installation token.
func (c *GitHubClient) CreateToken(ctx context.Context, installation int64, req TokenRequest) (*InstallationToken, error) {
	var body io.Reader
	if len(req.Permissions) > 0 || len(req.Repositories) > 0 {
		b, err := json.Marshal(req)
		if err != nil {
			return nil, fmt.Errorf("encode token request: %w", err)
		}
		body = bytes.NewReader(b)
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

func (c *GitHubClient) do(ctx context.Context, method, path string, body io.Reader, want int, out any) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.APIURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.JWT)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return exitcode.New(exitcode.Provider, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return exitcode.New(exitcode.Provider, err)
	}
	if resp.StatusCode != want {
		var msg struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &msg)
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			return JWTRejection(msg.Message, resp.Header, c.Now())
		case http.StatusNotFound:
			// Like a bot that is not in the guild: no login fixes it, the installation must change.
			return exitcode.Errorf(exitcode.Usage, "GitHub answered 404 %s: the app is not installed there", path)
		case http.StatusUnprocessableEntity:
			// Repositories or permissions beyond what the installation was granted.
			return exitcode.Errorf(exitcode.Usage, "GitHub refused the request: %s", msg.Message)
		}
		return exitcode.Errorf(exitcode.Provider, "GitHub answered %d: %s", resp.StatusCode, msg.Message)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return exitcode.Errorf(exitcode.Provider, "decode GitHub's answer: %v", err)
	}
	return nil
}
