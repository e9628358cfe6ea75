package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/authctl/authctl/internal/httplog"
)

// SignFunc returns the provider headers (signature, timestamp, a fresh
// delivery id) for body signed at ts.
type SignFunc func(body []byte, ts time.Time) (http.Header, error)

// Error classes of a request that got no usable answer.
const (
	ClassTimeout  = "timeout"
	ClassRefused  = "refused"
	ClassRedirect = "redirect not followed"
	ClassError    = "error"
	ClassStatus   = "unexpected status"
)

// BurstOptions describe a burst of signed deliveries.
type BurstOptions struct {
	URL         string
	Method      string     // POST when empty
	Deliveries  []Delivery // sent in turn, Count times each
	DropHeaders []string
	Sign        SignFunc
	Count       int
	Concurrency int
	Timeout     time.Duration // per request
	Expect      StatusMatcher
	Now         func() time.Time
	Client      *http.Client // NewClient(Concurrency, nil) when nil
	// Progress, when set, is called from one goroutine with the number of
	// finished requests, at most every 100ms and once at the end, for a
	// burst of more than one request.
	Progress func(done, total int)
}

// Result is the outcome of one request.
type Result struct {
	Index   int
	Status  int
	Latency time.Duration
	Class   string // "" when the status was expected
	Err     string
	Body    string // the start of an unexpected answer's body
	// Cancelled marks a request cut off by cancelling the burst: its
	// outcome is unknown, so it is counted apart.
	Cancelled bool
}

// Failure is one way requests failed, in the summary: the same class,
// status, error and answer, Count times, first at request Index.
type Failure struct {
	Index  int    `json:"index"`
	Count  int    `json:"count"`
	Status int    `json:"status,omitempty"`
	Class  string `json:"class"`
	Error  string `json:"error,omitempty"`
	Body   string `json:"body,omitempty"`
}

func (f Failure) key() string {
	return f.Class + "\x00" + strconv.Itoa(f.Status) + "\x00" + f.Error + "\x00" + f.Body
}

// Summary describes a finished burst.
type Summary struct {
	// URL is the target, secret query values hidden.
	URL         string         `json:"url"`
	Sent        int            `json:"sent"`
	OK          int            `json:"ok"`
	Failed      int            `json:"failed"`
	Statuses    map[string]int `json:"statuses"`
	Errors      map[string]int `json:"errors"`
	P50ms       float64        `json:"p50_ms"`
	P95ms       float64        `json:"p95_ms"`
	P99ms       float64        `json:"p99_ms"`
	MaxMs       float64        `json:"max_ms"`
	ElapsedMs   float64        `json:"elapsed_ms"`
	RPS         float64        `json:"requests_per_second"`
	Failures    []Failure      `json:"failures"`
	Unreachable int            `json:"unreachable"`
	// Cancelled requests were in flight when the burst was interrupted.
	Cancelled   int  `json:"cancelled"`
	Interrupted bool `json:"interrupted,omitempty"`
	// StoppedUnreachable: the target refused connections before it ever
	// answered, so the rest was not sent.
	StoppedUnreachable bool `json:"stopped_unreachable,omitempty"`
	// Total is how many requests the burst was to send.
	Total int `json:"-"`
}

// maxListedFailures bounds the kinds of failure listed; counts stay exact.
const maxListedFailures = 20

// maxBodySnippet bounds the part of an unexpected answer kept to explain it.
const maxBodySnippet = 200

