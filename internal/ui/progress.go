package ui

import (
	"fmt"
	"io"
	"strings"
)

// ProgressBar draws done of total on a terminal, in place.
type ProgressBar struct {
	w     io.Writer
	drawn bool
}

// NewProgressBar returns a bar that draws on w.
func NewProgressBar(w io.Writer) *ProgressBar { return &ProgressBar{w: w} }

// Draw draws done of total over the bar drawn before.
func (p *ProgressBar) Draw(done, total int) {
	const width = 30
	filled := done * width / total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
	p.drawn = true
}

// Clear removes the bar, if one was drawn.
func (p *ProgressBar) Clear() {
	if p.drawn {
		ClearLine(p.w)
	}
}

// ClearLine erases the line the cursor is on, as a spinner or bar leaves it.
func ClearLine(w io.Writer) { fmt.Fprint(w, "\r\033[K") }
