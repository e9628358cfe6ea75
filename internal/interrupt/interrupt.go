// Package interrupt is the context authctl's commands run under: SIGINT and
// SIGTERM cancel it with a cause that carries the matching exit code (130 or
// 143), so that the command stops what it waits for and the root reports it.
package interrupt

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/authctl/authctl/internal/exitcode"
)

// Context listens for the signals from the first call of Done — when
// something first waits on it — or of Listen: listening costs the runtime two
// more OS threads, which a command that never waits need not pay.
type Context struct {
	context.Context // cancelled with the signal's cause
	cancel          context.CancelCauseFunc
	listening       sync.Once
	signals         chan os.Signal // registered with signal.Notify by Listen
}

// New returns a context that is not listening yet.
func New() *Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	return &Context{Context: ctx, cancel: cancel}
}

// Done starts listening for the signals before it returns the channel.
func (c *Context) Done() <-chan struct{} {
	c.Listen()
	return c.Context.Done()
}

// Listen starts listening for SIGINT and SIGTERM, once.
func (c *Context) Listen() {
	c.listening.Do(func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		c.signals = ch
		go func() {
			select {
			case s := <-ch:
				if s == syscall.SIGTERM {
					c.cancel(exitcode.Errorf(exitcode.Terminated, "terminated"))
				} else {
					c.cancel(exitcode.Errorf(exitcode.Interrupted, "interrupted"))
				}
				signal.Stop(ch)
			case <-c.Context.Done():
			}
		}()
	})
}

// Stop cancels the context and stops listening: from then on SIGINT and
// SIGTERM end the process as they end any program.
func (c *Context) Stop() {
	c.listening.Do(func() {}) // no listening after Stop; a Listen that ran has set signals
	c.cancel(nil)
	if c.signals != nil {
		signal.Stop(c.signals)
	}
}
