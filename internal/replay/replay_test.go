package replay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/replay/replaytest"
	"github.com/authctl/authctl/internal/webhook"
)

// digestSign stands in for a provider scheme in this package's unit tests: it
// binds body, timestamp and id so that a test can tell each copy was signed
// afresh. The real schemes live in internal/webhook and are tested there and
// through the commands.
func digestSign(body []byte, ts time.Time) (http.Header, error) {
	return digestSignID(body, ts, NewID())
}

func digestSignID(body []byte, ts time.Time, id string) (http.Header, error) {
	sum := sha256.Sum256(append([]byte(strconv.FormatInt(ts.Unix(), 10)+"."+id+"."), body...))
	h := http.Header{}
	h.Set("X-Test-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("X-Test-Id", id)
	h.Set("X-Test-Signature", hex.EncodeToString(sum[:]))
	return h, nil
}

func digestVerify(h http.Header, body []byte, now time.Time) (bool, string) {
	ts, err := strconv.ParseInt(h.Get("X-Test-Timestamp"), 10, 64)
	if err != nil {
		return false, "missing timestamp"
	}
	if d := now.Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return false, "stale"
	}
	want, _ := digestSignID(body, time.Unix(ts, 0), h.Get("X-Test-Id"))
	if h.Get("X-Test-Signature") != want.Get("X-Test-Signature") {
		return false, "signature mismatch"
	}
	return true, "valid"
}

func mustScheme(t *testing.T, name string) webhook.Scheme {
	t.Helper()
	s, ok := webhook.Lookup(name)
	if !ok {
		t.Fatalf("no scheme %q", name)
	}
	return s
}

func TestTemplateDropsConnectionAndNamedHeaders(t *testing.T) {
	t.Parallel()
	d := Delivery{Header: http.Header{"Host": {"x"}, "Content-Length": {"3"}, "X-Keep": {"1"}, "X-Drop": {"1"}, "Connection": {"close"}}}
	h := d.Template([]string{"x-drop"})
	if h.Get("X-Keep") != "1" || h.Get("X-Drop") != "" || h.Get("Host") != "" || h.Get("Content-Length") != "" || h.Get("Connection") != "" {
		t.Fatalf("template = %v", h)
	}
	if d.Header.Get("X-Drop") != "1" {
		t.Fatal("Template changed the delivery's own headers")
	}
}

func TestRecordsRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "rec.jsonl")
	rec, err := OpenRecorder(path)
	if err != nil {
		t.Fatal(err)
	}
	bodies := [][]byte{[]byte("a=1&b=%C3%A9"), []byte("{\"x\":\"zoë\"}\r\n"), {0xff, 0x00, 0xfe}}
	for i, b := range bodies {
		if err := rec.Append(Record{ID: "id" + strconv.Itoa(i), Provider: "github", Header: http.Header{"X-GitHub-Event": {"push"}}, Body: b}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("record file mode = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	recs := readRecordFile(t, path)
	if len(recs) != len(bodies) {
		t.Fatalf("read %d records, want %d", len(recs), len(bodies))
	}
	for i, r := range recs {
		if !bytes.Equal(r.Body, bodies[i]) || r.Header.Get("X-GitHub-Event") != "push" {
			t.Errorf("record %d = %q %v", i, r.Body, r.Header)
		}
	}
	if r, err := SelectRecord(recs, "id1"); err != nil || !bytes.Equal(r.Body, bodies[1]) {
		t.Errorf("SelectRecord(id1) = %q, %v", r.Body, err)
	}
	if _, err := SelectRecord(recs, "nope"); err == nil || !strings.Contains(err.Error(), `no record with id "nope"`) {
		t.Errorf("SelectRecord(nope) err = %v", err)
	}
}

func TestReadRecordsErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, in, want string }{
		{"not json", "{\"id\":\"a\"}\nnot json\n", "record line 2"},
		{"no id", "\n{\"provider\":\"github\"}\n", "record line 2: no id"},
		{"bad base64", `{"id":"a","body":"%%%"}`, "record line 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ReadRecords(strings.NewReader(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParseExpect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		specs   []string
		yes, no []int
		wantErr bool
	}{
		{nil, []int{200, 204, 299}, []int{199, 301, 500}, false},
		{[]string{"401"}, []int{401}, []int{200, 400}, false},
		{[]string{"4xx", "503"}, []int{400, 499, 503}, []int{200, 500}, false},
		{[]string{"abc"}, nil, nil, true},
		{[]string{"6xx"}, nil, nil, true},
		{[]string{"99"}, nil, nil, true},
	}
	for _, tt := range tests {
		m, err := ParseExpect(tt.specs)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseExpect(%v): no error", tt.specs)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseExpect(%v): %v", tt.specs, err)
		}
		for _, s := range tt.yes {
			if !m(s) {
				t.Errorf("ParseExpect(%v)(%d) = false", tt.specs, s)
			}
		}
		for _, s := range tt.no {
			if m(s) {
				t.Errorf("ParseExpect(%v)(%d) = true", tt.specs, s)
			}
		}
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[int]time.Duration{50: 50 * time.Millisecond, 95: 95 * time.Millisecond, 99: 99 * time.Millisecond} {
		if got := percentile(d, p); got != want {
			t.Errorf("p%d = %v, want %v", p, got, want)
		}
	}
	if got := percentile(d[:1], 99); got != time.Millisecond {
		t.Errorf("p99 of one = %v", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("p50 of none = %v", got)
	}
}

func TestBurstSignsEveryCopyAfresh(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	ids := map[string]bool{}
	bad := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ok, _ := digestVerify(r.Header, body, time.Now())
		mu.Lock()
		defer mu.Unlock()
		if !ok || r.Header.Get("X-Keep") != "yes" || r.Header.Get("X-Drop") != "" {
			bad++
		}
		ids[r.Header.Get("X-Test-Id")] = true
	}))
	defer srv.Close()
	d := Delivery{Header: http.Header{"X-Keep": {"yes"}, "X-Drop": {"no"}}, Body: []byte("body\r\nzoë")}
	s, err := Burst(context.Background(), BurstOptions{URL: srv.URL, Deliveries: []Delivery{d}, DropHeaders: []string{"X-Drop"}, Sign: digestSign, Count: 200, Concurrency: 8, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if s.Sent != 200 || s.OK != 200 || s.Failed != 0 || s.Statuses["200"] != 200 || len(ids) != 200 || bad != 0 {
		t.Fatalf("summary %+v, %d distinct ids, %d bad deliveries", s, len(ids), bad)
	}
	if s.P50ms <= 0 || s.P50ms > s.P95ms || s.P95ms > s.P99ms || s.P99ms > s.MaxMs {
		t.Errorf("percentiles out of order: %+v", s)
	}
}

// TestBurstReportsFailuresPerRequest covers a target that is down, slow,
// failing or redirecting: every request is reported and the burst goes on.
func TestBurstReportsFailuresPerRequest(t *testing.T) {
	t.Parallel()
	targets := replaytest.Start(t)

	tests := []struct {
		name      string
		url       string
		status    string
		class     string
		unreached int
	}{
		{"down", targets.Down, "", ClassRefused, 3},
		{"slow", targets.Slow, "", ClassTimeout, 3},
		{"500", targets.Failing, "500", ClassStatus, 0},
		{"redirect", targets.Redirect, "307", ClassRedirect, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Burst(context.Background(), BurstOptions{URL: tt.url, Deliveries: []Delivery{{Body: []byte("{}")}}, Sign: digestSign, Count: 3, Concurrency: 3, Timeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			sent := 3
			if tt.name == "down" {
				// A target that refuses every connection stops the burst: the requests already
				// in flight (all three at concurrency 3, or fewer) are all that is sent.
				if s.Sent < 1 || s.Sent > 3 || s.StoppedUnreachable != (s.Sent < 3) {
					t.Fatalf("summary %+v, want 1 to 3 refused requests, said to be stopped when fewer than 3", s)
				}
				sent, tt.unreached = s.Sent, s.Sent
			}
			if s.Sent != sent || s.Failed != sent || s.Unreachable != tt.unreached {
				t.Fatalf("summary %+v", s)
			}
			if tt.status != "" && s.Statuses[tt.status] != 3 {
				t.Errorf("statuses = %v, want 3 × %s", s.Statuses, tt.status)
			}
			if len(s.Failures) != 1 || s.Failures[0].Class != tt.class || s.Failures[0].Count != sent || s.Failures[0].Index != 0 {
				t.Errorf("failures = %+v, want one kind, class %q, %d times from #0", s.Failures, tt.class, sent)
			}
			if tt.name == "500" && s.Failures[0].Body != "boom" {
				t.Errorf("failure body %q, want the answer's %q", s.Failures[0].Body, "boom")
			}
		})
	}
}

func TestBurstRejectsBadOptions(t *testing.T) {
	t.Parallel()
	d := []Delivery{{Body: []byte("{}")}}
	for _, tt := range []struct {
		name string
		o    BurstOptions
		want string
	}{
		{"no deliveries", BurstOptions{URL: "http://127.0.0.1:1", Sign: digestSign, Count: 1, Concurrency: 1, Timeout: time.Second}, "nothing to send"},
		{"zero count", BurstOptions{URL: "http://127.0.0.1:1", Deliveries: d, Sign: digestSign, Concurrency: 1, Timeout: time.Second}, "at least 1"},
		{"bad url", BurstOptions{URL: "ftp://x", Deliveries: d, Sign: digestSign, Count: 1, Concurrency: 1, Timeout: time.Second}, "not an http(s) URL"},
		{"no timeout", BurstOptions{URL: "http://127.0.0.1:1", Deliveries: d, Sign: digestSign, Count: 1, Concurrency: 1}, "timeout"},
	} {
		if _, err := Burst(context.Background(), tt.o); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestListener(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var forwarded [][]byte
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		forwarded = append(forwarded, b)
		mu.Unlock()
		w.Header().Set("X-Target", "yes")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "target says hi")
	}))
	t.Cleanup(target.Close)

	now := time.Now()
	sign := func(body []byte, ts time.Time) http.Header {
		h, _ := digestSignID(body, ts, "d1")
		h.Set("X-GitHub-Event", "push")
		return h
	}
	body := []byte("{\"action\":\"opened\",\"x\":\"zoë\"}\r\n")
	tampered := sign(body, now)
	tampered.Set("X-Test-Signature", strings.Repeat("0", 64))
	noEvent := sign(body, now)
	noEvent.Del("X-GitHub-Event")

	tests := []struct {
		name       string
		method     string
		header     http.Header
		body       []byte
		forward    bool
		wantStatus int
		wantBody   string
		forwards   bool
	}{
		{"valid, answered", "POST", sign(body, now), body, false, 200, `{"ok":true}`, false},
		{"valid, forwarded", "POST", sign(body, now), body, true, 202, "target says hi", true},
		{"tampered", "POST", tampered, body, true, 401, "signature mismatch", false},
		{"stale", "POST", sign(body, now.Add(-time.Hour)), body, true, 401, "stale", false},
		{"unsigned", "POST", http.Header{"X-Github-Event": {"push"}}, body, true, 401, "missing timestamp", false},
		{"empty body", "POST", sign(nil, now), nil, true, 400, "empty body", false},
		{"no event header", "POST", noEvent, body, true, 400, "missing X-GitHub-Event header", false},
		{"GET", "GET", sign(body, now), nil, true, 405, "method GET not allowed", false},
	}
	t.Run("deliveries", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				var got []Record
				path := filepath.Join(t.TempDir(), "rec.jsonl")
				rec, err := OpenRecorder(path)
				if err != nil {
					t.Fatal(err)
				}
				o := ListenOptions{Scheme: mustScheme(t, "github"), Verify: digestVerify, Recorder: rec, OnDelivery: func(r Record) { got = append(got, r) }}
				if tt.forward {
					o.ForwardTo = target.URL
				}
				l := NewListener(o)
				srv := httptest.NewServer(l)
				defer srv.Close()
				req, _ := http.NewRequest(tt.method, srv.URL+"/hook", bytes.NewReader(tt.body))
				req.Header = tt.header
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				respBody, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.wantStatus || !strings.Contains(string(respBody), tt.wantBody) {
					t.Fatalf("answer %d %q, want %d %q", resp.StatusCode, respBody, tt.wantStatus, tt.wantBody)
				}
				if tt.forwards && resp.Header.Get("X-Target") != "yes" {
					t.Errorf("target's headers not passed back: %v", resp.Header)
				}
				mu.Lock()
				found := false
				for _, f := range forwarded {
					found = found || bytes.Equal(f, tt.body) && tt.forwards
				}
				mu.Unlock()
				if tt.forwards != found {
					t.Errorf("forwarded = %v, want %v", found, tt.forwards)
				}
				// A rejected delivery is reported and recorded without its body, with its size.
				wantBody := tt.body
				if tt.wantStatus >= 300 {
					wantBody = nil
				}
				if len(got) != 1 || got[0].Status != tt.wantStatus || got[0].Valid != (tt.wantStatus < 300) || !bytes.Equal(got[0].Body, wantBody) || got[0].Size != int64(len(tt.body)) {
					t.Fatalf("deliveries reported: %+v", got)
				}
				rec.Close()
				f, _ := os.Open(path)
				defer f.Close()
				recs, err := ReadRecords(f)
				if err != nil || len(recs) != 1 || !bytes.Equal(recs[0].Body, wantBody) || recs[0].Size != int64(len(tt.body)) || recs[0].Reason != got[0].Reason {
					t.Fatalf("recorded %+v, %v", recs, err)
				}
				s := l.Summary()
				if s.Received != 1 || (s.Verified == 1) != (tt.wantStatus < 300) {
					t.Errorf("summary %+v", s)
				}
			})
		}
	})
	if len(forwarded) != 1 {
		t.Errorf("target received %d deliveries, want exactly the one valid forwarded one", len(forwarded))
	}
}

