package oauthflow

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// sandboxLogin is a login to the named entry of an auto-approving sandbox.
func sandboxLogin(t *testing.T, name string, opts ...sandboxtest.Option) *Login {
	t.Helper()
	srv := sandboxtest.Start(t, append([]sandboxtest.Option{sandboxtest.AutoApprove()}, opts...)...)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(srv.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(string) string { return "" }
	cfg, err := config.Load(path, getenv)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	p, err := provider.Resolve(context.Background(), cfg, name, getenv, client)
	if err != nil {
		t.Fatal(err)
	}
	return &Login{Provider: p, Timeout: 30 * time.Second, Prompt: io.Discard, In: strings.NewReader(""), HTTP: client}
}

// The browser login over the sandbox: the "browser" follows the authorize URL to the
// loopback callback, and the code comes back exchanged for the user's credential.
func TestLoginBrowser(t *testing.T) {
	t.Parallel()
	l := sandboxLogin(t, "sentry")
	l.OpenBrowser = func(u string) error {
		go func() {
			if resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(u); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	waited := ""
	l.Waiting = func(msg string) func() { waited = msg; return func() {} }
	cred, err := l.Run(context.Background())
	if err != nil || cred.AccessToken == "" || cred.UserID == "" || waited != "Waiting for the browser..." {
		t.Fatalf("browser login: %+v, %v (waited with %q)", cred, err, waited)
	}
}

// Without a browser the wait names the URL printed above it, and following that URL completes
// the login.
func TestLoginPrintedURL(t *testing.T) {
	t.Parallel()
	l := sandboxLogin(t, "sentry")
	var prompt strings.Builder
	l.Prompt = &prompt
	waited := ""
	l.Waiting = func(msg string) func() {
		waited = msg
		start := strings.Index(prompt.String(), "http")
		authorize := strings.Fields(prompt.String()[max(start, 0):])
		go func() {
			if start < 0 {
				return // no URL printed: the login times out and the test says so
			}
			if resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(authorize[0]); err == nil {
				resp.Body.Close()
			}
		}()
		return func() {}
	}
	cred, err := l.Run(context.Background())
	if err != nil || cred.AccessToken == "" || waited != "Waiting for the login at the URL above..." {
		t.Fatalf("login at the printed URL: %+v, %v (waited with %q; prompt %q)", cred, err, waited, prompt.String())
	}
}

// The device grant, approved by the sandbox after the first poll; a provider without a device
// endpoint is exit 2 before any request.
func TestLoginDevice(t *testing.T) {
	t.Parallel()
	seed := sandbox.DefaultSeed()
	seed.DeviceInterval = 1
	l := sandboxLogin(t, "sentry", sandboxtest.WithSeed(seed))
	var prompt strings.Builder
	l.Prompt = &prompt
	l.DeviceGrant = true
	cred, err := l.Run(context.Background())
	if err != nil || cred.AccessToken == "" || !strings.Contains(prompt.String(), "one-time code") {
		t.Fatalf("device login: %+v, %v; prompt %q", cred, err, prompt.String())
	}
	l.Provider.Endpoint.DeviceAuthURL = ""
	if _, err := l.Device(context.Background()); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "sentry has no device authorization endpoint") {
		t.Fatalf("no device endpoint: %v (exit %d)", err, exitcode.Of(err))
	}
}

// --with-token takes one token the provider accepts; nothing, two tokens or a rejected one fail.
func TestLoginWithToken(t *testing.T) {
	t.Parallel()
	l := sandboxLogin(t, "sentry")
	l.Prompt = io.Discard
	l.FromStdin, l.DeviceGrant = true, true
	for _, in := range []string{"", "  \n", "one two\n"} {
		l.In = strings.NewReader(in)
		if _, err := l.Run(context.Background()); exitcode.Of(err) != exitcode.Usage || err.Error() != "--with-token needs exactly one token on stdin" {
			t.Errorf("stdin %q: %v (exit %d)", in, err, exitcode.Of(err))
		}
	}
	l.In = strings.NewReader("not-a-token\n")
	if _, err := l.WithToken(context.Background()); exitcode.Of(err) != exitcode.Auth {
		t.Errorf("rejected token: %v (exit %d), want 3", err, exitcode.Of(err))
	}
}
