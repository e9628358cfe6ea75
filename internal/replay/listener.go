// Package replay sends signed webhook deliveries (built-in samples, captured
// requests, recorded deliveries) to a handler, in bursts with latency
// statistics, and listens for deliveries to verify, forward and record them.
// Everything it knows of a provider it asks of a webhook.Scheme.
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

// MaxListenBody bounds a delivery's body; providers send far less.
const MaxListenBody = 32 << 20

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
}

// ListenSummary counts what a Listener received.
type ListenSummary struct {
	Received      int `json:"received"`
	Verified      int `json:"verified"`
	Rejected      int `json:"rejected"`
	Forwarded     int `json:"forwarded"`
	ForwardFailed int `json:"forward_failed"`
	RecordFailed  int `json:"record_failed"`
}

// Listener is the http.Handler behind `webhook listen`.
type Listener struct {
	o       ListenOptions
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
		o.Client = NewClient(4)
	}
	return &Listener{o: o}
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
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		l.reject(w, &rec, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxListenBody))
	rec.Body = body
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		l.reject(w, &rec, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", MaxListenBody))
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
	l.finish(rec, true, ferr != nil)
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

func (l *Listener) reject(w http.ResponseWriter, rec *Record, status int, reason string) {
	rec.Status, rec.Reason = status, reason
	http.Error(w, reason, status)
	l.finish(*rec, false, false)
}

func (l *Listener) finish(rec Record, forwarded, forwardFailed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.summary.Received++
	switch {
	case rec.Valid:
		l.summary.Verified++
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
	srv := &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
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

// shutdownGrace bounds how long Ctrl-C waits for deliveries in flight.
const shutdownGrace = 5 * time.Second
