package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/oauthflow"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/testutil/chromium"
	"github.com/authctl/authctl/internal/ui"
)

// outputWatcher is a goroutine-safe writer for a process's output that sends
// the first match of pattern on found, once; with a group in the pattern, the
// group's text. newURLWatcher's pattern is the authorize URL a login prints on
// a line of its own, the signal a test "browser" waits on.
type outputWatcher struct {
	mu      sync.Mutex
	text    []byte
	sent    bool
	pattern *regexp.Regexp
	found   chan string
}

var authorizeURL = regexp.MustCompile(`(?m)^\s*(https?://\S+[?&]state=\S+)\s*\n`)

func newURLWatcher() *outputWatcher {
	return &outputWatcher{pattern: authorizeURL, found: make(chan string, 1)}
}

func (w *outputWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.text = append(w.text, p...)
	if m := w.pattern.FindSubmatch(w.text); m != nil && !w.sent {
		w.sent = true
		w.found <- string(m[len(m)-1])
	}
	return len(p), nil
}

func (w *outputWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.text)
}

// loginEnv is a sandbox, its config file and a temp file store.
type loginEnv struct {
	t       *testing.T
	srv     *sandbox.Server
	cfg     string
	backend func(string, string, io.Writer) (store.Store, error)
	store   *store.File
	// env is the process environment of the run ({"CI": "1"} when nil); stdinTTY pretends stdin is a terminal.
	env      map[string]string
	stdinTTY bool
}

