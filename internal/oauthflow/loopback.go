// Package oauthflow runs the interactive parts of an OAuth login: the RFC 8252
// loopback redirect with PKCE and state, the pasted-redirect fallback for SSH
// sessions, and the device authorization grant; Login runs a whole login to a
// provider (browser, device or a token given on stdin) up to the credential to
// store.
package oauthflow

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/loopback"
)

// DefaultTimeout is how long a login waits for the browser when Timeout is zero.
const DefaultTimeout = 5 * time.Minute

// CallbackPath is the path of the redirect URI on the loopback listener.
const CallbackPath = "/callback"

// Loopback is one authorization-code login through a redirect to a listener
// on the loopback interface.
type Loopback struct {
	// Host is the redirect URI's host: "127.0.0.1" when empty, or "localhost"
	// for providers that require it (Slack). The listener is on loopback IPs either way.
	Host string
	// Ports are tried in order (the ports registered with the provider); a
	// random free port when empty.
	Ports []int
	// Timeout ends the wait for the callback; DefaultTimeout when zero.
	Timeout time.Duration
	// OpenBrowser opens the authorize URL; nil prints it only.
	OpenBrowser func(url string) error
	// Prompt receives everything meant for the person (stderr).
	Prompt io.Writer
	// Paste, when set, is read line by line for a pasted final redirect URL.
	Paste io.Reader
	// Waiting, when set, is called once the URL is printed and the browser
	// opened, when nothing is left but to wait; the function it returns is
	// called when the wait ends. A spinner started here never shares a line
	// with the URL.
	Waiting func() (stop func())
	// Issuer, when set, must match an `iss` parameter on the callback (RFC 9207).
	Issuer string
	// IssuerRequired refuses a callback without `iss`: the issuer advertises
	// authorization_response_iss_parameter_supported (RFC 9207 §2.4).
	IssuerRequired bool
}

// Result is what a successful callback yields for the code exchange.
type Result struct {
	Code        string
	Verifier    string
	RedirectURL string
}

// callbackOutcome is the answer to one callback or pasted URL.
type callbackOutcome struct {
	status int    // HTTP status for the browser
	page   string // what the page says
	final  bool   // whether the login ends with it
	code   string
	err    error
}

// Run listens, prints (and opens) the authorize URL built from
// newConfig(redirectURL) and opts, and waits for the first valid callback.
func (l *Loopback) Run(ctx context.Context, newConfig func(redirectURL string) *oauth2.Config, opts []oauth2.AuthCodeOption) (Result, error) {
	prompt := l.Prompt
	if prompt == nil {
		prompt = io.Discard
	}
	listeners, port, err := l.listen()
	if err != nil {
		return Result{}, err
	}
	host := l.Host
	if host == "" {
		host = "127.0.0.1"
	}
	redirectURL := "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + CallbackPath
	conf := newConfig(redirectURL)
	verifier := oauth2.GenerateVerifier()
	state, err := randomState()
	if err != nil {
		closeAll(listeners)
		return Result{}, err
	}
	authURL := conf.AuthCodeURL(state, append(append([]oauth2.AuthCodeOption{}, opts...), oauth2.S256ChallengeOption(verifier))...)

	c := &collector{state: state, issuer: l.Issuer, issuerRequired: l.IssuerRequired, done: make(chan callbackOutcome, 1)}
	srv := &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second}
	for _, ln := range listeners {
		go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed at Close
	}
	defer func() {
		shutdown(srv)
		closeAll(listeners) // a Serve goroutine not yet started would close its listener only later
	}()

	fmt.Fprintf(prompt, "Open this URL in your browser to log in (or paste the final redirect URL here):\n\n  %s\n\n", authURL)
	if l.OpenBrowser != nil {
		if err := l.OpenBrowser(authURL); err != nil {
			fmt.Fprintf(prompt, "Could not open a browser (%v); open the URL above yourself.\n", err)
		}
	}
	if l.Paste != nil {
		go c.readPasted(l.Paste, prompt)
	}
	if l.Waiting != nil {
		defer l.Waiting()()
	}

	timeout := l.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case out := <-c.done:
		if out.err != nil {
			return Result{}, out.err
		}
		return Result{Code: out.code, Verifier: verifier, RedirectURL: redirectURL}, nil
	case <-ctx.Done():
		return Result{}, fmt.Errorf("wait for the browser: %w", context.Cause(ctx))
	case <-timer.C:
		return Result{}, &TimeoutError{After: timeout}
	}
}

