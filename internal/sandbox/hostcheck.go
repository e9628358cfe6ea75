package sandbox

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// checkHost refuses a request whose Host is not a loopback name or address.
// A web page can rebind its own DNS name to 127.0.0.1 and then, with the
// browser, drive the sandbox (with --auto-approve every authorize hands out a
// code) and read /_sandbox/webhooks/*; its requests carry its own name as Host.
func checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			http.Error(w, "the sandbox answers only requests for 127.0.0.1, [::1] or localhost", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackHost reports whether a Host value, with or without a port, is
// localhost or an IP literal in 127.0.0.0/8 or ::1.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	} else if inner, ok := strings.CutPrefix(hostport, "["); ok {
		host = strings.TrimSuffix(inner, "]")
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}