func newLoginEnv(t *testing.T, opts ...sandboxtest.Option) *loginEnv {
	t.Helper()
	srv := sandboxtest.Start(t, opts...)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(srv.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	backend, st := fileBackend(t, filepath.Join(dir, "state"))
	return &loginEnv{t: t, srv: srv, cfg: cfg, backend: backend, store: st}
}

// fileBackend is the real file store in dir, for a factory's OpenStore.
func fileBackend(t *testing.T, dir string) (func(string, string, io.Writer) (store.Store, error), *store.File) {
	t.Helper()
	st, err := store.OpenFile(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return openStoreIn(st), st
}

// loginRunResult is one `authctl login` run.
type loginRunResult struct {
	code   int
	stdout string
	stderr *outputWatcher
}

// login runs `authctl --config CFG args...`; browse, when set, gets the
// printed authorize URL while the login waits. stdin never ends unless given.
func (e *loginEnv) login(ctx context.Context, stdin io.Reader, browse func(authURL string), args ...string) loginRunResult {
	e.t.Helper()
	if stdin == nil {
		r, w := io.Pipe()
		defer w.Close()
		stdin = r
	}
	ios, _, out, _ := ui.Test()
	errOut := newURLWatcher()
	ios.In, ios.ErrOut, ios.StdinTTY = stdin, errOut, e.stdinTTY
	env := e.env
	if env == nil {
		env = map[string]string{"CI": "1"}
	}
	f := newTestFactory(e.t, ios, env)
	f.OpenStore = e.backend
	done := make(chan int, 1)
	go func() { done <- Run(ctx, f, append([]string{"--config", e.cfg, "login"}, args...)) }()
	if browse != nil {
		select {
		case u := <-errOut.found:
			browse(u)
		case code := <-done:
			return loginRunResult{code, out.String(), errOut}
		}
	}
	code := <-done
	return loginRunResult{code, out.String(), errOut}
}

// followingBrowser follows the authorize URL through the sandbox's
// auto-approval to the login's callback, like a browser would.
func followingBrowser(t *testing.T) func(string) {
	return func(u string) {
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(u)
		if err != nil {
			t.Errorf("browser: %v", err)
			return
		}
		resp.Body.Close()
	}
}

// approvedRedirect asks the sandbox to approve and returns the final redirect
// URL without following it.
func approvedRedirect(t *testing.T, authURL string) *url.URL {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("authorize answered %d without a redirect", resp.StatusCode)
	}
	return loc
}

func (e *loginEnv) stored(providerName string) *provider.Credential {
	e.t.Helper()
	c, err := e.store.Get(context.Background(), providerName, "")
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// A full login per provider kind: the HTTP browser follows the URL, the
// sandbox approves, the credential is stored and the identity printed.
// Not parallel: Discord's registered redirect port is fixed.
func TestLoginPerProvider(t *testing.T) {
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	tests := []struct {
		provider, greeting, user string
	}{
		{"discord", "Logged in to Discord as " + sandbox.AliceUsername + " (" + sandbox.AliceID + ")", sandbox.AliceUsername},
		{"github", "Logged in to GitHub as " + sandbox.AliceUsername, sandbox.AliceUsername},
		{"slack", "Logged in to Slack as ", ""},
		{"sentry", "Logged in to Sentry as ", ""},
		{"oidc", "Logged in to oidc as ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			r := e.login(testContext(t), nil, followingBrowser(t), tt.provider)
			if r.code != exitcode.OK || r.stdout != "" || !strings.Contains(r.stderr.String(), tt.greeting) {
				t.Fatalf("login %s: exit %d, stdout %q, stderr %s", tt.provider, r.code, r.stdout, r.stderr)
			}
			c := e.stored(tt.provider)
			if c == nil || c.AccessToken == "" || c.UserID == "" || (tt.user != "" && c.UserName != tt.user) {
				t.Fatalf("stored credential %+v", c)
			}
			if strings.Contains(r.stderr.String(), c.AccessToken) {
				t.Fatal("the access token was printed on stderr")
			}
		})
	}
}

// -o json prints one object describing the login and no token.
func TestLoginJSON(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	r := e.login(testContext(t), nil, followingBrowser(t), "github", "-o", "json", "--account", "work")
	var got credential.LoggedIn
	if r.code != exitcode.OK || json.Unmarshal([]byte(r.stdout), &got) != nil {
		t.Fatalf("exit %d stdout %q stderr %s", r.code, r.stdout, r.stderr)
	}
	if got.Provider != "github" || got.Account != "work" || got.User != sandbox.AliceUsername || len(got.Scopes) == 0 {
		t.Fatalf("json = %+v", got)
	}
	c, err := e.store.Get(context.Background(), "github", "work")
	if err != nil || strings.Contains(r.stdout, c.AccessToken) {
		t.Fatalf("stored under work: %v; token in stdout: %v", err, c != nil && strings.Contains(r.stdout, c.AccessToken))
	}
}

// Failures end with the documented exit code and leave nothing in the store.
func TestLoginFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   *sandbox.Fault
		browse  func(t *testing.T, authURL string)
		args    []string
		cancel  bool // the test cancels the run as Ctrl-C does
		want    int
		wantErr string
	}{
		{name: "token endpoint 500", fault: &sandbox.Fault{Status: 500}, want: exitcode.Provider, wantErr: "exchange code: HTTP 500"},
		{name: "token endpoint garbage", fault: &sandbox.Fault{MalformedJSON: true}, want: exitcode.Provider, wantErr: "github: exchange code: oauth2: cannot parse json"},
		{name: "token endpoint slow", fault: &sandbox.Fault{Latency: 5 * time.Second}, want: exitcode.Provider, wantErr: "exchange code: timed out"},
		{name: "access denied", browse: func(t *testing.T, authURL string) {
			loc := approvedRedirect(t, authURL)
			q := url.Values{"state": {loc.Query().Get("state")}, "error": {"access_denied"}, "error_description": {"The user denied the request"}}
			resp, err := http.Get(loc.Scheme + "://" + loc.Host + loc.Path + "?" + q.Encode())
			if err == nil {
				resp.Body.Close()
			}
		}, want: exitcode.Auth, wantErr: "authorization failed: access_denied: The user denied the request"},
		{name: "timeout", args: []string{"--timeout", "300ms"}, want: exitcode.Auth, wantErr: "login timed out after 300ms"},
		{name: "interrupt", cancel: true, want: exitcode.Interrupted, wantErr: "interrupted"},
		{name: "unknown provider", args: []string{"--no-browser"}, want: exitcode.Usage},
		{name: "port out of range", args: []string{"--port", "70000"}, want: exitcode.Usage, wantErr: "--port must be between 1 and 65535"},
		{name: "device and with-token", args: []string{"--device", "--with-token"}, want: exitcode.Usage, wantErr: "cannot be used together"},
		{name: "bad timeout", args: []string{"--timeout", "0s"}, want: exitcode.Usage, wantErr: "--timeout must be positive"},
		{name: "device without endpoint", args: []string{"--device"}, want: exitcode.Usage, wantErr: "no device authorization endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newLoginEnv(t, sandboxtest.AutoApprove())
			providerName := "github" // an OAuth App: any loopback port, so parallel logins do not collide
			switch tt.name {
			case "unknown provider":
				providerName = "nosuch"
			case "device without endpoint":
				providerName = "discord" // fails before it would listen on Discord's fixed port
			}
			if tt.fault != nil {
				e.srv.SetFault("POST /login/oauth/access_token", *tt.fault)
			}
			ctx, cancel := context.WithCancelCause(testContext(t))
			if tt.name == "token endpoint slow" {
				var stop context.CancelFunc
				ctx, stop = context.WithTimeout(ctx, 2*time.Second)
				defer stop()
			}
			browse := func(u string) {
				switch {
				case tt.cancel:
					cancel(exitcode.Errorf(exitcode.Interrupted, "interrupted"))
				case tt.browse != nil:
					tt.browse(t, u)
				case tt.name != "timeout":
					followingBrowser(t)(u)
				}
			}
			r := e.login(ctx, nil, browse, append([]string{providerName}, tt.args...)...)
			if r.code != tt.want || !strings.Contains(r.stderr.String(), tt.wantErr) {
				t.Fatalf("exit %d, want %d with %q; stderr %s", r.code, tt.want, tt.wantErr, r.stderr)
			}
			if all, err := e.store.List(context.Background()); err != nil || len(all) != 0 {
				t.Fatalf("a failed login left %d credentials in the store (%v)", len(all), err)
			}
		})
	}
}