// firstEphemeralPort is where Linux's default range of source ports for outgoing connections
// starts (32768–60999; macOS and Windows use 49152–65535).
const firstEphemeralPort = 32768

// randomPortTries is how many random ports a login tries when another
// program holds [::1] on the port drawn for 127.0.0.1.
const randomPortTries = 5

// addrInUse is a callback address another socket holds.
type addrInUse struct {
	host   string // "127.0.0.1" or "[::1]"
	port   int
	holder string // "uid 1001 (mallory)", or "" when not known
}

func (a addrInUse) String() string {
	s := fmt.Sprintf("port %d already in use on %s", a.port, a.host)
	if a.holder != "" {
		s += " (held by " + a.holder + ")"
	}
	return s
}

// listen opens the callback listeners on the first registered port where all
// of them can be opened: 127.0.0.1, and for host localhost [::1] too, since
// the browser may resolve localhost to either and whoever holds the other
// would receive the code (RFC 8252 §8.3).
func (l *Loopback) listen() ([]net.Listener, int, error) {
	ports := l.Ports
	if len(ports) == 0 {
		ports = make([]int, randomPortTries) // port 0: a random free one each time
	}
	var busy []addrInUse
	ephemeral := false
	for _, p := range ports {
		listeners, inUse, err := l.listenPort(p)
		if err != nil {
			return nil, 0, err
		}
		if inUse != nil {
			busy = append(busy, *inUse)
			ephemeral = ephemeral || p >= firstEphemeralPort
			continue
		}
		return listeners, listeners[0].Addr().(*net.TCPAddr).Port, nil
	}
	hint := "free it or pick another registered port with --port"
	if ephemeral {
		// A closed outgoing connection that drew the port as its source port holds it in
		// TIME_WAIT for up to a minute, and no listener can take it meanwhile.
		hint += "; a port from 32768 up can also be held for a minute by a closed outgoing connection, so register one below 32768"
	}
	msgs := make([]string, len(busy))
	for i, b := range busy {
		msgs[i] = b.String()
	}
	return nil, 0, exitcode.Errorf(exitcode.Usage, "cannot listen for the login callback: %s (%s)", strings.Join(msgs, "; "), hint)
}

// listenPort opens the callback listeners on port p (0: a random one), or
// says which address is in use.
func (l *Loopback) listenPort(p int) ([]net.Listener, *addrInUse, error) {
	ln4, inUse, err := listenCallback(net.IPv4(127, 0, 0, 1), p)
	if ln4 == nil {
		return nil, inUse, err
	}
	port := ln4.Addr().(*net.TCPAddr).Port
	ln6, inUse, err := listenCallback(net.IPv6loopback, port)
	switch {
	case ln6 != nil:
		return []net.Listener{ln4, ln6}, nil, nil
	case l.Host != "localhost":
		// The redirect URI names 127.0.0.1, so no browser is sent to [::1].
		return []net.Listener{ln4}, nil, nil
	case errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.EAFNOSUPPORT):
		// No IPv6 loopback here: no browser can reach [::1], and no one can hold it.
		return []net.Listener{ln4}, nil, nil
	}
	ln4.Close()
	return nil, inUse, err
}

