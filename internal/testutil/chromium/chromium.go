// Package chromium starts Debian's headless Chromium for browser tests,
// driven through chromedp. Tests skip when Chromium is missing, except
// under CI (the CI environment variable set), where they fail.
package chromium

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultPath is where Debian's chromium package installs the browser.
const DefaultPath = "/usr/bin/chromium"

// Path returns the Chromium binary to use: AUTHCTL_CHROMIUM when set, else
// DefaultPath, else "chromium" on PATH; "" when none exists.
func Path() string {
	for _, p := range []string{os.Getenv("AUTHCTL_CHROMIUM"), DefaultPath} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// Flags are the Chromium switches that work on this machine (headless, no
// sandbox because tests may run as root, no network beyond what the page asks),
// with HOME and the XDG directories in userDataDir too: Chromium and dconf
// write crash-report settings and a user database there, which must not land
// in the user's (or the test run's) home.
func Flags(userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(userDataDir),
		chromedp.Env("HOME="+userDataDir, "XDG_CONFIG_HOME="+userDataDir, "XDG_CACHE_HOME="+userDataDir, "XDG_DATA_HOME="+userDataDir, "XDG_RUNTIME_DIR="+userDataDir),
	}
}

// New starts a fresh headless Chromium (own --user-data-dir) and returns a
// chromedp context for one tab; the browser is stopped when the test ends.
// Give the actions a deadline with context.WithTimeout on the result.
func New(t testing.TB) context.Context {
	t.Helper()
	path := Path()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium not found at %s or on PATH, and CI is set: install it (scripts/setup.sh)", DefaultPath)
		}
		t.Skipf("chromium not found at %s or on PATH; install Debian's chromium to run browser tests", DefaultPath)
	}
	// Not t.TempDir: Chromium's helper processes may still be writing the
	// profile when the browser has exited, which fails TempDir's cleanup.
	dir, err := os.MkdirTemp("", "authctl-chromium-")
	if err != nil {
		t.Fatalf("chromium profile dir: %v", err)
	}
	opts := append(Flags(dir), chromedp.ExecPath(path))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx) // closes the browser and waits for it
		cancelTab()
		cancelAlloc()
		removeProfile(dir)
	})
	if err := chromedp.Run(ctx); err != nil { // starts the browser now, so failures are reported here
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return ctx
}

// removeProfile deletes the profile directory, retrying briefly while the
// last Chromium helper processes exit.
func removeProfile(dir string) {
	deadline := time.Now().Add(5 * time.Second)
	for os.RemoveAll(dir) != nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
}
