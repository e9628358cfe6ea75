package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Bucket sizes when the seed sets none: generous, so tests that do not
// exercise rate limits never meet one.
const (
	defaultRateLimit  = 50
	defaultRateWindow = 1.0 // seconds
)

// globalRateLimit is Discord's global limit: 50 requests a second per bot
// or user token (per IP without one), whatever the route and its bucket.
const globalRateLimit = 50

// bucket is a fixed-window Discord rate-limit bucket.
type bucket struct {
	limit     int
	remaining int
	reset     time.Time
}

// rateLimit applies the Discord bucket name (per route, per major parameter,
// per token) and writes the X-RateLimit-* headers. It reports false after
// answering 429. Every token also draws on a global bucket: 50 requests per
// rate_limit_window (1 s, as at Discord), or the seed's "global" entry, or
// its default_rate_limit when that is larger.
func (s *Server) rateLimit(w http.ResponseWriter, r *http.Request, name, major string) bool {
	who := r.Header.Get("Authorization")
	// fidelity: discord-global-rate-limit
	if b := s.take("global", "global|"+who); b.remaining < 0 {
		writeRateLimited(w, time.Until(b.reset).Seconds(), true, "global")
		return false
	}
	b := s.take(name, name+"|"+major+"|"+who)
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(b.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(b.remaining, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(b.reset.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(max(time.Until(b.reset).Seconds(), 0), 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", bucketHash(name))
	if b.remaining < 0 {
		writeRateLimited(w, time.Until(b.reset).Seconds(), false, "user")
		return false
	}
	return true
}

// take spends one request from the bucket key and returns its state after.
func (s *Server) take(name, key string) bucket {
	limit, window := s.bucketSize(name)
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buckets) >= pruneThreshold {
		for k, old := range s.buckets {
			if !now.Before(old.reset) {
				delete(s.buckets, k)
			}
		}
	}
	b := s.buckets[key]
	if b == nil || !now.Before(b.reset) {
		b = &bucket{limit: limit, remaining: limit, reset: now.Add(time.Duration(window * float64(time.Second)))}
		s.buckets[key] = b
	}
	b.remaining--
	return *b
}

// bucketHash is the X-RateLimit-Bucket of the bucket name: an opaque id, as Discord's.
func bucketHash(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:8])
}

// bucketSize is the limit and window (seconds) of the bucket name.
func (s *Server) bucketSize(name string) (int, float64) {
	n, set := s.seed.RateLimits[name]
	limit := defaultRateLimit
	switch {
	case name == "global":
		// A seed that raises every bucket (a benchmark's) asks for no limit: the global one follows.
		limit = max(globalRateLimit, s.seed.DefaultRateLimit)
	case s.seed.DefaultRateLimit > 0:
		limit = s.seed.DefaultRateLimit
	}
	if set && n > 0 {
		limit = n
	}
	window := defaultRateWindow
	if s.seed.RateLimitWindow > 0 {
		window = s.seed.RateLimitWindow
	}
	return limit, window
}

// writeRateLimited answers Discord's 429. A route's 429 carries its bucket's
// headers already; a fault-injected one gets those of an exhausted bucket
// that resets when the wait is over.
func writeRateLimited(w http.ResponseWriter, retryAfter float64, global bool, scope string) {
	retryAfter = math.Round(max(retryAfter, 0.001)*1000) / 1000
	h := w.Header()
	if !global && h.Get("X-RateLimit-Bucket") == "" {
		// fidelity: discord-429-fault-headers
		h.Set("X-RateLimit-Limit", strconv.Itoa(defaultRateLimit))
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().Add(time.Duration(retryAfter*float64(time.Second))).UnixMilli())/1000, 'f', 3, 64))
		h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(retryAfter, 'f', 3, 64))
		h.Set("X-RateLimit-Bucket", bucketHash("fault")) // an exhausted bucket of the default size
	}
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter))))
	h.Set("X-RateLimit-Scope", scope)
	if global {
		h.Set("X-RateLimit-Global", "true")
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(map[string]any{"message": "You are being rate limited.", "retry_after": retryAfter, "global": global})
}
