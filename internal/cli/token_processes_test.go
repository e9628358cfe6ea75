package cli

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// authctlBinary builds cmd/authctl once per test binary.
func authctlBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "authctl-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "authctl")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/authctl/authctl/cmd/authctl").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// TestParallelTokenProcessesRefreshOnce runs 32 `authctl token` processes
// on the real file store with an expired GitHub App token (rotation kills
// the old access and refresh tokens at once): exactly one refresh reaches the
// sandbox, all 32 print the same saved token, the store holds the new pair.
func TestParallelTokenProcessesRefreshOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and runs 32 processes")
	}
	bin := authctlBinary(t)
	w := newWorld(t)
	old := w.login(t, "github-app") // into the file store the processes read ($XDG_STATE_HOME/authctl)
	expireStored(t, w, "github-app")
	w.srv.ExpireAccessTokens()
	w.srv.ResetCounts()

	const n = 32
	outs, errs, codes := make([]string, n), make([]string, n), make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, "token", "github-app")
			cmd.Env = append(os.Environ(), "AUTHCTL_CONFIG="+w.env["AUTHCTL_CONFIG"], "XDG_STATE_HOME="+w.stateDir, "AUTHCTL_STORE=file", "NO_COLOR=1")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			<-start
			err := cmd.Run()
			outs[i], errs[i] = stdout.String(), stderr.String()
			if ee, ok := err.(*exec.ExitError); ok {
				codes[i] = ee.ExitCode()
			} else if err != nil {
				codes[i] = -1
			}
		}()
	}
	close(start)
	wg.Wait()

	saved := w.stored(t, "github-app")
	for i := range n {
		if codes[i] != 0 || outs[i] != saved.AccessToken+"\n" {
			t.Errorf("process %d: exit %d, printed the saved token %v, stderr %q", i, codes[i], outs[i] == saved.AccessToken+"\n", errs[i])
		}
	}
	if got := w.srv.Count(http.MethodPost, "/login/oauth/access_token"); got != 1 {
		t.Errorf("%d refreshes at the sandbox, want exactly 1", got)
	}
	if saved.RefreshToken == old.RefreshToken || saved.AccessToken == old.AccessToken {
		t.Error("the store does not hold the rotated tokens")
	}
}
