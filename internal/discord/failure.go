package discord

import (
	"errors"
	"strings"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
)

// LoginScopes are the scopes every guild question can be answered with.
const LoginScopes = "identify,guilds,guilds.members.read"

// LoginHint is the command that logs in to providerName with LoginScopes.
func LoginHint(providerName string) string {
	return "authctl login " + providerName + " --scopes " + LoginScopes
}

// Failure gives what a check or a listing could not answer its exit code: a
// scope Discord or the store said is missing is exit 3 with the login that
// grants it, what Discord could not answer exit 4 with the cause in words.
// Other errors (the store's own, cancellation) come back unchanged.
func Failure(err error, providerName string) error {
	var scope *ScopeError
	var rl *RateLimitError
	var unavailable *UnavailableError
	var malformed *MalformedError
	var apiErr *APIError
	switch {
	case errors.As(err, &scope):
		return exitcode.Errorf(exitcode.Auth, "%v; re-login with scope %s: %s", scope, scope.Scope, LoginHint(providerName))
	case errors.As(err, &rl) && rl.InARow > 0:
		return exitcode.Errorf(exitcode.Provider, "discord rate limit: %d answers in a row were 429; retry after %s", rl.InARow, rl.At.UTC().Format(time.RFC3339))
	case errors.As(err, &rl):
		return exitcode.Errorf(exitcode.Provider, "discord rate limit: wait %s exceeds --max-wait; retry after %s",
			rl.RetryAfter.Round(time.Millisecond), rl.At.UTC().Format(time.RFC3339))
	case errors.As(err, &unavailable), errors.As(err, &malformed), errors.As(err, &apiErr):
		return exitcode.New(exitcode.Provider, err)
	}
	return err
}

// BotToken is a bot token as kept in a variable, with or without its "Bot " scheme, without it.
func BotToken(v string) string {
	return strings.TrimPrefix(strings.TrimSpace(v), "Bot ")
}

// IsID reports whether v has the shape of a Discord ID (a snowflake): 1 to 20 decimal digits.
func IsID(v string) bool {
	return v != "" && len(v) <= 20 && strings.Trim(v, "0123456789") == ""
}