// $BROWSER is run with the URL, its output kept off stdout; never with CI set
// or stdin not a terminal, nor with --no-browser.
func TestLoginBrowserEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		stdinTTY bool
		args     []string
		opened   bool
	}{
		{"terminal", map[string]string{}, true, nil, true},
		{"CI set", map[string]string{"CI": "true"}, true, nil, false},
		{"stdin not a terminal", map[string]string{}, false, nil, false},
		{"--no-browser", map[string]string{}, true, []string{"--no-browser"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newLoginEnv(t, sandboxtest.AutoApprove())
			dir := t.TempDir()
			opened := filepath.Join(dir, "opened")
			// The opener itself plays the browser, so a login that ends proves it ran.
			script := "#!/bin/sh\necho browser-stdout\nprintf '%s' \"$1\" > " + opened + "\nexec curl -fsSL -o /dev/null \"$1\"\n"
			if err := os.WriteFile(filepath.Join(dir, "browser.sh"), []byte(script), 0o700); err != nil {
				t.Fatal(err)
			}
			tt.env["BROWSER"] = filepath.Join(dir, "browser.sh")
			e.env, e.stdinTTY = tt.env, tt.stdinTTY
			var browse func(string)
			if !tt.opened {
				browse = followingBrowser(t)
			}
			r := e.login(testContext(t), nil, browse, append([]string{"github"}, tt.args...)...)
			if r.code != exitcode.OK || strings.Contains(r.stdout, "browser-stdout") {
				t.Fatalf("exit %d stdout %q stderr %s", r.code, r.stdout, r.stderr)
			}
			got, err := os.ReadFile(opened)
			if tt.opened != (err == nil) || (tt.opened && !strings.Contains(r.stderr.String(), string(got))) {
				t.Fatalf("browser opened %q (err %v), want opened=%v with the printed URL", got, err, tt.opened)
			}
		})
	}
}

// --port on a busy port fails at once with exit 2 naming the port.
func TestLoginPortInUse(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	r := e.login(testContext(t), nil, nil, "github", "--port", port)
	if r.code != exitcode.Usage || !strings.Contains(r.stderr.String(), "port "+port+" already in use") || e.stored("github") != nil {
		t.Fatalf("exit %d stderr %s", r.code, r.stderr)
	}
}

