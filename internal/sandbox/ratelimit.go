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

// bucket is a fixed-window Discord rate-limit bucket.
type bucket struct {
	limit     int
	remaining int
	reset     time.Time
}

// rateLimit applies the Discord bucket name (per route, per major parameter,
// per token) and writes the X-RateLimit-* headers. It reports false after
// answering 429. A "global" entry in the seed's rate_limits adds a global
// bucket per token.
func (s *Server) rateLimit(w http.ResponseWriter, r *http.Request, name, major string) bool {
	who := r.Header.Get("Authorization")
	if _, ok := s.seed.RateLimits["global"]; ok {
		b, _ := s.take("global", "global|"+who)
		if b.remaining < 0 {
			w.Header().Set("X-RateLimit-Global", "true")
			writeRateLimited(w, time.Until(b.reset).Seconds(), true, "global")
			return false
		}
	}
	b, hash := s.take(name, name+"|"+major+"|"+who)
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(b.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(b.remaining, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(b.reset.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(max(time.Until(b.reset).Seconds(), 0), 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", hash)
	if b.remaining < 0 {
		writeRateLimited(w, time.Until(b.reset).Seconds(), false, "user")
		return false
	}
	return true
}

// take spends one request from the bucket key and returns its state after.
func (s *Server) take(name, key string) (bucket, string) {
	limit := defaultRateLimit
	if s.seed.DefaultRateLimit > 0 {
		limit = s.seed.DefaultRateLimit
	}
	if n, ok := s.seed.RateLimits[name]; ok && n > 0 {
		limit = n
	}
	window := defaultRateWindow
	if s.seed.RateLimitWindow > 0 {
		window = s.seed.RateLimitWindow
	}
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
	sum := sha256.Sum256([]byte(name))
	return *b, hex.EncodeToString(sum[:8])
}

// writeRateLimited answers Discord's 429.
func writeRateLimited(w http.ResponseWriter, retryAfter float64, global bool, scope string) {
	retryAfter = math.Round(max(retryAfter, 0.001)*1000) / 1000
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter))))
	h.Set("X-RateLimit-Scope", scope)
	if global {
		h.Set("X-RateLimit-Global", "true")
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(map[string]any{"message": "You are being rate limited.", "retry_after": retryAfter, "global": global})
}
