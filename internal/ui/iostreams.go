// Package ui holds the process streams, TTY detection, styling and the
// rendering of text and JSON output.
package ui

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the streams a command reads and writes. Commands never touch
// os.Stdin, os.Stdout or os.Stderr directly.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	StdinTTY  bool
	StdoutTTY bool
	StderrTTY bool

	// NoColor is set by a non-empty NO_COLOR, TERM=dumb or --no-color.
	NoColor bool
}

// System returns the process's own streams.
func System() *IOStreams {
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		StdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		NoColor:   NoColorEnv(os.Getenv),
	}
}

// NoColorEnv reports whether the environment turns colour off: a non-empty
// NO_COLOR (no-color.org: an empty one does not) or TERM=dumb. CI does not:
// colour is decided by whether the stream is a terminal, and CI logs are not.
func NoColorEnv(getenv func(string) string) bool {
	return getenv("NO_COLOR") != "" || getenv("TERM") == "dumb"
}

// Test returns streams backed by buffers, none of them a terminal.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// ColorOnStderr reports whether messages for people on stderr may be styled.
func (s *IOStreams) ColorOnStderr() bool { return s.StderrTTY && !s.NoColor }

// ColorOnStdout reports whether data on stdout may be styled.
func (s *IOStreams) ColorOnStdout() bool { return s.StdoutTTY && !s.NoColor }
