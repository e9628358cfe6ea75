package oauthflow

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/exitcode"
)

// authRequest is what a test "browser" reads from the authorize URL.
type authRequest struct {
	redirect, state, challenge string
}

func parseAuthURL(t *testing.T, raw string) authRequest {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Errorf("authorize URL %q: %v", raw, err)
		return authRequest{}
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" {
		t.Errorf("code_challenge_method = %q, want S256", q.Get("code_challenge_method"))
	}
	return authRequest{redirect: q.Get("redirect_uri"), state: q.Get("state"), challenge: q.Get("code_challenge")}
}

// callback sends the browser to the redirect URI with params and returns the status and page.
func callback(t *testing.T, redirect string, params url.Values) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(redirect + "?" + params.Encode())
	if err != nil {
		t.Errorf("callback: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func testConfig(redirectURL string) *oauth2.Config {
	return &oauth2.Config{ClientID: "client", RedirectURL: redirectURL,
		Endpoint: oauth2.Endpoint{AuthURL: "https://auth.invalid/authorize", TokenURL: "https://auth.invalid/token"}}
}

func TestLoopbackOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		steps    func(t *testing.T, a authRequest)
		wantCode string
		wantExit int
		wantErr  string
	}{
		{
			name: "valid callback",
			steps: func(t *testing.T, a authRequest) {
				if status, page := callback(t, a.redirect, url.Values{"state": {a.state}, "code": {"c0de"}}); status != http.StatusOK || !strings.Contains(page, "logged in") {
					t.Errorf("success page: %d %q", status, page)
				}
			},
			wantCode: "c0de",
		},
		{
			name: "wrong state is refused and the login keeps waiting",
			steps: func(t *testing.T, a authRequest) {
				status, page := callback(t, a.redirect, url.Values{"state": {"forged"}, "code": {"evil"}})
				if status != http.StatusBadRequest || !strings.Contains(page, "state did not match") {
					t.Errorf("forged callback: %d %q", status, page)
				}
				if status, _ := callback(t, a.redirect, url.Values{"code": {"evil"}}); status != http.StatusBadRequest {
					t.Errorf("callback without state: %d", status)
				}
				callback(t, a.redirect, url.Values{"state": {a.state}, "code": {"good"}})
			},
			wantCode: "good",
		},
		{
			name: "access denied",
			steps: func(t *testing.T, a authRequest) {
				status, page := callback(t, a.redirect, url.Values{"state": {a.state}, "error": {"access_denied"}, "error_description": {"The user said no"}})
				if status != http.StatusForbidden || !strings.Contains(page, "The user said no") {
					t.Errorf("denied page: %d %q", status, page)
				}
			},
			wantExit: exitcode.Auth,
			wantErr:  "authorization failed: access_denied: The user said no",
		},
		{
			name: "error description cannot drive the terminal",
			steps: func(t *testing.T, a authRequest) {
				callback(t, a.redirect, url.Values{"state": {a.state}, "error": {"server_error"}, "error_description": {"bad\x1b[2J\nthing"}})
			},
			wantExit: exitcode.Auth,
			wantErr:  "authorization failed: server_error: bad [2J thing",
		},
		{
			name: "issuer mix-up",
			steps: func(t *testing.T, a authRequest) {
				callback(t, a.redirect, url.Values{"state": {a.state}, "code": {"c"}, "iss": {"https://evil.example"}})
			},
			wantExit: exitcode.Auth,
			wantErr:  `issuer "https://evil.example"`,
		},
		{
			name: "matching issuer",
			steps: func(t *testing.T, a authRequest) {
				callback(t, a.redirect, url.Values{"state": {a.state}, "code": {"c"}, "iss": {"https://id.example"}})
			},
			wantCode: "c",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			auth := make(chan authRequest, 1)
			l := &Loopback{Timeout: time.Minute, Issuer: "https://id.example", OpenBrowser: func(u string) error {
				auth <- parseAuthURL(t, u)
				return nil
			}}
			done := make(chan struct{})
			var res Result
			var err error
			go func() { res, err = l.Run(context.Background(), testConfig, nil); close(done) }()
			a := <-auth
			tt.steps(t, a)
			<-done
			if tt.wantErr != "" {
				if err == nil || exitcode.Of(err) != tt.wantExit || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v (exit %d), want exit %d with %q", err, exitcode.Of(err), tt.wantExit, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.Code != tt.wantCode || res.RedirectURL != a.redirect {
				t.Fatalf("result = %+v, want code %q at %q", res, tt.wantCode, a.redirect)
			}
			sum := sha256.Sum256([]byte(res.Verifier))
			if base64.RawURLEncoding.EncodeToString(sum[:]) != a.challenge {
				t.Fatalf("code_challenge is not S256 of the verifier")
			}
			if raw, _ := base64.RawURLEncoding.DecodeString(a.state); len(raw) != 32 {
				t.Fatalf("state carries %d random bytes, want 32", len(raw))
			}
			if !strings.HasPrefix(a.redirect, "http://127.0.0.1:") || !strings.HasSuffix(a.redirect, "/callback") {
				t.Fatalf("redirect URI %q is not http://127.0.0.1:PORT/callback", a.redirect)
			}
			assertClosed(t, a.redirect)
		})
	}
}

// assertClosed checks that the callback port is free again.
func assertClosed(t *testing.T, redirect string) {
	t.Helper()
	u, _ := url.Parse(redirect)
	ln, err := net.Listen("tcp", "127.0.0.1:"+u.Port())
	if err != nil {
		t.Fatalf("port %s still in use after the login ended: %v", u.Port(), err)
	}
	ln.Close()
}

