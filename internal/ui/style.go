package ui

import (
	"fmt"
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Styles are fixed colours: an adaptive colour would make lipgloss query the
// terminal's background, which stalls when nothing answers.
type Styles struct {
	Success lipgloss.Style
	Failure lipgloss.Style
	Warning lipgloss.Style
	Faint   lipgloss.Style
	Bold    lipgloss.Style
}

// NewStyles returns styles that render to w, coloured only when color is true.
func NewStyles(w io.Writer, color bool) Styles {
	r := lipgloss.NewRenderer(w)
	if color {
		r.SetColorProfile(termenv.ANSI)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	r.SetHasDarkBackground(true)
	return Styles{
		Success: r.NewStyle().Foreground(lipgloss.Color("2")),
		Failure: r.NewStyle().Foreground(lipgloss.Color("1")),
		Warning: r.NewStyle().Foreground(lipgloss.Color("3")),
		Faint:   r.NewStyle().Faint(true),
		Bold:    r.NewStyle().Bold(true),
	}
}

// Mark is a check mark styled as success when ok, else a cross styled as failure.
func (st Styles) Mark(ok bool) string {
	if ok {
		return st.Success.Render("✓")
	}
	return st.Failure.Render("✗")
}

// ErrStyles are the styles for messages on stderr.
func (s *IOStreams) ErrStyles() Styles { return NewStyles(s.ErrOut, s.ColorOnStderr()) }

// Warnf prints a warning for people on stderr.
func (s *IOStreams) Warnf(format string, args ...any) {
	st := s.ErrStyles()
	fmt.Fprintln(s.ErrOut, st.Warning.Render("warning:"), fmt.Sprintf(format, args...))
}

// Infof prints a progress or status line for people on stderr.
func (s *IOStreams) Infof(format string, args ...any) {
	fmt.Fprintf(s.ErrOut, format+"\n", args...)
}