// The spinner draws only on a terminal and clears its line when stopped.
func TestSpinner(t *testing.T) {
	t.Parallel()
	ios, _, _, errOut := ui.Test()
	ui.StartSpinner(ios, "waiting")()
	if errOut.Len() != 0 {
		t.Fatalf("spinner drew on a non-terminal: %q", errOut)
	}
	ios.StderrTTY = true
	ui.StartSpinner(ios, "waiting")()
	if got := errOut.String(); !strings.Contains(got, "waiting") || !strings.HasSuffix(got, "\r\033[K") {
		t.Fatalf("spinner output %q", got)
	}
}

// A forged callback gets 400 and the login keeps waiting for the real one.
func TestLoginStateMismatchKeepsWaiting(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	r := e.login(testContext(t), nil, func(u string) {
		loc := approvedRedirect(t, u)
		forged := *loc
		q := loc.Query()
		q.Set("state", "forged")
		forged.RawQuery = q.Encode()
		resp, err := http.Get(forged.String())
		if err != nil {
			t.Errorf("forged callback: %v", err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "state did not match") {
			t.Errorf("forged callback: %d %s", resp.StatusCode, body)
		}
		if resp, err = http.Get(loc.String()); err == nil {
			resp.Body.Close()
		}
	}, "github")
	if r.code != exitcode.OK || e.stored("github") == nil {
		t.Fatalf("exit %d stderr %s", r.code, r.stderr)
	}
}

// Pasting the final redirect URL on stdin completes the login (SSH).
func TestLoginPastedRedirect(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	stdin, paste := io.Pipe()
	defer paste.Close()
	r := e.login(testContext(t), stdin, func(u string) {
		loc := approvedRedirect(t, u)
		go io.WriteString(paste, loc.String()+"\n") //nolint:errcheck // the login reads it or the test fails
	}, "github")
	if r.code != exitcode.OK || e.stored("github") == nil {
		t.Fatalf("exit %d stderr %s", r.code, r.stderr)
	}
}

// Stdin at EOF (</dev/null) does not end the login.
func TestLoginStdinEOFKeepsWaiting(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	r := e.login(testContext(t), strings.NewReader(""), followingBrowser(t), "github")
	if r.code != exitcode.OK || e.stored("github") == nil {
		t.Fatalf("exit %d stderr %s", r.code, r.stderr)
	}
}

// --device for GitHub and Sentry: the code and URL are shown, the sandbox
// approves, the credential is stored.
func TestLoginDevice(t *testing.T) {
	t.Parallel()
	seed := sandbox.DefaultSeed()
	seed.DeviceInterval = 1
	for _, name := range []string{"github", "sentry"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newLoginEnv(t, sandboxtest.AutoApprove(), sandboxtest.WithSeed(seed))
			r := e.login(testContext(t), nil, nil, name, "--device")
			if r.code != exitcode.OK || !strings.Contains(r.stderr.String(), "one-time code") || e.stored(name) == nil {
				t.Fatalf("exit %d stderr %s", r.code, r.stderr)
			}
		})
	}
}

// --with-token stores a token the provider accepts and refuses one it rejects.
func TestLoginWithToken(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	if r := e.login(testContext(t), nil, followingBrowser(t), "github"); r.code != exitcode.OK {
		t.Fatalf("first login: %d %s", r.code, r.stderr)
	}
	token := e.stored("github").AccessToken
	tests := []struct {
		name, stdin string
		want        int
		wantErr     string
	}{
		{"valid", token + "\n", exitcode.OK, ""},
		{"rejected", "gho_not_a_real_token\n", exitcode.Auth, "error: github refused the token from stdin (401): nothing was stored; check that it is a live github access token\n"},
		{"empty", "", exitcode.Usage, "error: --with-token needs exactly one token on stdin\n"},
		{"two tokens", "a b\n", exitcode.Usage, "error: --with-token needs exactly one token on stdin\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			backend, st := fileBackend(t, filepath.Join(dir, "state"))
			env := &loginEnv{t: t, srv: e.srv, cfg: e.cfg, backend: backend, store: st}
			r := env.login(testContext(t), strings.NewReader(tt.stdin), nil, "github", "--with-token")
			c := env.stored("github")
			if r.code != tt.want || (tt.want == exitcode.OK) != (c != nil) {
				t.Fatalf("exit %d (want %d), stored %v; stderr %s", r.code, tt.want, c != nil, r.stderr)
			}
			if c != nil && c.AccessToken != token {
				t.Fatal("stored a different token")
			}
			if tt.wantErr != "" && r.stderr.String() != tt.wantErr {
				t.Errorf("stderr %q, want %q", r.stderr, tt.wantErr)
			}
		})
	}
}

