// Package exitcode maps errors to the process exit codes promised in CLI.md.
// It is the only place that decides an exit code.
package exitcode

import (
	"errors"
	"fmt"
)

// The exit codes of every authctl command.
const (
	OK          = 0   // success; the check passed; the signature is valid
	No          = 1   // the check answered "no"
	Usage       = 2   // usage or configuration error
	Auth        = 3   // authentication needed
	Provider    = 4   // provider or network failure
	Store       = 5   // credential store unavailable
	Interrupted = 130 // SIGINT
	Terminated  = 143 // SIGTERM
)

// Error carries an exit code with the error that caused it.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// New wraps err so that it exits with code. A nil err stays nil.
func New(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Errorf builds an error that exits with code.
func Errorf(code int, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// Silent is an answer already reported to the user (for example a "no" printed
// as JSON on stdout): the process exits with Code and prints nothing more.
type Silent struct{ Code int }

func (s *Silent) Error() string { return fmt.Sprintf("exit status %d", s.Code) }

// Of returns the exit code for err: from an *Error, or from an error with an
// ExitCode() int method (so lower packages need not import this one). Errors without a code are treated as
// "could not tell" (Provider), never as "no": a script must not read an
// unexpected failure as a negative answer.
func Of(err error) int {
	if err == nil {
		return OK
	}
	var silent *Silent
	if errors.As(err, &silent) {
		return silent.Code
	}
	var coded *Error
	if errors.As(err, &coded) {
		return coded.Code
	}
	var own interface{ ExitCode() int }
	if errors.As(err, &own) {
		return own.ExitCode()
	}
	return Provider
}

// IsSilent reports whether err was already shown to the user.
func IsSilent(err error) bool {
	var silent *Silent
	return errors.As(err, &silent)
}
