package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/exitcode"
)

// rejectedGrant lists the token-endpoint error codes that mean the code or
// refresh token is no good: the user has to log in again.
var rejectedGrant = map[string]bool{
	"invalid_grant":         true,
	"bad_refresh_token":     true, // GitHub
	"bad_verification_code": true, // GitHub
	"invalid_refresh_token": true, // Slack
	"invalid_code":          true, // Slack
	"code_already_used":     true, // Slack
	"token_revoked":         true, // Slack
	"token_expired":         true, // Slack
	"expired_token":         true,
	"invalid_token":         true,
	"access_denied":         true,
}

// clientRejected lists the codes that mean the client id or secret in the
// configuration is wrong.
var clientRejected = map[string]bool{
	"invalid_client":               true,
	"unauthorized_client":          true,
	"incorrect_client_credentials": true, // GitHub
	"invalid_client_id":            true, // Slack
	"bad_client_secret":            true, // Slack
	"bad_redirect_uri":             true,
	"redirect_uri_mismatch":        true, // GitHub
}

// tokenError maps a failed token-endpoint call (step: "exchange code",
// "refresh token") to an exit code: a rejected grant is 3 with the way out,
// rejected client credentials 2, everything else 4. Response bodies are never
// included: they may echo what was sent.
func tokenError(p *Provider, step string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return codedTokenError(p, step, re.ErrorCode, re.ErrorDescription, statusOf(re.Response))
	}
	return networkError(p, step, err)
}

// codedTokenError maps an OAuth error code (possibly empty) and HTTP status.
func codedTokenError(p *Provider, step, code, description string, status int) error {
	what := code
	if description != "" {
		what = fmt.Sprintf("%s: %s", code, description)
	}
	switch {
	case rejectedGrant[code]:
		if step == "refresh token" {
			return exitcode.Errorf(exitcode.Auth, "%s: refresh token rejected (%s); run authctl login %s", p.Name, what, p.Name)
		}
		return exitcode.Errorf(exitcode.Auth, "%s: %s rejected (%s); run authctl login %s", p.Name, step, what, p.Name)
	case clientRejected[code]:
		return exitcode.Errorf(exitcode.Usage, "%s: %s: client credentials rejected (%s); check providers.%s.client_id and its secret", p.Name, step, what, p.Name)
	case code != "":
		return exitcode.Errorf(exitcode.Provider, "%s: %s: %s (HTTP %d)", p.Name, step, what, status)
	case status != 0:
		return exitcode.Errorf(exitcode.Provider, "%s: %s: HTTP %d %s", p.Name, step, status, http.StatusText(status))
	default:
		return exitcode.Errorf(exitcode.Provider, "%s: %s: malformed response", p.Name, step)
	}
}

// networkError maps a transport failure or an unreadable response to exit 4,
// keeping an interrupt's own code.
func networkError(p *Provider, step string, err error) error {
	if code := exitcode.Of(err); code != exitcode.Provider {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return exitcode.Errorf(exitcode.Provider, "%s: %s: timed out", p.Name, step)
	}
	return exitcode.New(exitcode.Provider, fmt.Errorf("%s: %s: %w", p.Name, step, err))
}

func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// ErrUnauthorized marks an API call answered with 401. Callers of
// credential.Source.With wrap it (fmt.Errorf("list guilds: %w", ErrUnauthorized))
// to have the token refreshed once and the call retried once.
var ErrUnauthorized = exitcode.Errorf(exitcode.Auth, "the provider answered 401 Unauthorized")
