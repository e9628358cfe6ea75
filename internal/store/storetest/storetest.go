// Package storetest checks the cross-process refresh property of a credential
// store with real processes: the test binary re-executes itself as the
// children. A test package uses it by calling MaybeChild from TestMain.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/store"
)

// OpenInChild opens the store of kind in a child process with env added to
// this one's, and returns its exit code and what it printed on stderr.
func OpenInChild(t *testing.T, kind string, env ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childEnv+"=open", kindEnv+"="+kind), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), strings.TrimSpace(stderr.String())
}

const (
	childEnv = "AUTHCTL_STORETEST_CHILD"
	kindEnv  = "AUTHCTL_STORETEST_KIND"
	urlEnv   = "AUTHCTL_STORETEST_URL"
)

// MaybeChild runs the child side and exits when this process is a child;
// otherwise it returns at once. Call it first thing in TestMain.
func MaybeChild() {
	switch os.Getenv(childEnv) {
	case "1":
	case "open":
		// Open in a fresh process: godbus keeps one session bus per process.
		if _, err := store.Open(os.Getenv(kindEnv), store.StateDir(os.Getenv), nil); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(exitcode.Of(err))
		}
		os.Exit(0)
	default:
		return
	}
	s, err := store.Open(os.Getenv(kindEnv), store.StateDir(os.Getenv), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(5)
	}
	cred, _, err := store.Locks{Dir: store.StateDir(os.Getenv), Now: time.Now}.EnsureFresh(context.Background(), s, "sandbox", "", time.Minute, "", refreshAt(os.Getenv(urlEnv)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ensure fresh:", err)
		os.Exit(4)
	}
	fmt.Println(cred.AccessToken)
	os.Exit(0)
}

// refreshAt spends the refresh token at the rotating token server.
func refreshAt(server string) func(context.Context, *store.Credential) (*store.Credential, error) {
	return func(ctx context.Context, old *store.Credential) (*store.Credential, error) {
		resp, err := http.PostForm(server, url.Values{"refresh_token": {old.RefreshToken}})
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("refresh token rejected: %s", resp.Status)
		}
		parts := strings.SplitN(resp.Header.Get("X-Tokens"), " ", 2)
		return &store.Credential{AccessToken: parts[0], RefreshToken: parts[1], Expiry: time.Now().Add(time.Hour)}, nil
	}
}

// rotatingServer accepts only the current refresh token, once, and rotates it.
type rotatingServer struct {
	mu      sync.Mutex
	current string
	spent   int
	reused  int
}

func (s *rotatingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.FormValue("refresh_token") != s.current {
		s.reused++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.spent++
	s.current = fmt.Sprintf("refresh-%d", s.spent)
	w.Header().Set("X-Tokens", fmt.Sprintf("access-%d %s", s.spent, s.current))
}

// ParallelRefresh seeds an expired credential with a rotating refresh token
// in the store of kind, runs n child processes that each need a fresh token,
// and checks that exactly one refreshed, all printed the same token and the
// store kept the rotated refresh token. The caller sets the environment
// (XDG_STATE_HOME, the D-Bus session) that the children inherit.
func ParallelRefresh(t *testing.T, kind string, n int) {
	t.Helper()
	ctx := context.Background()
	server := &rotatingServer{current: "refresh-0"}
	ts := httptest.NewServer(server)
	defer ts.Close()

	s, err := store.Open(kind, store.StateDir(os.Getenv), nil)
	if err != nil {
		t.Fatal(err)
	}
	seed := &store.Credential{Provider: "sandbox", AccessToken: "access-0", RefreshToken: "refresh-0", Expiry: time.Now().Add(-time.Minute), UserName: "alice"}
	if err := s.Put(ctx, seed); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Delete(ctx, "sandbox", "") })

	outputs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"=1", kindEnv+"="+kind, urlEnv+"="+ts.URL)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			outputs[i] = strings.TrimSpace(string(out))
			if err != nil {
				errs[i] = fmt.Errorf("%v: %s", err, stderr.String())
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("child %d: %v", i, err)
		}
	}
	server.mu.Lock()
	spent, reused := server.spent, server.reused
	server.mu.Unlock()
	if spent != 1 || reused != 0 {
		t.Errorf("refreshes = %d, reused refresh tokens = %d; want exactly one refresh and no reuse", spent, reused)
	}
	for i, out := range outputs {
		if out != "access-1" {
			t.Errorf("child %d printed %q, want access-1", i, out)
		}
	}
	got, err := s.Get(ctx, "sandbox", "")
	if err != nil {
		t.Fatal(err)
	}
	if got.RefreshToken != "refresh-1" || got.AccessToken != "access-1" {
		t.Errorf("stored tokens = %q / %q, want access-1 / refresh-1", got.AccessToken, got.RefreshToken)
	}
}
