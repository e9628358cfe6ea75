package replay

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/httplog"
)

// TestSummaryReport: the words of a burst's summary, each kind of failure
// once, what the handler said escaped, and the unlisted rest counted.
func TestSummaryReport(t *testing.T) {
	t.Parallel()
	s := &Summary{
		URL: "http://127.0.0.1:1/hook?token=REDACTED", Total: 9, Sent: 7, OK: 2, Failed: 5, Cancelled: 1, Unreachable: 1,
		Statuses: map[string]int{"500": 3, "200": 2, "404": 1}, Errors: map[string]int{ClassTimeout: 1},
		P50ms: 1.25, P95ms: 2, P99ms: 3, MaxMs: 4, ElapsedMs: 12.4, RPS: 564.5,
		Failures: []Failure{
			{Index: 2, Count: 3, Status: 500, Class: ClassStatus, Body: "boom\x1b[2J"},
			{Index: 5, Count: 1, Class: ClassTimeout, Error: "context deadline exceeded"},
		},
		StoppedUnreachable: true,
	}
	want := Report{
		Headline: "sent 7 of 9 to http://127.0.0.1:1/hook?token=REDACTED in 12ms (564 req/s): 2 ok, 5 failed, 1 cut off in flight",
		Details:  []string{"  status   200×2  404×1  500×3  timeout×1", "  latency  p50 1.2ms  p95 2.0ms  p99 3.0ms  max 4.0ms"},
		Failures: []string{"  #3 unexpected status (500) ×3 — boom\\x1b[2J", "  #6 timeout: context deadline exceeded", "  … and 1 more failures of other kinds"},
		Stopped:  "  stopped: nothing listens at http://127.0.0.1:1/hook?token=REDACTED; 2 not sent",
	}
	if got := s.Report(); !reflect.DeepEqual(got, want) {
		t.Errorf("Report()\n got %#v\nwant %#v", got, want)
	}
	one := &Summary{URL: "http://x", Total: 1, Sent: 1, OK: 1, Statuses: map[string]int{"204": 1}, MaxMs: 0.5}
	if got := one.Report(); !got.OK || !reflect.DeepEqual(got.Details, []string{"  status   204×1", "  latency  0.5ms"}) || got.Failures != nil || got.Stopped != "" {
		t.Errorf("one request: %#v", got)
	}
}

func TestSummaryErr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		s      Summary
		expect []string
		code   int
		msg    string
	}{
		{"all ok", Summary{Sent: 3, OK: 3, Total: 3}, nil, exitcode.OK, ""},
		{"stopped", Summary{URL: "u", Sent: 1, Failed: 1, Unreachable: 1, Total: 4, StoppedUnreachable: true}, nil, exitcode.Provider, "nothing listens at u (connection refused): stopped after 1 of 4 requests"},
		{"no answer", Summary{URL: "u", Sent: 4, Failed: 2, Unreachable: 2, Total: 4}, nil, exitcode.Provider, "2 of 4 requests got no answer from u"},
		{"not 2xx", Summary{Sent: 3, Failed: 3, Total: 3}, nil, exitcode.No, "3 of 3 responses were not 2xx"},
		{"not expected", Summary{Sent: 3, Failed: 1, Total: 3}, []string{"4xx", "202"}, exitcode.No, "1 of 3 responses were not 4xx or 202"},
	}
	for _, tt := range tests {
		err := tt.s.Err(tt.expect)
		if exitcode.Of(err) != tt.code || (err != nil && err.Error() != tt.msg) {
			t.Errorf("%s: %v (exit %d), want %q (exit %d)", tt.name, err, exitcode.Of(err), tt.msg, tt.code)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	if got, want := RedactURL("http://127.0.0.1:3000/hook?token=s3cret"), "http://127.0.0.1:3000/hook?token="+httplog.Redacted; got != want {
		t.Errorf("RedactURL = %q, want %q", got, want)
	}
	if got := RedactURL("http://[::1"); got != "[unparsable URL]" {
		t.Errorf("unparsable: %q", got)
	}
}

// TestBurstSummaryNamesTheTargetRedacted: the summary that is printed and
// written as JSON never carries the target's secret query values.
func TestBurstSummaryNamesTheTargetRedacted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	d := Delivery{Body: []byte("{}")}
	s, err := Burst(context.Background(), BurstOptions{URL: srv.URL + "/hook?token=s3cret", Deliveries: []Delivery{d, d}, Sign: digestSign, Count: 3, Concurrency: 2, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + "/hook?token=" + httplog.Redacted; s.URL != want || s.Total != 6 || s.Sent != 6 {
		t.Errorf("URL %q total %d sent %d, want %q, 6 and 6", s.URL, s.Total, s.Sent, want)
	}
}

// TestNewClientTrace: with a trace (-v) every request is logged there, the
// target's secret query value redacted; without one nothing is.
func TestNewClientTrace(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var trace strings.Builder
	for _, w := range []io.Writer{&trace, nil} {
		resp, err := NewClient(1, w).Get(srv.URL + "/hook?token=s3cret")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := trace.String(); !strings.Contains(got, "/hook?token="+httplog.Redacted) || strings.Contains(got, "s3cret") || strings.Count(got, "/hook") != 1 {
		t.Errorf("trace %q: want the one traced request, token redacted", got)
	}
}

// TestBurstProgressOnlyForMany: a single request draws no progress; a burst
// reports its end.
func TestBurstProgressOnlyForMany(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	for count, wantCalls := range map[int]bool{1: false, 3: true} {
		last := -1
		o := BurstOptions{URL: srv.URL, Deliveries: []Delivery{{Body: []byte("{}")}}, Sign: digestSign, Count: count, Concurrency: 1, Timeout: 10 * time.Second,
			Progress: func(done, total int) { last = done }}
		if _, err := Burst(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		if called := last >= 0; called != wantCalls || (called && last != count) {
			t.Errorf("count %d: last progress %d, want called=%v and ending at %d", count, last, wantCalls, count)
		}
	}
}
