package interrupt

import (
	"context"
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
