// Package replay sends signed webhook deliveries (built-in samples, captured
// requests, recorded deliveries) to a handler, in bursts with latency
// statistics, listens for deliveries to verify, forward and record them, and
// verifies or signs one delivery offline. Everything it knows of a provider
// it asks of a webhook.Scheme.
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
	"sync"
	"time"

	"github.com/authctl/authctl/internal/webhook"
)

// VerifyFunc checks a delivery's signature at now and says why it fails.
type VerifyFunc func(h http.Header, body []byte, now time.Time) (valid bool, reason string)

// Defaults of a Listener. A body limit far below what a sender could push
// keeps unsigned requests from costing memory: every provider's deliveries
// are far smaller than 1 MiB (GitHub, the largest, drops payloads over 25 MB
// and sends a few KB typically), and --max-body raises it.
const (
	DefaultMaxBody     = 1 << 20
	DefaultMaxInFlight = 16
)

// ListenOptions configure a Listener.
type ListenOptions struct {
	Scheme    webhook.Scheme
	Verify    VerifyFunc
	ForwardTo string       // "" answers verified deliveries itself
	Client    *http.Client // for forwarding
	Timeout   time.Duration
	Recorder  *Recorder // nil records nothing
	// OnDelivery is called once per delivery, never concurrently.
	OnDelivery func(Record)
	Now        func() time.Time
	// MaxBody bounds a delivery's body (DefaultMaxBody when 0).
	MaxBody int64
	// MaxInFlight bounds the deliveries handled at once; more get 503
	// before their body is read (DefaultMaxInFlight when 0).
	MaxInFlight int
	// Window is how long a verified delivery's id (or signature, where the
	// scheme sends no id) is remembered to refuse a replay of it
	// (webhook.DefaultTolerance when 0).
	Window time.Duration
	// AllowDuplicates lets a delivery through again, to test redelivery.
	AllowDuplicates bool
}

// ListenSummary counts what a Listener received.
type ListenSummary struct {
	Received      int `json:"received"`
	Verified      int `json:"verified"`
	Rejected      int `json:"rejected"`
	Duplicates    int `json:"duplicates"`
	Forwarded     int `json:"forwarded"`
	ForwardFailed int `json:"forward_failed"`
	RecordFailed  int `json:"record_failed"`
}

// Listener is the http.Handler behind `webhook listen`.
type Listener struct {
	o       ListenOptions
	slots   chan struct{}
	seen    seenDeliveries
	mu      sync.Mutex
	summary ListenSummary
}

