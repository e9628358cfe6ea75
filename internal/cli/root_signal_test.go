package cli

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
)

// `authctl token`, which listens for signals only once it waits on its
// context, still exits 130 or 143 with its message when one arrives while it
// waits for a token endpoint that does not answer.
func TestTokenProcessWaitingForRefreshEndsOnSignals(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := authctlBinary(t)
	for _, tt := range []struct {
		signal  syscall.Signal
		code    int
		message string
	}{
		{syscall.SIGINT, exitcode.Interrupted, "interrupted"},
		{syscall.SIGTERM, exitcode.Terminated, "terminated"},
	} {
		t.Run(tt.signal.String(), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.login(t, "discord")
			expireStored(t, w, "discord")
			stalled, requests := stallingServer(t)
			cfg, err := os.ReadFile(w.env["AUTHCTL_CONFIG"])
			if err != nil {
				t.Fatal(err)
			}
			tokenURL := `token_url: "` + w.srv.URL() + `/api/oauth2/token"`
			if !bytes.Contains(cfg, []byte(tokenURL)) {
				t.Fatalf("the sandbox config has no %s:\n%s", tokenURL, cfg)
			}
			cfgPath := writeTemp(t, "config.yaml", strings.Replace(string(cfg), tokenURL, `token_url: "http://`+stalled+`/api/oauth2/token"`, 1))

			cmd := exec.Command(bin, "token", "discord")
			cmd.Env = append(os.Environ(), "AUTHCTL_CONFIG="+cfgPath, "XDG_STATE_HOME="+w.stateDir, "HOME="+w.stateDir, "AUTHCTL_STORE=file", "NO_COLOR=1")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-requests: // the refresh request was read: authctl waits on its context for the answer
			case err := <-done:
				t.Fatalf("ended before it asked for a token: %v\n%s", err, &stderr)
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("no refresh request after 30 s:\n%s", &stderr)
			}
			if err := cmd.Process.Signal(tt.signal); err != nil {
				t.Fatal(err)
			}
			var exit *exec.ExitError
			if err := <-done; !errors.As(err, &exit) || exit.ExitCode() != tt.code {
				t.Fatalf("after %s: %v, want exit %d\nstderr: %s", tt.signal, err, tt.code, &stderr)
			}
			if stdout.Len() != 0 || !strings.Contains(stderr.String(), tt.message) {
				t.Errorf("stdout %q, stderr %q: want nothing and %q", &stdout, &stderr, tt.message)
			}
		})
	}
}

// stallingServer listens on loopback, reads each request's head and never
// answers; requests receives one value per request read.
func stallingServer(t *testing.T) (addr string, requests <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	read := make(chan struct{}, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
			go func() {
				r := bufio.NewReader(conn)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if line == "\r\n" {
						read <- struct{}{}
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), read
}
