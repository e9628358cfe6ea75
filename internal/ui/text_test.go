package ui

import (
	"testing"
	"time"
)

func TestText(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	later := now.Add(90 * time.Second)
	for _, tt := range []struct{ got, want string }{
		{ExpiryPhrase(time.Time{}, now), "it does not expire"},
		{ExpiryPhrase(now, now), "expired " + now.Local().Format(time.RFC3339)},
		{ExpiryPhrase(later, now), "valid until " + later.Local().Format(time.RFC3339) + " (" + Duration(90*time.Second) + ")"},
		{Optional(" (account %s)", ""), ""},
		{Optional(" (account %s)", "bob"), " (account bob)"},
		{ListCell(nil), "-"},
		{ListCell([]string{"identify", "guilds"}), "identify,guilds"},
		{OrDash(""), "-"},
		{OrDash("x"), "x"},
		{OneLine(" a\nb\n"), "a b"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if NullTime(time.Time{}) != nil || *NullTime(now) != now {
		t.Error("NullTime: nil for the zero time, else the time")
	}
}
