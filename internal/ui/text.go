package ui

import (
	"fmt"
	"strings"
	"time"
)

// ExpiryPhrase describes an expiry for a sentence: "valid until … (5m)",
// "expired …" or "it does not expire".
func ExpiryPhrase(expiry, now time.Time) string {
	if expiry.IsZero() {
		return "it does not expire"
	}
	if !expiry.After(now) {
		return "expired " + expiry.Local().Format(time.RFC3339)
	}
	return "valid until " + expiry.Local().Format(time.RFC3339) + " (" + Duration(expiry.Sub(now)) + ")"
}

// NullTime is null in JSON for a zero time (never expires).
func NullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Optional formats s into format when s is set, else gives "".
func Optional(format, s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf(format, s)
}

// ListCell joins items for a table cell, "-" for none.
func ListCell(items []string) string { return OrDash(strings.Join(items, ",")) }

// OrDash is s, or "-" for an empty table cell.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// OneLine puts a message on one line, for an error printed as one.
func OneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", " ") }