func TestLoopbackTimeoutAndInterrupt(t *testing.T) {
	t.Parallel()
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		auth := make(chan authRequest, 1)
		l := &Loopback{Timeout: 50 * time.Millisecond, OpenBrowser: func(u string) error { auth <- parseAuthURL(t, u); return nil }}
		_, err := l.Run(context.Background(), testConfig, nil)
		if exitcode.Of(err) != exitcode.Auth || !strings.Contains(err.Error(), "timed out") {
			t.Fatalf("err = %v (exit %d), want a timeout with exit 3", err, exitcode.Of(err))
		}
		assertClosed(t, (<-auth).redirect)
	})
	t.Run("interrupt", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancelCause(context.Background())
		auth := make(chan authRequest, 1)
		l := &Loopback{Timeout: time.Minute, OpenBrowser: func(u string) error {
			auth <- parseAuthURL(t, u)
			cancel(exitcode.Errorf(exitcode.Interrupted, "interrupted"))
			return nil
		}}
		_, err := l.Run(ctx, testConfig, nil)
		if exitcode.Of(err) != exitcode.Interrupted {
			t.Fatalf("err = %v (exit %d), want 130", err, exitcode.Of(err))
		}
		assertClosed(t, (<-auth).redirect)
	})
}

func TestLoopbackPorts(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	free, _ := net.Listen("tcp", "127.0.0.1:0")
	freePort := free.Addr().(*net.TCPAddr).Port
	free.Close()

	t.Run("busy port falls through to the next registered one", func(t *testing.T) {
		auth := make(chan authRequest, 1)
		l := &Loopback{Host: "localhost", Ports: []int{busyPort, freePort}, Timeout: time.Minute,
			OpenBrowser: func(u string) error { auth <- parseAuthURL(t, u); return nil }}
		done := make(chan error, 1)
		go func() { _, err := l.Run(context.Background(), testConfig, nil); done <- err }()
		a := <-auth
		if want := "http://localhost:" + strconv.Itoa(freePort) + "/callback"; a.redirect != want {
			t.Errorf("redirect = %q, want %q", a.redirect, want)
		}
		callback(t, "http://127.0.0.1:"+strconv.Itoa(freePort)+"/callback", url.Values{"state": {a.state}, "code": {"c"}})
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("every port busy", func(t *testing.T) {
		l := &Loopback{Ports: []int{busyPort}, Timeout: time.Minute}
		_, err := l.Run(context.Background(), testConfig, nil)
		if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), strconv.Itoa(busyPort)+" already in use") {
			t.Fatalf("err = %v (exit %d), want exit 2 naming the port", err, exitcode.Of(err))
		}
		// The kernel drew busyPort from the ephemeral range, where TIME_WAIT can hold a port.
		if !strings.Contains(err.Error(), "register one below 32768") {
			t.Errorf("err = %v, want the hint about ports from 32768 up", err)
		}
	})
	t.Run("a busy port below the ephemeral range gets no TIME_WAIT hint", func(t *testing.T) {
		var low net.Listener
		for p := 20000; low == nil && p < 32768; p++ {
			low, _ = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		}
		if low == nil {
			t.Skip("no free port below 32768")
		}
		defer low.Close()
		lowPort := low.Addr().(*net.TCPAddr).Port
		_, err := (&Loopback{Ports: []int{lowPort}, Timeout: time.Minute}).Run(context.Background(), testConfig, nil)
		if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), strconv.Itoa(lowPort)+" already in use") || strings.Contains(err.Error(), "32768") {
			t.Fatalf("err = %v (exit %d), want exit 2 naming the port without the hint", err, exitcode.Of(err))
		}
	})
}

func TestLoopbackPaste(t *testing.T) {
	t.Parallel()
	t.Run("pasted redirect URL completes the login", func(t *testing.T) {
		t.Parallel()
		pr, pw := io.Pipe()
		defer pw.Close()
		l := &Loopback{Timeout: time.Minute, Paste: pr, OpenBrowser: func(u string) error {
			a := parseAuthURL(t, u)
			go func() {
				io.WriteString(pw, "not a url\n")
				io.WriteString(pw, a.redirect+"?state=forged&code=evil\n")
				io.WriteString(pw, a.redirect+"?"+url.Values{"state": {a.state}, "code": {"pasted"}}.Encode()+"\n")
			}()
			return nil
		}}
		res, err := l.Run(context.Background(), testConfig, nil)
		if err != nil || res.Code != "pasted" {
			t.Fatalf("Run = %+v, %v", res, err)
		}
	})
	t.Run("stdin at EOF keeps waiting for the callback", func(t *testing.T) {
		t.Parallel()
		l := &Loopback{Timeout: time.Minute, Paste: strings.NewReader(""), OpenBrowser: func(u string) error {
			a := parseAuthURL(t, u)
			go callback(t, a.redirect, url.Values{"state": {a.state}, "code": {"after-eof"}})
			return nil
		}}
		res, err := l.Run(context.Background(), testConfig, nil)
		if err != nil || res.Code != "after-eof" {
			t.Fatalf("Run = %+v, %v", res, err)
		}
	})
}

// Once a callback has ended the login, a replay with the right state is refused.
func TestCollectorFirstCallbackWins(t *testing.T) {
	t.Parallel()
	c := &collector{state: "s", done: make(chan callbackOutcome, 1)}
	first := c.handle(url.Values{"state": {"s"}, "code": {"one"}})
	second := c.handle(url.Values{"state": {"s"}, "code": {"two"}})
	if !first.final || first.code != "one" || second.final || second.status != http.StatusConflict {
		t.Fatalf("first = %+v, second = %+v", first, second)
	}
}
