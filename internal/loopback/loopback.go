// Package loopback opens listeners that stay on the loopback interface. It
// judges the address the kernel actually bound, not the name it was given:
// a "localhost" that /etc/hosts maps to 0.0.0.0 must not open every interface.
package loopback

import (
	"errors"
	"fmt"
	"net"
)

// ErrNotHostPort marks an address to listen on that is not HOST:PORT.
var ErrNotHostPort = errors.New("want HOST:PORT, e.g. 127.0.0.1:8787")

// IsLoopbackName reports whether addr, before anything is bound, names
// loopback: "localhost" or a loopback IP. Listen still checks what was bound.
func IsLoopbackName(addr string) (bool, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return false, ErrNotHostPort
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback()), nil
}

// NotLoopbackError says that a listener was bound off loopback and closed.
type NotLoopbackError struct {
	Requested string // the address asked for
	Bound     string // the address the kernel bound
}

func (e *NotLoopbackError) Error() string {
	if e.Requested == e.Bound {
		return fmt.Sprintf("%s is not a loopback address (use 127.0.0.1 or [::1], or allow remote connections explicitly)", e.Bound)
	}
	return fmt.Sprintf("%s was bound as %s, which is not a loopback address (use 127.0.0.1 or [::1], or allow remote connections explicitly)", e.Requested, e.Bound)
}

// ExitCode is 2: the address given is a usage error.
func (e *NotLoopbackError) ExitCode() int { return 2 }

// Listen listens on addr and, unless allowRemote, closes the listener again
// and fails when the bound address is not a loopback IP.
func Listen(network, addr string, allowRemote bool) (net.Listener, error) {
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, err
	}
	if allowRemote {
		return ln, nil
	}
	if err := Check(addr, ln.Addr()); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// Check returns a *NotLoopbackError when bound, the address a listener
// requested as requested actually got, is not a loopback IP.
func Check(requested string, bound net.Addr) error {
	if IsLoopback(bound) {
		return nil
	}
	return &NotLoopbackError{Requested: requested, Bound: bound.String()}
}

// IsLoopback reports whether a is a TCP or UDP address on a loopback IP
// (127.0.0.0/8 or ::1). An unspecified address (0.0.0.0, ::) is not.
func IsLoopback(a net.Addr) bool {
	var ip net.IP
	switch a := a.(type) {
	case *net.TCPAddr:
		ip = a.IP
	case *net.UDPAddr:
		ip = a.IP
	default:
		return false
	}
	return ip.IsLoopback()
}
