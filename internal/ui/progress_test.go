package ui

import (
	"bytes"
	"testing"
)

func TestProgressBar(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	draw := ProgressBar(&buf)
	draw(0, 4)
	draw(2, 4)
	draw(4, 4)
	ClearLine(&buf)
	want := "\r[..............................] 0/4\r[###############...............] 2/4\r[##############################] 4/4\r\x1b[K"
	if got := buf.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
