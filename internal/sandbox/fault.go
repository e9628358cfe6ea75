package sandbox

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is injected on the requests of one route. A request the fault
// selects first waits Latency, then gets, in this order of precedence: a
// dropped connection (Drop), a rate limit (RetryAfter > 0, Status 429 or
// RateLimit), an error status (Status), or a 200 with a truncated JSON body
// (MalformedJSON). Rate limits and error bodies take the shape of the provider
// whose route it is (see faultKind); a GitHub rate limit with Status 403 is
// GitHub's 403 form of it.
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
	// RateLimit answers as the provider's rate limit without a Retry-After
	// wait: GitHub's primary limit (x-ratelimit-remaining 0 and its reset).
	RateLimit bool `yaml:"rate_limit,omitempty"`
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
	case f.RateLimit && f.Status != 0 && f.Status != http.StatusForbidden && f.Status != http.StatusTooManyRequests:
		return fmt.Errorf("rate_limit goes with status 403 or 429, not %d", f.Status)
	}
	return nil
}

// ParseFault reads the flag form of a fault: ROUTE=key=value,key=value…
// with keys latency (a Go duration), status, rate, times, retry_after
// (seconds), drop, malformed_json and rate_limit (no value). ROUTE is as for SetFault.
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
		case "rate_limit":
			f.RateLimit = true
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
	case f.RetryAfter > 0 || f.Status == http.StatusTooManyRequests || f.RateLimit:
		s.writeFaultRateLimit(w, faultKind(r.URL.Path), f)
		return true
	case f.Status != 0:
		writeFaultStatus(w, faultKind(r.URL.Path), f.Status)
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

// faultKind is the provider whose shapes a fault on path takes.
func faultKind(path string) string {
	switch {
	case strings.HasPrefix(path, "/oidc/"):
		return KindOIDC
	case strings.HasPrefix(path, "/api/v10/"), strings.HasPrefix(path, "/api/oauth2/"), strings.HasPrefix(path, "/oauth2/"):
		return KindDiscord
	case strings.HasPrefix(path, "/api/0/"), strings.HasPrefix(path, "/oauth/") && !strings.HasPrefix(path, "/oauth/v2/"):
		return KindSentry
	case strings.HasPrefix(path, "/api/v3/"):
		return KindGitHub // GitHub Enterprise
	case strings.HasPrefix(path, "/api/"), strings.HasPrefix(path, "/oauth/v2/"), strings.HasPrefix(path, "/openid/"), strings.HasPrefix(path, "/.well-known/"):
		return KindSlack
	case strings.HasPrefix(path, "/_sandbox/"):
		return ""
	}
	return KindGitHub // /login/, /user, /applications/, /app/, /repos/, /orgs/, /users/
}

// githubRateLimitDocs is where GitHub's rate-limit answers point.
const githubRateLimitDocs = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"

// writeFaultRateLimit answers a rate limit as the provider of kind does.
func (s *Server) writeFaultRateLimit(w http.ResponseWriter, kind string, f Fault) {
	h := w.Header()
	retryAfter := strconv.Itoa(int(math.Ceil(f.RetryAfter)))
	switch kind {
	case KindGitHub:
		// fidelity: github-rate-limit
		status := http.StatusTooManyRequests
		if f.Status == http.StatusForbidden {
			status = http.StatusForbidden
		}
		h.Set("X-RateLimit-Limit", "5000")
		h.Set("X-RateLimit-Resource", "core")
		if f.RetryAfter > 0 { // a secondary limit: wait Retry-After
			h.Set("Retry-After", retryAfter)
			h.Set("X-RateLimit-Remaining", "4999")
			h.Set("X-RateLimit-Used", "1")
			h.Set("X-RateLimit-Reset", strconv.FormatInt(s.now().Add(time.Hour).Unix(), 10))
			writeJSON(w, status, map[string]string{"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "documentation_url": githubRateLimitDocs})
			return
		}
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Used", "5000")
		h.Set("X-RateLimit-Reset", strconv.FormatInt(s.now().Add(time.Minute).Unix(), 10))
		writeJSON(w, status, map[string]string{"message": "API rate limit exceeded for user ID 1.", "documentation_url": githubRateLimitDocs})
	case KindSlack:
		// fidelity: slack-rate-limit
		h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(f.RetryAfter)))))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
	case KindSentry:
		h.Set("Retry-After", retryAfter)
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"detail": "You are attempting to use this endpoint too frequently."})
	case KindOIDC:
		h.Set("Retry-After", retryAfter)
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "temporarily_unavailable", "error_description": "rate limited"})
	default:
		// fidelity: discord-fault-429-bucket-headers
		wait := math.Max(f.RetryAfter, 0.001)
		h.Set("X-RateLimit-Limit", "1")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(s.now().Add(time.Duration(wait*float64(time.Second))).UnixMilli())/1000, 'f', 3, 64))
		h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(wait, 'f', 3, 64))
		h.Set("X-RateLimit-Bucket", "fault")
		writeRateLimited(w, f.RetryAfter, false, "user")
	}
}

// writeFaultStatus answers an injected error status in the body shape of the provider of kind.
func writeFaultStatus(w http.ResponseWriter, kind string, status int) {
	text := http.StatusText(status)
	switch kind {
	case KindGitHub:
		writeJSON(w, status, map[string]string{"message": text, "documentation_url": githubDocsURL, "status": strconv.Itoa(status)})
	case KindSlack:
		writeJSON(w, status, map[string]any{"ok": false, "error": "fatal_error"})
	case KindSentry:
		writeJSON(w, status, map[string]string{"detail": text})
	case KindOIDC:
		code := "server_error"
		if status < 500 {
			code = "invalid_request"
		}
		writeJSON(w, status, map[string]string{"error": code, "error_description": text})
	default:
		writeJSON(w, status, map[string]any{"message": text, "code": 0})
	}
}
