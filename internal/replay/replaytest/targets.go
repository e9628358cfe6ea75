// Package replaytest starts the misbehaving webhook receivers that the tests of
// internal/replay and of `authctl webhook replay` send deliveries to.
package replaytest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Targets are loopback URLs of receivers that fail in each way a replay must report.
type Targets struct {
	Down     string // nothing listens there: connection refused
	Slow     string // accepts and never answers until the test ends
	Failing  string // answers 500
	Redirect string // answers 307 to another address, which must not be followed
}

// Start starts the receivers; they stop when the test ends.
func Start(t testing.TB) Targets {
	t.Helper()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	redirect := httptest.NewServer(http.RedirectHandler("http://127.0.0.1:1/elsewhere", http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	return Targets{Down: down, Slow: slow.URL, Failing: failing.URL, Redirect: redirect.URL}
}
