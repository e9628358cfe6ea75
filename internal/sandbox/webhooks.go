package sandbox

import (
	"io"
	"net/http"
	"time"
)

// maxDeliveryBytes bounds one recorded webhook body.
const maxDeliveryBytes = 10 << 20

// Delivery is one request received by the webhook recorder.
type Delivery struct {
	Method   string      `json:"method"`
	Path     string      `json:"path"`
	Query    string      `json:"query,omitempty"`
	Header   http.Header `json:"headers"`
	Body     []byte      `json:"body"` // base64 in JSON
	Received time.Time   `json:"received"`
}

// Deliveries returns the requests recorded under name, oldest first.
func (s *Server) Deliveries(name string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries[name]...)
}

func (s *Server) sandboxRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /_sandbox/consent", s.consent)
	mux.HandleFunc("POST /_sandbox/webhooks/{name}", s.recordDelivery)
	mux.HandleFunc("PUT /_sandbox/webhooks/{name}", s.recordDelivery)
	mux.HandleFunc("GET /_sandbox/webhooks/{name}", s.listDeliveries)
	mux.HandleFunc("GET /_sandbox/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
}

// recordDelivery keeps the raw bytes of a webhook delivery, exactly as sent.
func (s *Server) recordDelivery(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDeliveryBytes))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "body too large or unreadable"})
		return
	}
	d := Delivery{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, Received: s.now().UTC()}
	name := r.PathValue("name")
	s.mu.Lock()
	s.deliveries[name] = append(s.deliveries[name], d)
	n := len(s.deliveries[name])
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "count": n})
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	list := s.Deliveries(r.PathValue("name"))
	if list == nil {
		list = []Delivery{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": list})
}
