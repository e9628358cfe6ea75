package app

import (
	"net/http"
	"strings"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
)

// GitHub's 401 messages for a JWT whose times it refuses; the signature itself was fine.
var jwtTimeRejections = []string{
	"'Expiration time' claim ('exp')",
	"'Issued at' claim ('iat')",
}

// JWTRejection turns GitHub's 401 for the app JWT into an auth error (exit 3), naming the clock
// offset from the response's Date header when GitHub objected to the JWT's times.
func JWTRejection(message string, header http.Header, now time.Time) error {
	for _, marker := range jwtTimeRejections {
		if !strings.Contains(message, marker) {
			continue
		}
		serverTime, err := http.ParseTime(header.Get("Date"))
		if err != nil {
			return exitcode.Errorf(exitcode.Auth, "GitHub rejected the app JWT: %s (check this machine's clock)", message)
		}
		skew := now.Sub(serverTime).Round(time.Second)
		direction := "ahead of"
		if skew < 0 {
			skew, direction = -skew, "behind"
		}
		return exitcode.Errorf(exitcode.Auth, "GitHub rejected the app JWT: your clock may be off by %s (%s GitHub's)", skew, direction)
	}
	if strings.Contains(message, "could not be decoded") {
		// GitHub's answer when the signature does not match the app's registered keys.
		return exitcode.Errorf(exitcode.Auth, "GitHub rejected the app JWT: %s (is the private key this app's, and --app-id right?)", message)
	}
	return exitcode.Errorf(exitcode.Auth, "GitHub rejected the app JWT: %s", message)
}
