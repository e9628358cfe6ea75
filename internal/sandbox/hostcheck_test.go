package sandbox_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
	"github.com/authctl/authctl/internal/testutil/hostsns"
)

// Issue 14 item 10: a page that rebinds its DNS name to 127.0.0.1 sends its
// own name as Host. The sandbox refuses such requests (421) before any route:
// it cannot drive an auto-approved authorize, read recorded webhooks, or get
// its name echoed into OIDC discovery. Loopback Host values still work.
func TestHostCheckRefusesRebindingHosts(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove())
	port := strings.TrimPrefix(srv.URL(), "http://127.0.0.1:")
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/_sandbox/webhooks/github", strings.NewReader(`{"secret":"delivery"}`))
	if status, _, body := do(t, req); status != http.StatusOK {
		t.Fatalf("record a delivery: %d %s", status, body)
	}
	_, challenge := pkce()
	authorizeURL := discordConfig(srv.URL(), oauth2.AuthStyleInParams).AuthCodeURL("st4te", challenge)
	paths := map[string]string{
		"webhooks":  srv.URL() + "/_sandbox/webhooks/github",
		"authorize": authorizeURL,
		"discovery": srv.URL() + "/oidc/.well-known/openid-configuration",
	}
	for _, host := range []string{"evil.example:" + port, "evil.example", "127.0.0.1.evil.example:" + port, "localhost.evil.example",
		"0.0.0.0:" + port, "[fe80::1%25lo]:" + port, "192.168.1.2:" + port} {
		for name, target := range paths {
			req, _ := http.NewRequest(http.MethodGet, target, nil)
			req.Host = host
			status, header, body := do(t, req)
			if status != http.StatusMisdirectedRequest || header.Get("Location") != "" || bytes.Contains(body, []byte("delivery")) || bytes.Contains(body, []byte("evil")) {
				t.Errorf("Host %s, %s: %d location %q body %q; want 421 with nothing of the sandbox", host, name, status, header.Get("Location"), body)
			}
		}
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port, "127.9.9.9:" + port, "[::1]"} {
		req, _ := http.NewRequest(http.MethodGet, authorizeURL, nil)
		req.Host = host
		status, header, body := do(t, req)
		loc, _ := url.Parse(header.Get("Location"))
		if status != http.StatusFound || loc == nil || loc.Query().Get("code") == "" {
			t.Errorf("Host %s, authorize: %d %q %s; want an approved redirect", host, status, header.Get("Location"), body)
		}
	}
}

// bindChildEnv makes TestHostListenLocalhostMappedToAllInterfaces the child
// that starts a sandbox on "localhost" under the hosts file its parent mounted.
const bindChildEnv = "AUTHCTL_SANDBOX_BIND_CHILD"

// Issue 14 item 9: with /etc/hosts mapping localhost to 0.0.0.0, --addr
// localhost:PORT made the sandbox listen on every interface. Start now judges
// the bound address and refuses. The child runs in a private mount namespace
// with such a hosts file bind-mounted (root only).
func TestHostListenLocalhostMappedToAllInterfaces(t *testing.T) {
	if os.Getenv(bindChildEnv) == "1" {
		srv := sandbox.New(sandbox.Options{})
		if err := srv.Start("localhost:0"); err != nil {
			fmt.Println("refused:", err)
			return
		}
		defer srv.Close()
		fmt.Println("listening on", srv.URL())
		return
	}
	out, _, err := hostsns.Run(t, "0.0.0.0 localhost\n", "^TestHostListenLocalhostMappedToAllInterfaces$", bindChildEnv)
	if err != nil || !strings.Contains(out, "refused: sandbox: listen on localhost:0: localhost:0 was bound as") {
		t.Fatalf("sandbox on localhost mapped to 0.0.0.0: %v\n%s\nwant Start refused naming the bound address", err, out)
	}
}