// listenCallback listens on ip:port and checks that the kernel bound loopback.
func listenCallback(ip net.IP, port int) (net.Listener, *addrInUse, error) {
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(port))
	ln, err := loopback.Listen("tcp", addr, false)
	switch {
	case err == nil:
		return ln, nil, nil
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, &addrInUse{host: strings.TrimSuffix(addr, ":"+strconv.Itoa(port)), port: port, holder: holderOf(ip, port)}, nil
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		err = opErr.Err
	}
	return nil, nil, exitcode.New(exitcode.Usage, fmt.Errorf("cannot listen for the login callback on %s: %w", addr, err))
}

// shutdown lets a page being written finish, then closes the port.
func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if srv.Shutdown(ctx) != nil {
		srv.Close()
	}
}

func closeAll(listeners []net.Listener) {
	for _, ln := range listeners {
		ln.Close()
	}
}

// randomState is 32 random bytes, base64url.
func randomState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// collector judges callbacks; the first final outcome ends the login.
type collector struct {
	state          string
	issuer         string
	issuerRequired bool
	done           chan callbackOutcome

	mu       sync.Mutex
	finished bool
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != CallbackPath {
		http.NotFound(w, r)
		return
	}
	out := c.handle(r.URL.Query())
	writePage(w, out.status, out.page)
	if out.final {
		// Only now: ending the login closes the listener, which would cut the page off.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		c.done <- out
	}
}

// handle checks one callback's parameters: state first, then whether the
// login already ended, then iss, error and code.
func (c *collector) handle(q url.Values) callbackOutcome {
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(c.state)) != 1 {
		return callbackOutcome{status: http.StatusBadRequest, page: "The state did not match this login. This request was ignored; the login is still waiting."}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.finished {
		return callbackOutcome{status: http.StatusConflict, page: "This login has already completed. Return to the terminal."}
	}
	var out callbackOutcome
	switch {
	case c.issuer != "" && q.Has("iss") && q.Get("iss") != c.issuer:
		out = callbackOutcome{status: http.StatusBadRequest, page: "The issuer did not match: the login was stopped.", final: true,
			err: exitcode.Errorf(exitcode.Auth, "authorization response from issuer %q, expected %q: login stopped", q.Get("iss"), c.issuer)}
	case c.issuerRequired && !q.Has("iss"):
		// A response without iss from an issuer that always sends it may come from another one (mix-up).
		out = callbackOutcome{status: http.StatusBadRequest, page: "The response did not name its issuer: the login was stopped.", final: true,
			err: exitcode.Errorf(exitcode.Auth, "authorization response without the iss parameter, which issuer %q promises to send (RFC 9207): login stopped", c.issuer)}
	case q.Get("error") != "":
		msg := q.Get("error")
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		out = callbackOutcome{status: http.StatusForbidden, page: "Authorization failed: " + msg, final: true,
			err: exitcode.Errorf(exitcode.Auth, "authorization failed: %s", oneLine(msg))}
	case q.Get("code") == "":
		return callbackOutcome{status: http.StatusBadRequest, page: "The callback carried no authorization code; the login is still waiting."}
	default:
		out = callbackOutcome{status: http.StatusOK, page: "You are logged in. You can close this tab and return to the terminal.", final: true, code: q.Get("code")}
	}
	c.finished = true
	return out
}

// readPasted treats each line of r as a pasted final redirect URL. EOF is
// not a cancel: the callback may still arrive.
func (c *collector) readPasted(r io.Reader, prompt io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		u, err := url.Parse(line)
		if err != nil || u.RawQuery == "" {
			fmt.Fprintln(prompt, "That is not a redirect URL with a query; paste the full address from the browser.")
			continue
		}
		out := c.handle(u.Query())
		if !out.final {
			fmt.Fprintln(prompt, out.page)
			continue
		}
		c.done <- out
		return
	}
}

// oneLine flattens provider-supplied text for the terminal: no newlines, and
// no control characters that could drive it.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// TimeoutError is a login that saw no valid callback in time (exit 3).
type TimeoutError struct{ After time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("login timed out after %s waiting for the browser; run the login again", e.After)
}

// ExitCode is 3: authentication is still needed.
func (e *TimeoutError) ExitCode() int { return exitcode.Auth }
