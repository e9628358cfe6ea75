package ui

import (
	"fmt"
	"io"
	"strings"
)

// ProgressBar returns a function that draws done of total on a terminal, in
// place; ClearLine removes it.
func ProgressBar(w io.Writer) func(done, total int) {
	const width = 30
	return func(done, total int) {
		filled := done * width / total
		fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
	}
}

// ClearLine erases the line the cursor is on, as a spinner or bar leaves it.
func ClearLine(w io.Writer) { fmt.Fprint(w, "\r\033[K") }
