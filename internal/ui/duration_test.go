package ui

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{167*time.Hour + 59*time.Minute + 50*time.Second, "6 days 23 hours"},
		{30 * 24 * time.Hour, "30 days"},
		{25 * time.Hour, "1 day 1 hour"},
		{8 * time.Hour, "8 hours"},
		{7*time.Hour + 59*time.Minute + 59*time.Second, "7 hours 59 minutes"},
		{59*time.Minute + 30*time.Second, "59 minutes"},
		{time.Minute, "1 minute"},
		{42 * time.Second, "42 seconds"},
		{0, "0 seconds"},
		{-90 * time.Second, "1 minute"},
	}
	for _, tt := range tests {
		if got := Duration(tt.d); got != tt.want {
			t.Errorf("Duration(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestExpires(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	for _, tt := range []struct {
		expiry *time.Time
		want   string
	}{
		{nil, "never"}, {&time.Time{}, "never"}, {at(0), "expired"}, {at(-time.Hour), "expired"}, {at(90 * time.Minute), "in 1 hour 30 minutes"},
	} {
		if got := Expires(tt.expiry, now); got != tt.want {
			t.Errorf("Expires(%v) = %q, want %q", tt.expiry, got, tt.want)
		}
	}
}