// NewClient returns a client that keeps enough idle connections for
// concurrency, never follows redirects (a redirect is reported, not chased)
// and ignores proxy settings: replay talks to the URL it was given. With a
// trace, every request and answer is logged to it, secrets redacted.
func NewClient(concurrency int, trace io.Writer) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        concurrency * 2,
		MaxIdleConnsPerHost: concurrency * 2,
		IdleConnTimeout:     30 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	var rt http.RoundTripper = tr
	if trace != nil {
		rt = &httplog.Transport{Base: tr, Out: trace}
	}
	return &http.Client{
		Transport:     rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// IsHTTPURL reports whether raw is an absolute http or https URL with a host.
func IsHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Burst sends Count copies of every delivery with Concurrency workers, each
// copy signed afresh, and returns the summary. A failed request does not stop
// the burst, except a refused connection before the target ever answered: it
// is not there. Cancelling ctx stops it too, and the summary says so.
func Burst(ctx context.Context, o BurstOptions) (*Summary, error) {
	if len(o.Deliveries) == 0 {
		return nil, errors.New("nothing to send")
	}
	if o.Count < 1 || o.Concurrency < 1 {
		return nil, fmt.Errorf("count and concurrency must be at least 1 (got %d and %d)", o.Count, o.Concurrency)
	}
	if o.Timeout <= 0 {
		return nil, errors.New("timeout must be positive")
	}
	if !IsHTTPURL(o.URL) {
		return nil, fmt.Errorf("target %q is not an http(s) URL", o.URL)
	}
	if o.Method == "" {
		o.Method = http.MethodPost
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Expect == nil {
		o.Expect = Expect2xx
	}
	client := o.Client
	if client == nil {
		client = NewClient(o.Concurrency, nil)
		defer client.CloseIdleConnections()
	}
	templates := make([]http.Header, len(o.Deliveries))
	for i, d := range o.Deliveries {
		templates[i] = d.Template(o.DropHeaders)
	}

	total := o.Count * len(o.Deliveries)
	var next, done atomic.Int64
	var answered, unreachable atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	// Each worker tallies its own results: memory grows by one latency per
	// request, and workers never contend on a shared lock.
	tallies := make([]*tally, min(o.Concurrency, total))
	for w := range tallies {
		wg.Go(func() {
			t := &tally{}
			tallies[w] = t
			for ctx.Err() == nil && !unreachable.Load() {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				d := i % len(o.Deliveries)
				r := send(ctx, client, o, templates[d], o.Deliveries[d].Body, i)
				switch {
				case r.Status != 0:
					answered.Store(true)
				case r.Class == ClassRefused && !answered.Load():
					unreachable.Store(true)
				}
				t.add(r)
				done.Add(1)
			}
		})
	}
	stopProgress := startProgress(o.Progress, &done, total)
	wg.Wait()
	stopProgress()
	elapsed := time.Since(start)

	s := summarize(tallies, RedactURL(o.URL), elapsed)
	s.Total = total
	s.StoppedUnreachable = unreachable.Load() && s.Sent < total
	if ctx.Err() != nil && s.Sent < total {
		s.Interrupted = true
	}
	return s, nil
}

func startProgress(report func(done, total int), done *atomic.Int64, total int) (stop func()) {
	if report == nil || total < 2 {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				report(int(done.Load()), total)
			case <-quit:
				report(int(done.Load()), total)
				return
			}
		}
	}()
	return func() { close(quit); <-finished }
}

func send(parent context.Context, client *http.Client, o BurstOptions, tmpl http.Header, body []byte, index int) Result {
	res := Result{Index: index}
	ctx, cancel := context.WithTimeout(parent, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, o.Method, o.URL, bytes.NewReader(body))
	if err != nil {
		res.Class, res.Err = ClassError, err.Error()
		return res
	}
	req.Header = tmpl.Clone()
	signed, err := o.Sign(body, o.Now())
	if err != nil {
		res.Class, res.Err = ClassError, fmt.Sprintf("sign: %v", err)
		return res
	}
	for k, v := range signed {
		req.Header[http.CanonicalHeaderKey(k)] = v
	}
	begin := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		if parent.Err() != nil {
			return Result{Index: index, Cancelled: true}
		}
		res.Latency = time.Since(begin)
		res.Class, res.Err = classify(err), errText(err)
		return res
	}
	var snippet []byte
	if !o.Expect(resp.StatusCode) {
		snippet, _ = io.ReadAll(io.LimitReader(resp.Body, maxBodySnippet))
	}
	_, copyErr := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	res.Latency = time.Since(begin)
	res.Status = resp.StatusCode
	switch {
	case copyErr != nil && parent.Err() != nil:
		return Result{Index: index, Cancelled: true}
	case copyErr != nil:
		res.Class, res.Err = classify(copyErr), "read response: "+errText(copyErr)
	case resp.StatusCode >= 300 && resp.StatusCode < 400 && !o.Expect(resp.StatusCode):
		res.Class, res.Err = ClassRedirect, "to "+redactURL(resp.Header.Get("Location"), "[unparsable Location]")
	case !o.Expect(resp.StatusCode):
		res.Class, res.Body = ClassStatus, strings.TrimSpace(string(snippet))
	}
	return res
}

func classify(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ClassTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused
	default:
		return ClassError
	}
}