func TestListenerAnswersProviderHandshakes(t *testing.T) {
	t.Parallel()
	always := func(http.Header, []byte, time.Time) (bool, string) { return true, "valid" }
	tests := []struct{ provider, body, want string }{
		{"discord", `{"type":1,"id":"1"}`, `{"type":1}`},
		{"discord", `{"type":2,"id":"1"}`, `{"ok":true}`},
		{"slack", `{"type":"url_verification","challenge":"abc"}`, `{"challenge":"abc"}`},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(NewListener(ListenOptions{Scheme: mustScheme(t, tt.provider), Verify: always}))
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != tt.want {
			t.Errorf("%s %s: %d %q, want %q", tt.provider, tt.body, resp.StatusCode, b, tt.want)
		}
	}
}

// TestBurstGroupsFailures: 2,000 identical refusals are one line with their
// count and the answer's body; distinct kinds are listed up to the cap, the
// earliest first, while the counts stay exact.
func TestBurstGroupsFailures(t *testing.T) {
	t.Parallel()
	same := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"invalid signature"}`, http.StatusUnauthorized)
	}))
	defer same.Close()
	s, err := Burst(context.Background(), BurstOptions{URL: same.URL, Deliveries: []Delivery{{Body: []byte("x")}}, Sign: digestSign, Count: 2000, Concurrency: 8, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	want := []Failure{{Index: 0, Count: 2000, Status: 401, Class: ClassStatus, Body: `{"error":"invalid signature"}`}}
	if s.Failed != 2000 || !slices.Equal(s.Failures, want) {
		t.Fatalf("failures %+v, want %+v", s.Failures, want)
	}

	kinds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		http.Error(w, "kind "+string(b), http.StatusServiceUnavailable)
	}))
	defer kinds.Close()
	kindsOf := func(n int) []Delivery {
		var ds []Delivery
		for i := range n {
			ds = append(ds, Delivery{Body: []byte(strconv.Itoa(i))})
		}
		return ds
	}
	// Fewer kinds than one worker keeps: each is merged across the workers
	// whichever worker got which request.
	s, err = Burst(context.Background(), BurstOptions{URL: kinds.URL, Deliveries: kindsOf(maxFailureKinds / 2), Sign: digestSign, Count: 6, Concurrency: 5, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	checkKinds(t, s, maxFailureKinds/2, 6)
	// More kinds than are listed: the first ones by index are. One worker,
	// so that no kind is split by a worker's own bound.
	s, err = Burst(context.Background(), BurstOptions{URL: kinds.URL, Deliveries: kindsOf(30), Sign: digestSign, Count: 2, Concurrency: 1, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	checkKinds(t, s, maxListedFailures, 2)
}

// checkKinds wants n kinds of failure listed, the kind of request i at i, count times each.
func checkKinds(t *testing.T, s *Summary, n, count int) {
	t.Helper()
	if s.Failed != s.Sent || len(s.Failures) != n {
		t.Fatalf("summary %+v, want %d kinds listed", s, n)
	}
	for i, f := range s.Failures {
		if f.Index != i || f.Count != count || f.Body != "kind "+strconv.Itoa(i) {
			t.Fatalf("failure %d = %+v, want the kind of request %d, %d times", i, f, i, count)
		}
	}
}

// TestBurstStopsWhenNothingListens: a refused connection before any answer
// ends the burst instead of sending every copy into the void.
func TestBurstStopsWhenNothingListens(t *testing.T) {
	t.Parallel()
	down := replaytest.Start(t).Down
	for _, concurrency := range []int{1, 4} {
		s, err := Burst(context.Background(), BurstOptions{URL: down, Deliveries: []Delivery{{Body: []byte("x")}}, Sign: digestSign, Count: 50, Concurrency: concurrency, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if !s.StoppedUnreachable || s.Sent > concurrency || s.Unreachable != s.Sent {
			t.Errorf("concurrency %d: summary %+v, want at most %d sent and stopped", concurrency, s, concurrency)
		}
	}
}

// TestBurstStopsWhenCancelled: Ctrl-C ends the burst early, and the summary
// says so and counts only what was sent.
func TestBurstStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	seen := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if seen++; seen == 10 {
			cancel()
		}
	}))
	defer srv.Close()
	s, err := Burst(ctx, BurstOptions{URL: srv.URL, Deliveries: []Delivery{{Body: []byte("x")}}, Sign: digestSign, Count: 100000, Concurrency: 2, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// The requests in flight at the cancel have no known outcome: counted apart, not as failures.
	if !s.Interrupted || s.Sent >= 100000 || s.Sent+s.Cancelled < 10 || s.Failed != 0 || s.OK != s.Sent {
		t.Fatalf("summary %+v", s)
	}
}

// TestListenerBoundsWhatUnsignedRequestsCost: a body over the limit is
// refused with 413 and recorded without its bytes; deliveries beyond the
// in-flight limit get 503 before their body is read.
func TestListenerBoundsWhatUnsignedRequestsCost(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "rec.jsonl")
	rec, err := OpenRecorder(path)
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	verify := func(h http.Header, body []byte, now time.Time) (bool, string) {
		if h.Get("X-Block") != "" {
			entered <- struct{}{}
			<-release
		}
		return false, "signature mismatch"
	}
	l := NewListener(ListenOptions{Scheme: mustScheme(t, "slack"), Verify: verify, Recorder: rec, MaxInFlight: 1})
	srv := httptest.NewServer(l)
	t.Cleanup(srv.Close)

	post := func(body io.Reader, block bool) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, body)
		if block {
			req.Header.Set("X-Block", "1")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	big := bytes.Repeat([]byte("x"), DefaultMaxBody+1)
	if got := post(bytes.NewReader(big), false); got != http.StatusRequestEntityTooLarge {
		t.Errorf("body of %d bytes: %d, want 413", len(big), got)
	}
	// Without Content-Length the limit holds while reading.
	if got := post(io.MultiReader(bytes.NewReader(big)), false); got != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked body of %d bytes: %d, want 413", len(big), got)
	}
	done := make(chan int)
	go func() { done <- post(strings.NewReader("a=1"), true) }()
	<-entered
	if got := post(strings.NewReader("a=2"), false); got != http.StatusServiceUnavailable {
		t.Errorf("second delivery while one is in flight: %d, want 503", got)
	}
	close(release)
	if got := <-done; got != http.StatusUnauthorized {
		t.Errorf("blocked delivery: %d, want 401", got)
	}
	rec.Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() > 16<<10 {
		t.Errorf("record file is %d bytes after rejecting %d bytes of bodies: rejected bodies were recorded", info.Size(), 2*len(big))
	}
	if s := l.Summary(); s.Received != 4 || s.Rejected != 4 {
		t.Errorf("summary %+v", s)
	}
}

// TestListenerRefusesReplays: a verified delivery sent again inside the
// window is refused with 409 and not forwarded; one the handler did not take
// (non-2xx) may come again, as a provider's retry does; AllowDuplicates lets
// every copy through.
func TestListenerRefusesReplays(t *testing.T) {
	t.Parallel()
	var status atomic.Int32
	status.Store(http.StatusInternalServerError)
	var forwarded atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forwarded.Add(1)
		w.WriteHeader(int(status.Load()))
	}))
	t.Cleanup(target.Close)
	now := time.Now()
	h, _ := digestSignID([]byte("{}"), now, "d1")
	h.Set("X-GitHub-Event", "push")
	h.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	send := func(l *Listener) int {
		srv := httptest.NewServer(l)
		defer srv.Close()
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("{}"))
		req.Header = h.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	clock := func() time.Time { return now }
	l := NewListener(ListenOptions{Scheme: mustScheme(t, "github"), Verify: digestVerify, ForwardTo: target.URL, Now: clock})
	got := []int{send(l)}
	status.Store(http.StatusOK)
	got = append(got, send(l), send(l))
	if want := []int{500, 200, 409}; !slices.Equal(got, want) || forwarded.Load() != 2 {
		t.Errorf("statuses %v (forwarded %d), want %v: the failed one retried, then the replay refused unforwarded", got, forwarded.Load(), want)
	}
	if s := l.Summary(); s.Duplicates != 1 {
		t.Errorf("summary %+v, want 1 duplicate", s)
	}
	later := NewListener(ListenOptions{Scheme: mustScheme(t, "github"), Verify: digestVerify, ForwardTo: target.URL, AllowDuplicates: true, Now: clock})
	if a, b := send(later), send(later); a != 200 || b != 200 {
		t.Errorf("with AllowDuplicates: %d, %d, want 200 twice", a, b)
	}
}

// A handler that answers each request with a different body fills at most
// maxFailureKinds kinds of a worker's tally, plus one that counts the rest:
// memory does not grow with the burst.
func TestTallyBoundsDistinctFailures(t *testing.T) {
	t.Parallel()
	var tl tally
	for i := range 1000 {
		tl.add(Result{Index: i, Status: 400, Class: ClassStatus, Body: fmt.Sprintf("request %d refused", i)})
	}
	total := 0
	for _, f := range tl.failures {
		total += f.Count
	}
	if tl.sent != 1000 || total != 1000 || len(tl.failures) != maxFailureKinds+1 {
		t.Fatalf("sent %d, counted %d in %d kinds; want all 1000 counted in %d kinds", tl.sent, total, len(tl.failures), maxFailureKinds+1)
	}
}
