package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/authctl/authctl/internal/ui"
)

// Rendering helpers shared by the commands' human output.

// expiryText describes an expiry for people.
func expiryText(expiry, now time.Time) string {
	if expiry.IsZero() {
		return "it does not expire"
	}
	if !expiry.After(now) {
		return "expired " + expiry.Local().Format(time.RFC3339)
	}
	return "valid until " + expiry.Local().Format(time.RFC3339) + " (" + ui.Duration(expiry.Sub(now)) + ")"
}

// timeOrNil is null in JSON for a zero time (never expires).
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func accountSuffix(account, format string) string {
	if account == "" {
		return ""
	}
	return fmt.Sprintf(format, account)
}

// scopesText joins scopes for a table cell.
func scopesText(scopes []string) string {
	if len(scopes) == 0 {
		return "-"
	}
	return strings.Join(scopes, ",")
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}

func orDash(s string) string { return orWord(s, "-") }

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", " ") }
