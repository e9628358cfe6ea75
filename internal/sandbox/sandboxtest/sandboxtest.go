// Package sandboxtest starts a sandbox for a test.
package sandboxtest

import (
	"testing"

	"github.com/authctl/authctl/internal/sandbox"
)

// Option changes the sandbox's options before it starts.
type Option func(*sandbox.Options)

// WithSeed serves seed instead of the default one.
func WithSeed(seed *sandbox.Seed) Option { return func(o *sandbox.Options) { o.Seed = seed } }

// AutoApprove skips the consent page (see sandbox.Options.AutoApprove).
func AutoApprove() Option { return func(o *sandbox.Options) { o.AutoApprove = true } }

// Start runs a sandbox on a random loopback port, closed when the test ends.
func Start(t testing.TB, opts ...Option) *sandbox.Server {
	t.Helper()
	o := sandbox.Options{GitRoot: t.TempDir()}
	for _, opt := range opts {
		opt(&o)
	}
	s := sandbox.New(o)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// WithClock makes c the sandbox's clock (see sandbox.Options.Now).
func WithClock(c *sandbox.Clock) Option { return func(o *sandbox.Options) { o.Now = c.Now } }