// No credential store: exit 5 before any URL is printed or browser opened.
func TestLoginWithoutStore(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	e.backend = func(string, string, io.Writer) (store.Store, error) {
		return nil, exitcode.Errorf(exitcode.Store, "no Secret Service on the session bus")
	}
	r := e.login(testContext(t), nil, nil, "github")
	if r.code != exitcode.Store || strings.Contains(r.stderr.String(), "http") || !strings.Contains(r.stderr.String(), "Secret Service") {
		t.Fatalf("exit %d stderr %s", r.code, r.stderr)
	}
}

// --verbose traces the login without any of the secrets involved.
func TestLoginVerboseHidesSecrets(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	var code string
	r := e.login(testContext(t), nil, func(u string) {
		loc := approvedRedirect(t, u)
		code = loc.Query().Get("code")
		if resp, err := http.Get(loc.String()); err == nil {
			resp.Body.Close()
		}
	}, "github-app", "-v")
	c := e.stored("github-app")
	if r.code != exitcode.OK || c == nil || code == "" {
		t.Fatalf("exit %d stderr %s", r.code, r.stderr)
	}
	out := r.stderr.String()
	if !strings.Contains(out, "POST") {
		t.Fatalf("no HTTP trace in --verbose output: %s", out)
	}
	for name, secret := range map[string]string{"client secret": sandbox.GitHubAppClientSecret, "code": code,
		"access token": c.AccessToken, "refresh token": c.RefreshToken} {
		if secret != "" && strings.Contains(out, secret) {
			t.Errorf("--verbose output holds the %s", name)
		}
	}
}

// Once per CI run: real headless Chromium clicks Authorize on the sandbox's
// consent page and lands on the login's callback page.
func TestLoginChromium(t *testing.T) {
	browser := chromium.New(t)
	e := newLoginEnv(t) // no auto-approve: the consent page decides
	var page string
	r := e.login(testContext(t), nil, func(u string) {
		ctx, cancel := context.WithTimeout(browser, 60*time.Second)
		defer cancel()
		err := chromedp.Run(ctx,
			chromedp.Navigate(u),
			chromedp.WaitVisible("#authorize", chromedp.ByQuery),
			chromedp.SetValue("#user", sandbox.BobUsername, chromedp.ByQuery),
			chromedp.Click("#authorize", chromedp.ByQuery),
			// The login's own page, success or failure, not the consent page's heading.
			chromedp.WaitVisible(`//h1[.="Logged in" or .="Login failed"]`, chromedp.BySearch),
			chromedp.Text(`//h1`, &page, chromedp.BySearch),
		)
		if err != nil {
			t.Errorf("chromium: %v", err)
		}
	}, "github")
	if r.code != exitcode.OK || page != "Logged in" || !strings.Contains(r.stderr.String(), "as "+sandbox.BobUsername) {
		t.Fatalf("exit %d, page %q, stderr %s", r.code, page, r.stderr)
	}
}