// NewListener returns a handler for o.
func NewListener(o ListenOptions) *Listener {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Client == nil {
		o.Client = NewClient(4, nil)
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.Window <= 0 {
		o.Window = webhook.DefaultTolerance
	}
	return &Listener{o: o, slots: make(chan struct{}, o.MaxInFlight), seen: seenDeliveries{at: map[string]time.Time{}}}
}

// Summary returns the counts so far.
func (l *Listener) Summary() ListenSummary {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.summary
}

func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := l.o.Now()
	rec := Record{ID: NewID(), Time: now.UTC(), Provider: l.o.Scheme.Name(), Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone()}
	select {
	case l.slots <- struct{}{}:
		defer func() { <-l.slots }()
	default:
		w.Header().Set("Retry-After", "1")
		l.reject(w, &rec, http.StatusServiceUnavailable, fmt.Sprintf("busy: %d deliveries in flight already", l.o.MaxInFlight))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		l.reject(w, &rec, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
		return
	}
	if r.ContentLength > l.o.MaxBody {
		rec.Size = r.ContentLength
		l.reject(w, &rec, http.StatusRequestEntityTooLarge, l.tooBig())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, l.o.MaxBody))
	rec.Body, rec.Size = body, int64(len(body))
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		l.reject(w, &rec, http.StatusRequestEntityTooLarge, l.tooBig())
		return
	case err != nil:
		l.reject(w, &rec, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	rec.Event = webhook.EventName(l.o.Scheme, r.Header, body)
	if len(body) == 0 {
		l.reject(w, &rec, http.StatusBadRequest, "empty body")
		return
	}
	if h := l.o.Scheme.Profile().EventHeader; h != "" && r.Header.Get(h) == "" {
		l.reject(w, &rec, http.StatusBadRequest, "missing "+h+" header")
		return
	}
	valid, reason := l.o.Verify(r.Header, body, now)
	if !valid {
		l.reject(w, &rec, http.StatusUnauthorized, reason)
		return
	}
	what, key := webhook.DeliveryKey(l.o.Scheme, r.Header)
	if !l.o.AllowDuplicates {
		if ago, fresh := l.seen.claim(key, now, l.o.Window); !fresh {
			rec.Duplicate = true
			l.reject(w, &rec, http.StatusConflict, fmt.Sprintf("duplicate: same %s received %s ago (--allow-duplicates lets redeliveries through)", what, ago.Round(time.Second)))
			return
		}
	}
	rec.Valid, rec.Reason = true, reason
	if l.o.ForwardTo == "" {
		rec.Status = l.answer(w, body)
		l.finish(rec, false, false)
		return
	}
	status, ferr := l.forward(r.Context(), w, r.Header, body)
	rec.Status = status
	if ferr != nil {
		rec.Reason = "forward: " + ferr.Error()
	}
	if status < 200 || status > 299 {
		l.seen.release(key) // the handler did not take it: the provider's retry must get through
	}
	l.finish(rec, true, ferr != nil)
}

// tooBig is the reason a body over --max-body is refused.
func (l *Listener) tooBig() string {
	return fmt.Sprintf("body larger than %d bytes (--max-body)", l.o.MaxBody)
}

// answer replies to a verified delivery when nothing is forwarded.
func (l *Listener) answer(w http.ResponseWriter, body []byte) int {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(webhook.Answer(l.o.Scheme, body))
	return http.StatusOK
}

// forward passes the delivery on byte for byte and copies the answer back.
func (l *Listener) forward(ctx context.Context, w http.ResponseWriter, h http.Header, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, l.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.o.ForwardTo, bytes.NewReader(body))
	if err != nil {
		http.Error(w, "forward: "+err.Error(), http.StatusBadGateway)
		return http.StatusBadGateway, err
	}
	req.Header = Delivery{Header: h}.Template(nil)
	resp, err := l.o.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		http.Error(w, "forward: "+err.Error(), http.StatusBadGateway)
		return http.StatusBadGateway, err
	}
	defer resp.Body.Close()
	for k, v := range (Delivery{Header: resp.Header}).Template(nil) {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	if _, err := io.Copy(w, resp.Body); err != nil {
		return resp.StatusCode, fmt.Errorf("copy answer: %w", err)
	}
	return resp.StatusCode, nil
}

// reject answers status and records the delivery without its body: what a
// sender that could not sign says need not cost disk or be replayed.
func (l *Listener) reject(w http.ResponseWriter, rec *Record, status int, reason string) {
	rec.Status, rec.Reason = status, reason
	http.Error(w, reason, status)
	rec.Body = nil
	l.finish(*rec, false, false)
}

func (l *Listener) finish(rec Record, forwarded, forwardFailed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.summary.Received++
	switch {
	case rec.Valid:
		l.summary.Verified++
	case rec.Duplicate:
		l.summary.Rejected++
		l.summary.Duplicates++
	default:
		l.summary.Rejected++
	}
	if forwarded && !forwardFailed {
		l.summary.Forwarded++
	}
	if forwardFailed {
		l.summary.ForwardFailed++
	}
	if l.o.Recorder != nil {
		if err := l.o.Recorder.Append(rec); err != nil {
			l.summary.RecordFailed++
			rec.Reason += " (not recorded: " + err.Error() + ")"
		}
	}
	if l.o.OnDelivery != nil {
		l.o.OnDelivery(rec)
	}
}

// Serve answers deliveries on ln until ctx ends, then shuts down gracefully,
// giving deliveries in flight up to shutdownGrace to finish.
func (l *Listener) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, MaxHeaderBytes: maxHeaderBytes}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// maxHeaderBytes bounds a delivery's headers, which are recorded even when
// it is rejected; providers send a few KB.
const maxHeaderBytes = 64 << 10

// shutdownGrace bounds how long Ctrl-C waits for deliveries in flight.
const shutdownGrace = 5 * time.Second