// errText drops url.Error's "Post \"URL\": " prefix: the URL is in the summary.
func errText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// maxFailureKinds bounds the distinct kinds of failure one worker keeps.
const maxFailureKinds = 20

// tally accumulates one worker's results.
type tally struct {
	sent, ok, unreachable, cancelled int
	statuses                         map[int]int
	errors                           map[string]int
	latencies                        []time.Duration
	failures                         map[string]*Failure // by kind
}

func (t *tally) add(r Result) {
	if t.statuses == nil {
		t.statuses, t.errors, t.failures = map[int]int{}, map[string]int{}, map[string]*Failure{}
	}
	if r.Cancelled {
		t.cancelled++
		return
	}
	t.sent++
	if r.Status != 0 {
		t.statuses[r.Status]++
		t.latencies = append(t.latencies, r.Latency)
	} else {
		t.unreachable++
	}
	if r.Class == "" {
		t.ok++
		return
	}
	if r.Class != ClassStatus {
		t.errors[r.Class]++
	}
	f := Failure{Index: r.Index, Status: r.Status, Class: r.Class, Error: r.Err, Body: r.Body}
	if _, seen := t.failures[f.key()]; !seen && len(t.failures) >= maxFailureKinds {
		// A handler that answers every request differently (an id in each body) must not
		// grow the summary by one kind per request: the rest is counted under its status.
		f.Error, f.Body = "", "(further answers of this status, each different)"
	}
	if seen, ok := t.failures[f.key()]; ok {
		seen.Count++ // indices grow within a worker: the first stays first
		return
	}
	f.Count = 1
	t.failures[f.key()] = &f
}

func summarize(tallies []*tally, target string, elapsed time.Duration) *Summary {
	s := &Summary{URL: target, Statuses: map[string]int{}, Errors: map[string]int{}, Failures: []Failure{}}
	var lat []time.Duration
	kinds := map[string]*Failure{}
	for _, t := range tallies {
		s.Sent += t.sent
		s.OK += t.ok
		s.Unreachable += t.unreachable
		s.Cancelled += t.cancelled
		for status, n := range t.statuses {
			s.Statuses[strconv.Itoa(status)] += n
		}
		for class, n := range t.errors {
			s.Errors[class] += n
		}
		lat = append(lat, t.latencies...)
		for k, f := range t.failures {
			if all, ok := kinds[k]; ok {
				all.Count += f.Count
				all.Index = min(all.Index, f.Index)
			} else {
				first := *f
				kinds[k] = &first
			}
		}
	}
	s.Failed = s.Sent - s.OK
	for _, f := range kinds {
		s.Failures = append(s.Failures, *f)
	}
	sort.Slice(s.Failures, func(i, j int) bool { return s.Failures[i].Index < s.Failures[j].Index })
	s.Failures = s.Failures[:min(len(s.Failures), maxListedFailures)]
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	s.P50ms, s.P95ms, s.P99ms = ms(percentile(lat, 50)), ms(percentile(lat, 95)), ms(percentile(lat, 99))
	if len(lat) > 0 {
		s.MaxMs = ms(lat[len(lat)-1])
	}
	s.ElapsedMs = ms(elapsed)
	if elapsed > 0 {
		s.RPS = float64(s.Sent) / elapsed.Seconds()
	}
	return s
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// StatusMatcher reports whether a response status counts as success.
type StatusMatcher func(status int) bool

// Expect2xx accepts any 2xx status.
func Expect2xx(status int) bool { return status >= 200 && status < 300 }

// ParseExpect parses --expect-status values: codes such as 202 and classes
// such as 4xx.
func ParseExpect(specs []string) (StatusMatcher, error) {
	if len(specs) == 0 {
		return Expect2xx, nil
	}
	type span struct{ lo, hi int }
	var spans []span
	for _, s := range specs {
		switch {
		case len(s) == 3 && s[0] >= '1' && s[0] <= '5' && (s[1:] == "xx" || s[1:] == "XX"):
			lo := int(s[0]-'0') * 100
			spans = append(spans, span{lo, lo + 99})
		default:
			n, err := strconv.Atoi(s)
			if err != nil || n < 100 || n > 599 {
				return nil, fmt.Errorf("--expect-status %q: want a status code such as 202 or a class such as 4xx", s)
			}
			spans = append(spans, span{n, n})
		}
	}
	return func(status int) bool {
		for _, sp := range spans {
			if status >= sp.lo && status <= sp.hi {
				return true
			}
		}
		return false
	}, nil
}
