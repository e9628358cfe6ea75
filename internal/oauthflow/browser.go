package oauthflow

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/pkg/browser"
)

// BrowserFor is the opener of a login: SystemBrowser ($BROWSER first), unless noBrowser is
// set, stdin is not a terminal (nobody there to use a browser) or CI is set; then nil, and
// the URL is only printed.
func BrowserFor(noBrowser, stdinTTY bool, getenv func(string) string) func(string) error {
	if noBrowser || !stdinTTY || getenv("CI") != "" {
		return nil
	}
	return SystemBrowser(getenv("BROWSER"))
}

// SystemBrowser opens a URL with $BROWSER, else pkg/browser. The opener's
// own output (xdg-open's "www-browser: not found" and the like) is dropped:
// it would land in the middle of the login prompt; a failure to open is
// reported by the caller in one line instead.
func SystemBrowser(browserEnv string) func(string) error {
	return func(url string) error {
		if browserEnv != "" {
			return RunBrowserEnv(io.Discard, browserEnv, url)
		}
		browser.Stdout, browser.Stderr = io.Discard, io.Discard
		return browser.OpenURL(url)
	}
}

// RunBrowserEnv starts the first command of $BROWSER that starts. As in the
// convention Python's webbrowser and xdg-utils follow, $BROWSER is a
// ':'-separated list of commands; a command may carry arguments ("firefox
// --new-window") and may say where the URL goes with %s (else it comes last).
func RunBrowserEnv(stderr io.Writer, browserEnv, url string) error {
	var errs []error
	for _, entry := range strings.Split(browserEnv, ":") {
		argv := strings.Fields(entry)
		if len(argv) == 0 {
			continue
		}
		placed := false
		for i, arg := range argv[1:] {
			if strings.Contains(arg, "%s") {
				argv[i+1], placed = strings.ReplaceAll(arg, "%s", url), true
			}
		}
		if !placed {
			argv = append(argv, url)
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err := cmd.Start(); err != nil {
			errs = append(errs, err)
			continue
		}
		go cmd.Wait() //nolint:errcheck // the browser outlives nothing we wait for
		return nil
	}
	if len(errs) == 0 {
		return errors.New("run $BROWSER: it names no command")
	}
	return fmt.Errorf("run $BROWSER: %w", errors.Join(errs...))
}
