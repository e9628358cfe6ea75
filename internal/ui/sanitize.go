package ui

import (
	"strconv"
	"strings"
	"unicode"
)

// Sanitize makes a string that came from outside (a request, a provider, a
// recorded file) safe for a terminal and for one line of text output: control
// characters, including ESC, CR, LF and the C1 range, are written as Go escapes
// (\x1b, \r, \n, \u009b), so they can neither move the cursor, set the title
// nor start a forged line. Printable text, non-ASCII included, is unchanged.
func Sanitize(s string) string {
	if strings.IndexFunc(s, needsEscape) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !needsEscape(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRuneToASCII(r) // e.g. '\x1b', '\ufffd' for a byte that is not UTF-8
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return unicode.IsControl(r) || r == unicode.ReplacementChar || r == '\u2028' || r == '\u2029'
}
