package ui

import (
	"fmt"
	"time"
)

// Duration says how long d is the way people do, in its largest unit with the
// next one where it matters: "7 days", "1 day 4 hours", "8 hours",
// "59 minutes", "42 seconds". Negative durations are said as positive.
func Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	day := 24 * time.Hour
	switch {
	case d >= 7*day:
		return plural(int(d/day), "day")
	case d >= day:
		return joinUnits(int(d/day), "day", int(d%day/time.Hour), "hour")
	case d >= time.Hour:
		return joinUnits(int(d/time.Hour), "hour", int(d%time.Hour/time.Minute), "minute")
	case d >= time.Minute:
		return plural(int(d/time.Minute), "minute")
	}
	return plural(int(d/time.Second), "second")
}

func joinUnits(n int, unit string, m int, next string) string {
	if m == 0 {
		return plural(n, unit)
	}
	return plural(n, unit) + " " + plural(m, next)
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Expires words an expiry for a table cell: "never" for none (nil or zero), "expired" once it
// is not after now, else "in" how long.
func Expires(expiry *time.Time, now time.Time) string {
	switch {
	case expiry == nil || expiry.IsZero():
		return "never"
	case !expiry.After(now):
		return "expired"
	}
	return "in " + Duration(expiry.Sub(now))
}
