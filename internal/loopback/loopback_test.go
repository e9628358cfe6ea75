package loopback

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/authctl/authctl/internal/testutil/hostsns"
)

// childEnv makes the test binary the child that listens on "localhost" under
// a hosts file mapping it to 0.0.0.0.
const childEnv = "AUTHCTL_LOOPBACK_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		ln, err := Listen("tcp", "localhost:0", false)
		if err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		fmt.Println("listening on", ln.Addr())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestListenAcceptsLoopback(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		ln, err := Listen("tcp", addr, false)
		if err != nil {
			if addr == "[::1]:0" && errors.Is(err, syscall.EADDRNOTAVAIL) {
				continue // no IPv6 loopback on this machine
			}
			t.Fatalf("Listen(%s): %v", addr, err)
		}
		if !IsLoopback(ln.Addr()) {
			t.Errorf("Listen(%s) bound %s", addr, ln.Addr())
		}
		ln.Close()
	}
}

// The bound address decides: 0.0.0.0 opens every interface, so it is closed
// again and refused unless remote connections are allowed.
func TestListenRefusesAllInterfaces(t *testing.T) {
	t.Parallel()
	_, err := Listen("tcp", "0.0.0.0:0", false)
	var notLoopback *NotLoopbackError
	if !errors.As(err, &notLoopback) || notLoopback.ExitCode() != 2 || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("Listen(0.0.0.0:0) = %v, want a NotLoopbackError with exit 2", err)
	}
	// The refused listener was closed: its port can be bound again on every interface.
	_, port, _ := net.SplitHostPort(notLoopback.Bound)
	again, err := net.Listen("tcp", "0.0.0.0:"+port)
	if err != nil {
		t.Fatalf("port %s of the refused listener is still held: %v", port, err)
	}
	again.Close()

	ln, err := Listen("tcp", "0.0.0.0:0", true)
	if err != nil {
		t.Fatalf("Listen(0.0.0.0:0) with allowRemote: %v", err)
	}
	ln.Close()
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr net.Addr
		ok   bool
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, true},
		{&net.TCPAddr{IP: net.IPv4(127, 9, 8, 7), Port: 1}, true},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 1}, true},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 1}, false},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 1}, false},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 2), Port: 1}, false},
		{&net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 1}, false},
		{&net.UnixAddr{Name: "/tmp/x", Net: "unix"}, false},
	}
	for _, tt := range tests {
		if err := Check("localhost:1", tt.addr); (err == nil) != tt.ok {
			t.Errorf("Check(%s) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
	}
	err := Check("localhost:8080", &net.TCPAddr{IP: net.IPv4zero, Port: 8080})
	if want := "localhost:8080 was bound as 0.0.0.0:8080, which is not a loopback address"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v, want it to start %q", err, want)
	}
}

// Issue 14 item 9: with /etc/hosts mapping localhost to 0.0.0.0, a listener
// asked for "localhost" must not stay open on every interface. The child runs
// in a private mount namespace with such a hosts file bind-mounted (root only).
func TestListenLocalhostMappedToAllInterfaces(t *testing.T) {
	out, exit, err := hostsns.Run(t, "0.0.0.0 localhost\n", "^$", childEnv)
	if exit != 2 || !strings.Contains(out, "localhost:0 was bound as") {
		t.Fatalf("listen on localhost mapped to 0.0.0.0: exit %d, %q (%v); want it refused naming the bound address", exit, out, err)
	}
}

func TestIsLoopbackName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr     string
		loopback bool
		err      error
	}{
		{"127.0.0.1:8787", true, nil},
		{"[::1]:0", true, nil},
		{"localhost:9000", true, nil},
		{"127.0.0.2:80", true, nil},
		{"0.0.0.0:8787", false, nil},
		{":8787", false, nil},
		{"192.168.1.5:8787", false, nil},
		{"example.com:80", false, nil},
		{"127.0.0.1", false, ErrNotHostPort},
		{"127.0.0.1:", false, ErrNotHostPort},
		{"nonsense", false, ErrNotHostPort},
	}
	for _, tt := range tests {
		got, err := IsLoopbackName(tt.addr)
		if got != tt.loopback || !errors.Is(err, tt.err) {
			t.Errorf("IsLoopbackName(%q) = %v, %v; want %v, %v", tt.addr, got, err, tt.loopback, tt.err)
		}
	}
}
