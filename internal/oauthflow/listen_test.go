package oauthflow

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
)

// holdEnv makes the test binary a process that listens on the address it
// names until its stdin closes: the other program holding a callback port.
const holdEnv = "AUTHCTL_OAUTHFLOW_HOLD"

func TestMain(m *testing.M) {
	if addr := os.Getenv(holdEnv); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("listening")
		_, _ = io.Copy(io.Discard, os.Stdin)
		ln.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// otherUID is the uid that plays another local user.
const otherUID = 65534

// holdAddr starts a process holding addr, as uid (-1: this process's own),
// and stops it at the end of the test.
func holdAddr(t *testing.T, addr string, uid int) {
	t.Helper()
	binary := os.Args[0]
	var cmd *exec.Cmd
	if uid < 0 {
		cmd = exec.Command(binary, "-test.run=^$")
	} else {
		if os.Geteuid() != 0 {
			t.Skip("another local user is played by uid 65534 through setpriv, which needs root")
		}
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Skip("setpriv is not installed")
		}
		binary = copyForOtherUser(t, binary)
		id := strconv.Itoa(uid)
		cmd = exec.Command(setpriv, "--reuid", id, "--regid", id, "--clear-groups", binary, "-test.run=^$")
	}
	cmd.Env = append(os.Environ(), holdEnv+"="+addr)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "listening" {
		t.Fatalf("holder of %s: %q, %v", addr, line, err)
	}
}

// copyForOtherUser copies the test binary where another user can run it:
// go test builds it in a directory only its owner can enter.
func copyForOtherUser(t *testing.T, binary string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(dir, "oauthflow.test")
	if err := os.WriteFile(copied, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return copied
}

// freePort is a port free on 127.0.0.1 and [::1] a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if ln6, err := net.Listen("tcp", net.JoinHostPort("::1", strconv.Itoa(port))); err == nil {
			ln6.Close()
			return port
		}
	}
	t.Fatal("no port free on both 127.0.0.1 and [::1]")
	return 0
}

func requireIPv6Loopback(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", "[::1]:0")
	if errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT) {
		t.Skip("no IPv6 loopback on this machine")
	}
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}

// Issue 14 item 3: for redirect host localhost the browser may go to [::1].
// Another user holding [::1] on the callback port would receive the code and
// state; the login now refuses to start, naming the address and its holder.
func TestLoopbackLocalhostRefusesAHeldIPv6Port(t *testing.T) {
	requireIPv6Loopback(t)
	for _, tt := range []struct {
		name string
		uid  int
		want string
	}{
		{"held by another user", otherUID, "(held by uid 65534"},
		{"held by another program of this user", -1, fmt.Sprintf("(held by uid %d", os.Geteuid())},
	} {
		t.Run(tt.name, func(t *testing.T) {
			port := freePort(t)
			holdAddr(t, net.JoinHostPort("::1", strconv.Itoa(port)), tt.uid)
			opened := false
			l := &Loopback{Host: "localhost", Ports: []int{port}, Timeout: time.Minute,
				OpenBrowser: func(string) error { opened = true; return nil }}
			_, err := l.Run(context.Background(), testConfig, nil)
			want := fmt.Sprintf("port %d already in use on [::1] %s", port, tt.want)
			if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v (exit %d), want exit 2 with %q", err, exitcode.Of(err), want)
			}
			if opened {
				t.Error("the browser was sent to the authorize URL although [::1] was held")
			}
			assertClosed(t, "http://127.0.0.1:"+strconv.Itoa(port)+CallbackPath)
		})
	}
}

