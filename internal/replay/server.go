package replay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/loopback"
)

// Server is a Listener bound to its address, recording to its file if asked:
// `webhook listen` from the flags to the summary.
type Server struct {
	*Listener
	ln         net.Listener
	recordFile string
}

// Bind opens recordFile for appending (none when "") and listens on addr for
// a Listener with o. Unless allowRemote, the address bound must be loopback:
// a "localhost" that resolves to all interfaces is refused. Its errors are
// usage errors.
func Bind(addr string, allowRemote bool, recordFile string, o ListenOptions) (*Server, error) {
	if recordFile != "" {
		rec, err := OpenRecorder(recordFile)
		if err != nil {
			return nil, exitcode.New(exitcode.Usage, err)
		}
		o.Recorder = rec
	}
	ln, err := loopback.Listen("tcp", addr, allowRemote)
	var notLoopback *loopback.NotLoopbackError
	switch {
	case errors.As(err, &notLoopback):
		err = exitcode.Errorf(exitcode.Usage, "--addr %q bound %s, which is not a loopback address; add --allow-remote to listen on it anyway", addr, notLoopback.Bound)
	case err != nil:
		err = exitcode.New(exitcode.Usage, fmt.Errorf("listen on %s: %w", addr, err))
	}
	if err != nil {
		if o.Recorder != nil {
			o.Recorder.Close()
		}
		return nil, err
	}
	return &Server{Listener: NewListener(o), ln: ln, recordFile: recordFile}, nil
}

// Addr is the address bound.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Run serves until ctx ends and closes the record file. An error that
// stopped serving is exit 4; the end of ctx is no error.
func (s *Server) Run(ctx context.Context) error {
	if s.o.Recorder != nil {
		defer s.o.Recorder.Close()
	}
	return exitcode.New(exitcode.Provider, s.Serve(ctx, s.ln))
}

// Report is what the server received, in words: the counts, and what was
// forwarded and recorded where that was asked for.
func (s *Server) Report() string {
	sum := s.Summary()
	parts := []string{fmt.Sprintf("%d received", sum.Received), fmt.Sprintf("%d verified", sum.Verified), fmt.Sprintf("%d rejected", sum.Rejected)}
	if sum.Duplicates > 0 {
		parts = append(parts, fmt.Sprintf("%d of them duplicates", sum.Duplicates))
	}
	if s.o.ForwardTo != "" {
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
