package ui

import (
	"bytes"
	"testing"
)

func TestMark(t *testing.T) {
	t.Parallel()
	plain := NewStyles(&bytes.Buffer{}, false)
	if plain.Mark(true) != "✓" || plain.Mark(false) != "✗" {
		t.Errorf("without colour: %q %q", plain.Mark(true), plain.Mark(false))
	}
	colour := NewStyles(&bytes.Buffer{}, true)
	if got, want := colour.Mark(true), colour.Success.Render("✓"); got != want || got == "✓" {
		t.Errorf("with colour: %q, want %q styled", got, want)
	}
	if got, want := colour.Mark(false), colour.Failure.Render("✗"); got != want {
		t.Errorf("with colour: %q, want %q", got, want)
	}
}
