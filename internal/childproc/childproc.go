// Package childproc runs a program as authctl's child: with an environment of
// authctl's choosing, on authctl's standard streams, with SIGINT and SIGTERM
// passed on to it, and its exit status handed back as a shell reports it.
package childproc

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
)

// Command is the program to run.
type Command struct {
	Name string   // looked up in PATH unless it holds a '/'
	Args []string // after Name
	Env  []string // the environment the child starts from
	// Set are variables that replace their namesakes in Env or are added to it.
	Set    map[string]string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// StartError is a program that could not be started; its exit code is the
// shell's: 127 when it is not found, 126 when it cannot be executed.
type StartError struct {
	Name string
	Err  error
}

func (e *StartError) Error() string { return fmt.Sprintf("run %s: %v", e.Name, e.Err) }
func (e *StartError) Unwrap() error { return e.Err }

// ExitCode is 127 for a program that does not exist, else 126.
func (e *StartError) ExitCode() int {
	if errors.Is(e.Err, exec.ErrNotFound) || errors.Is(e.Err, fs.ErrNotExist) {
		return 127
	}
	return 126
}

// forwarded are the signals passed on to the child while it runs.
var forwarded = []os.Signal{os.Interrupt, syscall.SIGTERM}

// Run runs c until it exits and returns its exit code, or 128+N when signal N
// ended it. SIGINT and SIGTERM that reach this process meanwhile are sent to
// the child, which decides what they mean; this process waits for it either way.
func Run(c Command) (int, error) {
	cmd := exec.Command(c.Name, c.Args...)
	cmd.Env = environ(c.Env, c.Set)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	// Registered before Start, so a signal arriving while the child starts is not lost.
	signals := make(chan os.Signal, len(forwarded))
	signal.Notify(signals, forwarded...)
	defer signal.Stop(signals)
	if err := cmd.Start(); err != nil {
		return 0, &StartError{Name: c.Name, Err: err}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case s := <-signals:
			_ = cmd.Process.Signal(s) // the child may be gone already; Wait tells
		case err := <-done:
			return exitStatus(cmd, err)
		}
	}
}

// environ is base with the variables of set replaced or added.
func environ(base []string, set map[string]string) []string {
	env := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if _, replaced := set[name]; !replaced {
			env = append(env, kv)
		}
	}
	for name, value := range set {
		env = append(env, name+"="+value)
	}
	return env
}

// exitStatus is the child's exit code, or 128+N for a child ended by signal N.
func exitStatus(cmd *exec.Cmd, err error) (int, error) {
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return 0, fmt.Errorf("wait for %s: %w", cmd.Path, err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return cmd.ProcessState.ExitCode(), nil
}
