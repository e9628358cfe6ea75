package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authctl/authctl/internal/loopback"
)

// Options configure a Server.
type Options struct {
	// Seed is the world to serve; nil means DefaultSeed().
	Seed *Seed
	// AutoApprove skips the consent page: authorize redirects at once with
	// a code for the default user (or the user named by login_hint), and a
	// device code is approved for the default user after its first poll.
	AutoApprove bool
	// GitRoot is where the seeded Git repositories are created; empty means a
	// temporary directory removed by Close or Shutdown.
	GitRoot string
	// Now is the clock behind every expiry, lifetime and polling interval;
	// nil means time.Now. Tests pass a Clock's Now to let time pass without sleeping.
	Now func() time.Time
	// RequestLog, when set, gets one line per request: method, path (never
	// the query, which carries codes and states), status and duration.
	RequestLog io.Writer
}

// Server is one sandbox instance. It is safe for concurrent use.
type Server struct {
	seed        *Seed
	autoApprove bool
	now         func() time.Time
	started     time.Time // when Sentry installation codes were issued
	handler     http.Handler
	closing     chan struct{}
	closeOnce   sync.Once
	requestLog  io.Writer
	logMu       sync.Mutex // one log line at a time

	mu            sync.Mutex
	srv           *http.Server
	url           string
	tokenLifetime time.Duration // 0: per-kind default or the seed's
	counts        map[string]int
	faults        map[string]Fault
	buckets       map[string]*bucket
	pending       map[string]*authRequest
	codes         map[string]*authCode
	access        map[string]*token
	refresh       map[string]*token
	devices       map[string]*deviceAuth // by device_code
	userCodes     map[string]*deviceAuth // by user_code
	deliveries    map[string][]Delivery
	signer        *idTokenSigner
	// usedInstallCodes marks Sentry installation codes already exchanged.
	usedInstallCodes map[string]bool
	git              *gitRepos
}

// New builds a server on opts; call Start to listen.
func New(opts Options) *Server {
	seed := opts.Seed
	if seed == nil {
		seed = DefaultSeed()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		seed:        seed,
		autoApprove: opts.AutoApprove,
		requestLog:  opts.RequestLog,
		now:         now,
		started:     now(),
		closing:     make(chan struct{}),
		counts:      map[string]int{},
		faults:      map[string]Fault{},
		buckets:     map[string]*bucket{},
		pending:     map[string]*authRequest{},
		codes:       map[string]*authCode{},
		access:      map[string]*token{},
		refresh:     map[string]*token{},
		devices:     map[string]*deviceAuth{},
		userCodes:   map[string]*deviceAuth{},
		deliveries:  map[string][]Delivery{},
		signer:      &idTokenSigner{},

		usedInstallCodes: map[string]bool{},
		git:              newGitRepos(opts.GitRoot, seed.Repositories),
	}
	for route, f := range seed.Faults {
		s.faults[route] = f
	}
	s.handler = checkHost(s.middleware(s.withGit(s.routes())))
	return s
}

// Handler returns the sandbox's HTTP handler (loopback Host check, counting, faults and routes),
// for embedding it in another server.
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens on addr (for example "127.0.0.1:0") and serves in the
// background. Only loopback addresses are accepted.
func (s *Server) Start(addr string) error {
	if err := CheckLoopback(addr); err != nil {
		return err
	}
	ln, err := loopback.Listen("tcp", addr, false) // the bound address, not the name, must be loopback
	if err != nil {
		return fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	// No WriteTimeout: injected latency may be longer than any fixed bound.
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	s.mu.Lock()
	if s.srv != nil {
		s.mu.Unlock()
		ln.Close()
		return errors.New("sandbox: already started")
	}
	s.srv = srv
	s.url = "http://" + ln.Addr().String()
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// CheckLoopback rejects an address whose host is not a loopback IP or
// "localhost": the sandbox hands out tokens to anyone who asks.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("sandbox: address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("sandbox: address %q is not on loopback (use 127.0.0.1 or [::1])", addr)
}

// URL is the base URL, for example http://127.0.0.1:40123; empty before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close stops the server, ending open connections and waiting requests.
func (s *Server) Close() error {
	srv := s.stop()
	if srv == nil {
		return nil
	}
	defer s.git.cleanup()
	return srv.Close()
}

// Shutdown stops accepting connections and waits for requests in flight
// until ctx ends; requests waiting in injected latency end at once.
func (s *Server) Shutdown(ctx context.Context) error {
	srv := s.stop()
	if srv == nil {
		return nil
	}
	defer s.git.cleanup()
	return srv.Shutdown(ctx)
}

// stop signals waiting handlers to give up and returns the HTTP server.
func (s *Server) stop() *http.Server {
	s.closeOnce.Do(func() { close(s.closing) })
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv
}

// Count returns how many requests were served for method and concrete
// path (r.URL.Path, for example "/api/v10/users/@me/guilds"), faulted,
// rate-limited and failed ones included.
func (s *Server) Count(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[method+" "+path]
}

// TotalCount is the number of requests served on every route since the last ResetCounts.
func (s *Server) TotalCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for _, n := range s.counts {
		total += n
	}
	return total
}

// ResetCounts sets every request count to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
}

// SetTokenLifetime makes access tokens issued from now on live d, for every
// kind whose tokens expire (not GitHub OAuth Apps); 0 restores the defaults.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenLifetime = d
}

// ExpireAccessTokens makes every access token issued so far expired; refresh
// tokens keep working.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.now().Add(-time.Second)
	for _, t := range s.access {
		t.expiry = past
	}
}

// RevokeAll revokes every authorization: all access and refresh tokens die.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.access {
		t.grant.revoked = true
	}
	for _, t := range s.refresh {
		t.grant.revoked = true
	}
}

// middleware counts every request, then applies faults.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[r.Method+" "+r.URL.Path]++
		s.mu.Unlock()
		if s.requestLog != nil {
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			start := time.Now()
			defer func() {
				s.logMu.Lock()
				defer s.logMu.Unlock()
				fmt.Fprintf(s.requestLog, "sandbox: %s %s → %d (%s)\n", r.Method, strconv.QuoteToASCII(r.URL.Path), rec.status, time.Since(start).Round(time.Microsecond))
			}()
			w = rec
		}
		if f, ok := s.pickFault(r); ok && s.injectFault(w, r, f) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection (git's CGI streams).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	s.discordRoutes(mux)
	s.githubRoutes(mux)
	s.slackRoutes(mux)
	s.slackOIDCRoutes(mux)
	s.sentryRoutes(mux)
	s.oidcRoutes(mux)
	s.installationRoutes(mux)
	s.sandboxRoutes(mux)
	return mux
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// randomToken returns prefix and 32 random bytes, URL-safe.
func randomToken(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// baseURL is the scheme and host the client used, for URLs in responses.
func baseURL(r *http.Request) string {
	return "http://" + r.Host
}

// splitScopes splits a scope parameter as the provider of kind does: Slack's
// lists are comma-separated (PROVIDERS.md), GitHub takes spaces or commas, and
// the others follow RFC 6749 §3.3 (spaces). A comma in a space-separated list
// stays part of the scope name, which then is not one the provider knows.
func splitScopes(kind, s string) []string {
	switch kind {
	case KindSlack:
		return strings.FieldsFunc(s, func(r rune) bool { return r == ',' })
	case KindGitHub:
		return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
	}
	return strings.Fields(s)
}
