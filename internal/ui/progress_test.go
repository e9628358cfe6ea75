package ui

import (
	"bytes"
	"testing"
)

func TestProgressBar(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	bar := NewProgressBar(&buf)
	bar.Clear()
	if buf.Len() != 0 {
		t.Fatalf("Clear before any Draw wrote %q", buf.String())
	}
	bar.Draw(0, 4)
	bar.Draw(2, 4)
	bar.Draw(4, 4)
	bar.Clear()
	want := "\r[..............................] 0/4\r[###############...............] 2/4\r[##############################] 4/4\r\x1b[K"
	if got := buf.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