// With redirect host localhost both addresses serve the callback; a held
// [::1] on a registered port moves the login to the next one.
func TestLoopbackLocalhostServesBothAddresses(t *testing.T) {
	requireIPv6Loopback(t)
	held, next := freePort(t), freePort(t)
	holdAddr(t, net.JoinHostPort("::1", strconv.Itoa(held)), -1)
	auth := make(chan authRequest, 1)
	l := &Loopback{Host: "localhost", Ports: []int{held, next}, Timeout: time.Minute,
		OpenBrowser: func(u string) error { auth <- parseAuthURL(t, u); return nil }}
	done := make(chan error, 1)
	var res Result
	go func() {
		var err error
		res, err = l.Run(context.Background(), testConfig, nil)
		done <- err
	}()
	a := <-auth
	if want := "http://localhost:" + strconv.Itoa(next) + CallbackPath; a.redirect != want {
		t.Fatalf("redirect = %q, want %q", a.redirect, want)
	}
	// A wrong state on 127.0.0.1 proves that address serves too, without ending the login.
	if status, _ := callback(t, "http://127.0.0.1:"+strconv.Itoa(next)+CallbackPath, url.Values{"state": {"x"}}); status != http.StatusBadRequest {
		t.Errorf("127.0.0.1: status %d, want 400", status)
	}
	callback(t, "http://[::1]:"+strconv.Itoa(next)+CallbackPath, url.Values{"state": {a.state}, "code": {"six"}})
	if err := <-done; err != nil || res.Code != "six" {
		t.Fatalf("Run = %+v, %v; want the code sent to [::1]", res, err)
	}
}

// RFC 9207: from an issuer that advertises authorization_response_iss_parameter_supported,
// a response without iss (a mix-up: it may come from another issuer) stops the login.
func TestLoopbackIssuerRequired(t *testing.T) {
	t.Parallel()
	const issuer = "https://id.example"
	tests := []struct {
		name     string
		params   url.Values
		wantCode string
		wantErr  string
	}{
		{"iss present and matching", url.Values{"code": {"c"}, "iss": {issuer}}, "c", ""},
		{"iss missing", url.Values{"code": {"c"}}, "", "without the iss parameter"},
		{"iss missing on an error response", url.Values{"error": {"access_denied"}}, "", "without the iss parameter"},
		{"iss of another issuer", url.Values{"code": {"c"}, "iss": {"https://evil.example"}}, "", `from issuer "https://evil.example"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &collector{state: "s", issuer: issuer, issuerRequired: true, done: make(chan callbackOutcome, 1)}
			tt.params.Set("state", "s")
			out := c.handle(tt.params)
			if !out.final || out.code != tt.wantCode {
				t.Fatalf("outcome = %+v, want a final outcome with code %q", out, tt.wantCode)
			}
			if tt.wantErr == "" {
				if out.err != nil {
					t.Fatalf("err = %v", out.err)
				}
				return
			}
			if exitcode.Of(out.err) != exitcode.Auth || !strings.Contains(out.err.Error(), tt.wantErr) || out.status != http.StatusBadRequest {
				t.Fatalf("err = %v (exit %d, status %d), want exit 3 with %q and HTTP 400", out.err, exitcode.Of(out.err), out.status, tt.wantErr)
			}
		})
	}
	t.Run("through a real callback", func(t *testing.T) {
		t.Parallel()
		l := &Loopback{Timeout: time.Minute, Issuer: issuer, IssuerRequired: true, OpenBrowser: func(u string) error {
			a := parseAuthURL(t, u)
			go callback(t, a.redirect, url.Values{"state": {a.state}, "code": {"c"}})
			return nil
		}}
		_, err := l.Run(context.Background(), testConfig, nil)
		if exitcode.Of(err) != exitcode.Auth || !strings.Contains(err.Error(), "without the iss parameter") {
			t.Fatalf("err = %v (exit %d), want exit 3 for the missing iss", err, exitcode.Of(err))
		}
	})
}

func TestParseProcAddr(t *testing.T) {
	t.Parallel()
	ip, port, ok := parseProcAddr("0100007F:1F90")
	if !ok || !ip.Equal(net.IPv4(127, 0, 0, 1)) || port != 8080 {
		t.Errorf("IPv4: %v %d %v", ip, port, ok)
	}
	ip, port, ok = parseProcAddr("00000000000000000000000001000000:BB2D")
	if !ok || !ip.Equal(net.IPv6loopback) || port != 47917 {
		t.Errorf("IPv6: %v %d %v", ip, port, ok)
	}
	for _, bad := range []string{"", "zz:1", "0100007F", "0100007F:xyz", "01007F:0050"} {
		if _, _, ok := parseProcAddr(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
