package replay

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/httplog"
	"github.com/authctl/authctl/internal/ui"
)

// Report is a burst's summary in words for people; the command styles it.
type Report struct {
	OK       bool     // no request failed
	Headline string   // what was sent where, how fast, how many failed
	Details  []string // status counts and latency, indented
	Failures []string // each kind of failure once with its count, then how many are not listed
	Stopped  string   // why the rest was not sent, or ""
}

// Report tells what the burst did: one headline, status counts, latency, and
// each kind of failure once with its count.
func (s *Summary) Report() Report {
	r := Report{OK: s.Failed == 0}
	r.Headline = fmt.Sprintf("sent %d of %d to %s in %.0fms (%.0f req/s): %d ok, %d failed", s.Sent, s.Total, s.URL, s.ElapsedMs, s.RPS, s.OK, s.Failed)
	if s.Cancelled > 0 {
		r.Headline += fmt.Sprintf(", %d cut off in flight", s.Cancelled)
	}
	if counts := s.statusCounts(); len(counts) > 0 {
		r.Details = append(r.Details, "  status   "+strings.Join(counts, "  "))
	}
	switch answered := s.Sent - s.Unreachable; {
	case answered == 1:
		r.Details = append(r.Details, fmt.Sprintf("  latency  %.1fms", s.MaxMs))
	case answered > 1:
		r.Details = append(r.Details, fmt.Sprintf("  latency  p50 %.1fms  p95 %.1fms  p99 %.1fms  max %.1fms", s.P50ms, s.P95ms, s.P99ms, s.MaxMs))
	}
	listed := 0
	for _, f := range s.Failures {
		listed += f.Count
		r.Failures = append(r.Failures, f.line())
	}
	if s.Failed > listed {
		r.Failures = append(r.Failures, fmt.Sprintf("  … and %d more failures of other kinds", s.Failed-listed))
	}
	if s.StoppedUnreachable {
		r.Stopped = fmt.Sprintf("  stopped: nothing listens at %s; %d not sent", s.URL, s.Total-s.Sent)
	}
	return r
}

// statusCounts are the answers by status, then the requests that got none by class.
func (s *Summary) statusCounts() []string {
	codes := make([]string, 0, len(s.Statuses))
	for c := range s.Statuses {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%s×%d", c, s.Statuses[c]))
	}
	for _, class := range []string{ClassRefused, ClassTimeout, ClassError} {
		if n := s.Errors[class]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s×%d", class, n))
		}
	}
	return parts
}

// line is one kind of failure: the first request, class, status, count,
// error, and the start of the answer the handler gave.
func (f Failure) line() string {
	line := fmt.Sprintf("  #%d %s", f.Index+1, f.Class)
	if f.Status != 0 {
		line += fmt.Sprintf(" (%d)", f.Status)
	}
	if f.Count > 1 {
		line += fmt.Sprintf(" ×%d", f.Count)
	}
	if f.Error != "" {
		line += ": " + ui.Sanitize(f.Error)
	}
	if f.Body != "" {
		line += " — " + ui.Sanitize(f.Body) // the handler's words, escaped
	}
	return line
}

// Err is the verdict of a burst that ran to its end, with its exit code: 4
// when the target was not there or a request got no answer, 1 when an answer
// was not one of expect (the --expect-status values; none means 2xx).
func (s *Summary) Err(expect []string) error {
	switch {
	case s.StoppedUnreachable:
		return exitcode.Errorf(exitcode.Provider, "nothing listens at %s (connection refused): stopped after %d of %d requests", s.URL, s.Sent, s.Total)
	case s.Unreachable > 0:
		return exitcode.Errorf(exitcode.Provider, "%d of %d requests got no answer from %s", s.Unreachable, s.Sent, s.URL)
	case s.Failed > 0:
		expected := "2xx"
		if len(expect) > 0 {
			expected = strings.Join(expect, " or ")
		}
		return exitcode.Errorf(exitcode.No, "%d of %d responses were not %s", s.Failed, s.Sent, expected)
	}
	return nil
}

// RedactURL hides secret query values (a handler's ?token=…) in a URL before
// it is printed.
func RedactURL(raw string) string { return redactURL(raw, "[unparsable URL]") }

func redactURL(raw, unparsable string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return unparsable
	}
	return httplog.RedactURL(u)
}
