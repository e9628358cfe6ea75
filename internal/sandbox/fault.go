package sandbox

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is injected on the requests of one route. A request the fault
// selects first waits Latency, then gets, in this order of precedence: a
// dropped connection (Drop), a 429 (RetryAfter > 0 or Status 429), an error
// status (Status), or a 200 with a truncated JSON body (MalformedJSON).
// Which requests are selected: the next Times requests when Times > 0 (the
// fault then clears itself), else a share Rate of them when Rate > 0, else
// every request.
type Fault struct {
	Latency       time.Duration `yaml:"latency,omitempty"`
	Status        int           `yaml:"status,omitempty"`
	Rate          float64       `yaml:"rate,omitempty"`
	Times         int           `yaml:"times,omitempty"`
	RetryAfter    float64       `yaml:"retry_after,omitempty"`
	Drop          bool          `yaml:"drop,omitempty"`
	MalformedJSON bool          `yaml:"malformed_json,omitempty"`
}

func (f Fault) validate() error {
	switch {
	case f.Latency < 0:
		return fmt.Errorf("latency must not be negative")
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("status must be a 4xx or 5xx code, not %d", f.Status)
	case f.Rate < 0 || f.Rate > 1:
		return fmt.Errorf("rate must be between 0 and 1, not %g", f.Rate)
	case f.Times < 0:
		return fmt.Errorf("times must not be negative")
	case f.RetryAfter < 0:
		return fmt.Errorf("retry_after must not be negative")
	}
	return nil
}

// ParseFault reads the flag form of a fault: ROUTE=key=value,key=value…
// with keys latency (a Go duration), status, rate, times, retry_after
// (seconds), drop and malformed_json (no value). ROUTE is as for SetFault.
func ParseFault(s string) (route string, f Fault, err error) {
	route, spec, ok := strings.Cut(s, "=")
	if !ok || route == "" || spec == "" {
		return "", Fault{}, fmt.Errorf("fault %q: want ROUTE=key=value,…", s)
	}
	for _, part := range strings.Split(spec, ",") {
		key, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch key {
		case "latency":
			f.Latency, err = time.ParseDuration(val)
		case "status":
			f.Status, err = strconv.Atoi(val)
		case "rate":
			f.Rate, err = strconv.ParseFloat(val, 64)
		case "times":
			f.Times, err = strconv.Atoi(val)
		case "retry_after":
			f.RetryAfter, err = strconv.ParseFloat(val, 64)
		case "drop":
			f.Drop = true
		case "malformed_json":
			f.MalformedJSON = true
		default:
			return "", Fault{}, fmt.Errorf("fault %q: unknown key %q", s, key)
		}
		if err != nil {
			return "", Fault{}, fmt.Errorf("fault %q: %s: %w", s, key, err)
		}
	}
	if err := f.validate(); err != nil {
		return "", Fault{}, fmt.Errorf("fault %q: %w", s, err)
	}
	return route, f, nil
}

// faultRoute matches a request: "METHOD /path" or "/path"; a path ending in
// "*" matches every path with that prefix.
func faultRoute(route string, r *http.Request) bool {
	method, path, hasMethod := strings.Cut(route, " ")
	if !hasMethod {
		path, method = route, ""
	}
	if method != "" && method != r.Method {
		return false
	}
	if prefix, ok := strings.CutSuffix(path, "*"); ok {
		return strings.HasPrefix(r.URL.Path, prefix)
	}
	return r.URL.Path == path
}

// pickFault returns the fault selected for r, if any, consuming one of its
// Times. When several routes match, the longest (most specific) wins.
func (s *Server) pickFault(r *http.Request) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	route := ""
	for candidate := range s.faults {
		if faultRoute(candidate, r) && len(candidate) > len(route) {
			route = candidate
		}
	}
	if route == "" {
		return Fault{}, false
	}
	f := s.faults[route]
	switch {
	case f.Times > 0:
		f.Times--
		if f.Times == 0 {
			delete(s.faults, route)
		} else {
			s.faults[route] = f
		}
	case f.Rate > 0 && rand.Float64() >= f.Rate:
		return Fault{}, false
	}
	return f, true
}

// injectFault applies a selected fault; it reports whether the request has
// been answered (or dropped) so the route handler must not run.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		case <-s.closing:
			return true
		}
	}
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler) // HTTP/2 or a wrapped writer: abort the stream instead
	case f.RetryAfter > 0 || f.Status == http.StatusTooManyRequests:
		writeRateLimited(w, f.RetryAfter, false, "user")
		return true
	case f.Status != 0:
		writeJSON(w, f.Status, map[string]any{"message": http.StatusText(f.Status), "code": 0})
		return true
	case f.MalformedJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"id": "1", "name": `))
		return true
	}
	return false
}

// SetFault injects f on route ("METHOD /path" or "/path", a trailing "*"
// matching a prefix) until it is replaced; a zero Fault removes it.
func (s *Server) SetFault(route string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == (Fault{}) {
		delete(s.faults, route)
		return
	}
	s.faults[route] = f
}
