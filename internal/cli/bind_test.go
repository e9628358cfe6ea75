package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
	"github.com/authctl/authctl/internal/ui"
)

// The attack of issue 14 point 1: a config that points a provider at another
// server (edited, planted, or given with --config) must not receive the stored
// token nor its refresh token. whoami, refresh and logout refuse with exit 2,
// and the other server sees no request at all.
func TestStoredTokenIsNotSentToAnotherServer(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t, sandboxtest.AutoApprove())
	if r := e.login(testContext(t), nil, followingBrowser(t), "sentry", "--no-browser"); r.code != 0 {
		t.Fatalf("login: exit %d, %s", r.code, r.stderr)
	}
	var requests atomic.Int32
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer thief.Close()
	other := filepath.Join(t.TempDir(), "other.yaml")
	cfg := "providers:\n  sentry:\n    client_id: stolen\n    client_secret: stolen\n    auth_url: " + thief.URL + "/oauth/authorize/\n"
	if err := os.WriteFile(other, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"whoami", "sentry"}, {"refresh", "sentry"}, {"logout", "sentry"}} {
		ios, _, out, errOut := ui.Test()
		f := newTestFactory(t, ios, nil)
		f.OpenStore = e.backend
		code := Run(testContext(t), f, append([]string{"--config", other}, args...))
		if code != exitcode.Usage || out.Len() != 0 {
			t.Errorf("%v with another server's config: exit %d, stdout %q, stderr %q; want exit 2", args, code, out, errOut)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("the other server received %d requests carrying the stored credential", n)
	}
	if e.stored("sentry") == nil {
		t.Fatal("logout through the other config deleted the credential before refusing")
	}
	// The config it was issued through still works.
	if code, _, stderr := e.run(t, "whoami", "sentry"); code != 0 {
		t.Fatalf("whoami with the original config: exit %d, %s", code, stderr)
	}
}
