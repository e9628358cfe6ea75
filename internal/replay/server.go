package replay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/loopback"
	"github.com/authctl/authctl/internal/webhook"
)

// ServeOptions configure a Server: where it listens and records, the
// tolerance of its checks, and its Listener's options.
type ServeOptions struct {
	ListenOptions // Scheme, Verify, Window and Recorder are set by Bind
	Addr          string
	// AllowRemote lets the address bound be off loopback.
	AllowRemote bool
	// Record, when set, names the JSONL file every delivery is appended to.
	Record string
	// Tolerance bounds the age of a signed timestamp (0 skips the check).
	Tolerance time.Duration
}

// Server is a Listener bound to its address, recording to its file if asked:
// `webhook listen` from the flags to the summary.
type Server struct {
	listener   *Listener
	ln         net.Listener
	recordFile string
}

// Bind opens o.Record for appending and listens on o.Addr for deliveries to
// verify for s with key. Unless o.AllowRemote, the address bound must be
// loopback: a "localhost" that resolves to all interfaces is refused. Its
// errors are usage errors.
func Bind(s webhook.Scheme, key []byte, o ServeOptions) (*Server, error) {
	o.Scheme = s
	o.Verify = Verifier(s, key, o.Tolerance)
	// A capture older than the tolerance is stale anyway; 0 (no age check) keeps the default window.
	o.Window = o.Tolerance
	if o.Record != "" {
		rec, err := OpenRecorder(o.Record)
		if err != nil {
			return nil, exitcode.New(exitcode.Usage, err)
		}
		o.Recorder = rec
	}
	ln, err := loopback.Listen("tcp", o.Addr, o.AllowRemote)
	var notLoopback *loopback.NotLoopbackError
	switch {
	case errors.As(err, &notLoopback):
		err = exitcode.Errorf(exitcode.Usage, "--addr %q bound %s, which is not a loopback address; add --allow-remote to listen on it anyway", o.Addr, notLoopback.Bound)
	case err != nil:
		err = exitcode.New(exitcode.Usage, fmt.Errorf("listen on %s: %w", o.Addr, err))
	}
	if err != nil {
		if o.Recorder != nil {
			o.Recorder.Close()
		}
		return nil, err
	}
	return &Server{listener: NewListener(o.ListenOptions), ln: ln, recordFile: o.Record}, nil
}

// Addr is the address bound.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Run serves until ctx ends and closes the record file. An error that
// stopped serving is exit 4; the end of ctx is no error.
func (s *Server) Run(ctx context.Context) error {
	if s.listener.o.Recorder != nil {
		defer s.listener.o.Recorder.Close()
	}
	return exitcode.New(exitcode.Provider, s.listener.Serve(ctx, s.ln))
}

// Target says where verified deliveries go, for people.
func (s *Server) Target() string {
	if s.listener.o.ForwardTo == "" {
		return "answering itself"
	}
	return "forwarding to " + RedactURL(s.listener.o.ForwardTo)
}

// Report is what the server received, in words: the counts, and what was
// forwarded and recorded where that was asked for.
func (s *Server) Report() string {
	sum := s.listener.Summary()
	parts := []string{fmt.Sprintf("%d received", sum.Received), fmt.Sprintf("%d verified", sum.Verified), fmt.Sprintf("%d rejected", sum.Rejected)}
	if sum.Duplicates > 0 {
		parts = append(parts, fmt.Sprintf("%d of them duplicates", sum.Duplicates))
	}
	if s.listener.o.ForwardTo != "" {
		parts = append(parts, fmt.Sprintf("%d forwarded", sum.Forwarded), fmt.Sprintf("%d forward failures", sum.ForwardFailed))
	}
	if s.recordFile != "" {
		parts = append(parts, fmt.Sprintf("recorded to %s", s.recordFile))
		if sum.RecordFailed > 0 {
			parts = append(parts, fmt.Sprintf("%d not recorded", sum.RecordFailed))
		}
	}
	return strings.Join(parts, ", ")
}
