package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// VerifyFunc checks a delivery's signature at now and says why it fails.
type VerifyFunc func(h http.Header, body []byte, now time.Time) (valid bool, reason string)

// MaxListenBody bounds a delivery's body; providers send far less.
const MaxListenBody = 32 << 20

// eventHeaders name the header that carries the event for providers that
// send one; a delivery without it is malformed.
var eventHeaders = map[string]string{
	"github":  "X-GitHub-Event",
	"sentry":  "Sentry-Hook-Resource",
	"shopify": "X-Shopify-Topic",
}

// EventHeader returns the header that names the event for provider, or "".
func EventHeader(provider string) string { return eventHeaders[provider] }

// ListenOptions configure a Listener.
type ListenOptions struct {
	Provider  string
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
	rec := Record{ID: NewID(), Time: now.UTC(), Provider: l.o.Provider, Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone()}
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
	rec.Event = EventName(l.o.Provider, r.Header, body)
	if len(body) == 0 {
		l.reject(w, &rec, http.StatusBadRequest, "empty body")
		return
	}
	if h := EventHeader(l.o.Provider); h != "" && r.Header.Get(h) == "" {
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

// answer replies to a verified delivery when nothing is forwarded: what the
// provider needs to consider the endpoint healthy.
func (l *Listener) answer(w http.ResponseWriter, body []byte) int {
	var msg struct {
		Type      json.RawMessage `json:"type"`
		Challenge string          `json:"challenge"`
	}
	_ = json.Unmarshal(body, &msg) // not every body is JSON; then the default answer applies
	w.Header().Set("Content-Type", "application/json")
	switch {
	case l.o.Provider == "discord" && string(msg.Type) == "1":
		_, _ = io.WriteString(w, `{"type":1}`)
	case l.o.Provider == "slack" && string(msg.Type) == `"url_verification"`:
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": msg.Challenge})
	default:
		_, _ = io.WriteString(w, `{"ok":true}`)
	}
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

// discordTypes names Discord interaction types.
var discordTypes = map[string]string{"1": "ping", "2": "application_command", "3": "message_component", "4": "autocomplete", "5": "modal_submit"}

// EventName names a delivery's event for people: the provider's event
// header, else a form's command, else the JSON body's "type".
func EventName(provider string, h http.Header, body []byte) string {
	if name := EventHeader(provider); name != "" {
		ev := h.Get(name)
		if action := jsonString(body, "action"); ev != "" && action != "" {
			return ev + "." + action
		}
		return ev
	}
	if bytes.HasPrefix(bytes.TrimSpace([]byte(h.Get("Content-Type"))), []byte("application/x-www-form-urlencoded")) {
		if form, err := url.ParseQuery(string(body)); err == nil {
			if c := form.Get("command"); c != "" {
				return c
			}
			if form.Has("payload") {
				return "interactive"
			}
		}
		return ""
	}
	var msg struct {
		Type json.RawMessage `json:"type"`
	}
	if json.Unmarshal(body, &msg) != nil || len(msg.Type) == 0 {
		return ""
	}
	var name string
	if json.Unmarshal(msg.Type, &name) == nil {
		return name
	}
	if provider == "discord" {
		if name, ok := discordTypes[string(msg.Type)]; ok {
			return name
		}
	}
	return "type " + string(msg.Type)
}

func jsonString(body []byte, field string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(m[field], &s) // a missing or non-string field names nothing
	return s
}
