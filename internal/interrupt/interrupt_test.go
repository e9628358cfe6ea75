//go:build unix

package interrupt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
)

// A signal cancels the context with its exit code as the cause, once
// something waits on it (Done) or Listen was called.
func TestSignalsCancelWithTheirExitCode(t *testing.T) {
	for _, tt := range []struct {
		name   string
		signal syscall.Signal
		start  func(*Context)
		code   int
	}{
		{"SIGINT after Listen", syscall.SIGINT, (*Context).Listen, exitcode.Interrupted},
		{"SIGTERM after Done", syscall.SIGTERM, func(c *Context) { c.Done() }, exitcode.Terminated},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := New()
			defer ctx.Stop()
			tt.start(ctx)
			if err := syscall.Kill(syscall.Getpid(), tt.signal); err != nil {
				t.Fatal(err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("the signal did not cancel the context")
			}
			if got := exitcode.Of(context.Cause(ctx)); got != tt.code {
				t.Fatalf("cause %v: exit %d, want %d", context.Cause(ctx), got, tt.code)
			}
		})
	}
}

// A context derived from it (directly or through a value), or an AfterFunc on
// it, asks for Done and so starts the listening; each sees the signal's cause.
// Were it not listening, the signal would end the test binary.
func TestDerivedContextsListenAndSeeTheCause(t *testing.T) {
	ctx := New()
	defer ctx.Stop()
	child, cancel := context.WithTimeout(context.WithValue(ctx, derivedKey{}, true), time.Hour)
	defer cancel()
	fired := make(chan struct{})
	defer context.AfterFunc(ctx, func() { close(fired) })()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, done := range []<-chan struct{}{child.Done(), fired} {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the signal did not reach the derived context and the AfterFunc")
		}
	}
	if got := exitcode.Of(context.Cause(child)); got != exitcode.Terminated {
		t.Fatalf("derived context's cause %v: exit %d, want %d", context.Cause(child), got, exitcode.Terminated)
	}
}

type derivedKey struct{}

// Stop cancels without a signal's cause.
func TestStop(t *testing.T) {
	ctx := New()
	ctx.Listen()
	ctx.Stop()
	<-ctx.Done()
	if cause := context.Cause(ctx); cause != context.Canceled {
		t.Fatalf("cause %v, want context.Canceled", cause)
	}
}

// After Stop, SIGINT ends the process as it ends any program: the signal is no
// longer caught. The check runs in a child process, which the signal kills.
func TestStopEndsListening(t *testing.T) {
	if os.Getenv("INTERRUPT_TEST_CHILD") == "1" {
		ctx := New()
		ctx.Listen()
		ctx.Stop()
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(os.Stdin) // the parent never writes nor closes it: only the signal ends this
		t.Fatal("SIGINT after Stop did not end the process")
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestStopEndsListening$")
	cmd.Env = append(os.Environ(), "INTERRUPT_TEST_CHILD=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || !exit.Sys().(syscall.WaitStatus).Signaled() || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT {
			t.Fatalf("child: %v, want killed by SIGINT\n%s", err, &out)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("the child still caught SIGINT after Stop\n%s", &out)
	}
}