// With the real Secret Service (scripts/with-keyring.sh), a login lands in
// the default keyring store and `token` reads it back.
func TestLoginKeyring(t *testing.T) {
	if os.Getenv("AUTHCTL_TEST_KEYRING") == "" {
		t.Skip("AUTHCTL_TEST_KEYRING is not set: run under scripts/with-keyring.sh for the real Secret Service")
	}
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	e.backend = nil // the production store
	account := "login-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	e.env = map[string]string{"CI": "1", "DBUS_SESSION_BUS_ADDRESS": os.Getenv("DBUS_SESSION_BUS_ADDRESS"), "HOME": os.Getenv("HOME")}
	r := e.login(testContext(t), nil, followingBrowser(t), "github", "--account", account)
	if r.code != exitcode.OK {
		t.Fatalf("login into the keyring: exit %d stderr %s", r.code, r.stderr)
	}
	code, token, stderr := runCLI(t, e.env, "--config", e.cfg, "token", "github", "--account", account)
	if code != exitcode.OK || strings.TrimSpace(token) == "" {
		t.Fatalf("token from the keyring: exit %d stderr %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, e.env, "--config", e.cfg, "logout", "github", "--account", account, "--local-only"); code != exitcode.OK {
		t.Fatalf("logout: exit %d stderr %s", code, stderr)
	}
}

// A login without --account by another user than the default account's does not evict that
// credential: it is stored as the new user's own account, and the default stays.
func TestLoginAsAnotherUserKeepsTheDefault(t *testing.T) {
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	as := func(user string) func(string) {
		return func(u string) { followingBrowser(t)(u + "&login_hint=" + user) }
	}
	if r := e.login(testContext(t), nil, as(sandbox.AliceUsername), "github"); r.code != exitcode.OK {
		t.Fatalf("login as alice: exit %d: %s", r.code, r.stderr)
	}
	alice := e.stored("github")
	r := e.login(testContext(t), nil, as(sandbox.BobUsername), "github")
	if r.code != exitcode.OK || !strings.Contains(r.stderr.String(), `stored as account "`+sandbox.BobUsername+`"`) {
		t.Fatalf("login as bob: exit %d: %s", r.code, r.stderr)
	}
	if got := e.stored("github"); got == nil || got.AccessToken != alice.AccessToken || got.UserName != sandbox.AliceUsername {
		t.Fatalf("default account after bob's login: %+v, want alice's credential untouched", got)
	}
	bob, err := e.store.Get(context.Background(), "github", sandbox.BobUsername)
	if err != nil || bob.UserName != sandbox.BobUsername {
		t.Fatalf("bob's account: %+v, %v", bob, err)
	}
	// The same user logging in again replaces the default account's credential, as before.
	if r := e.login(testContext(t), nil, as(sandbox.AliceUsername), "github"); r.code != exitcode.OK || strings.Contains(r.stderr.String(), "stays the default") {
		t.Fatalf("alice again: exit %d: %s", r.code, r.stderr)
	}
	if got := e.stored("github"); got == nil || got.AccessToken == alice.AccessToken {
		t.Errorf("alice's second login did not replace the default account's token")
	}
}

// $BROWSER may list several commands separated by ':', each with arguments and %s for the URL;
// the first that starts is used.
func TestRunBrowserEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := filepath.Join(dir, "args")
	script := filepath.Join(dir, "browser.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s|' \"$@\" > "+args+".tmp && mv "+args+".tmp "+args+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	const url = "http://127.0.0.1:1/oauth2/authorize?state=x"
	for browserEnv, want := range map[string]string{
		script: url + "|",
		"/nonexistent/browser:" + script + " --new-window": "--new-window|" + url + "|",
		script + " --app=%s --incognito":                   "--app=" + url + "|--incognito|",
	} {
		os.Remove(args)
		if err := oauthflow.RunBrowserEnv(io.Discard, browserEnv, url); err != nil {
			t.Fatalf("%q: %v", browserEnv, err)
		}
		var got []byte
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if got, _ = os.ReadFile(args); got != nil {
				break
			}
		}
		if string(got) != want {
			t.Errorf("$BROWSER=%q ran with %q, want %q", browserEnv, got, want)
		}
	}
	if err := oauthflow.RunBrowserEnv(io.Discard, "/nonexistent/a:/nonexistent/b", url); err == nil || !strings.Contains(err.Error(), "run $BROWSER") {
		t.Errorf("no command starts: %v, want an error", err)
	}
}
