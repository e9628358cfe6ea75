// Package hostsns runs the test binary again as a child that sees its own
// /etc/hosts: a private mount namespace with a hosts file bind-mounted over
// the real one. It needs root and unshare; the test skips without them.
package hostsns

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Run starts the test binary with -test.run=run and childEnv=1 under a hosts
// file holding hosts, resolving with Go's resolver so the file is read. It
// returns the child's combined output and exit code; err is the child's
// error from CombinedOutput.
func Run(t *testing.T, hosts, run, childEnv string) (out string, exitCode int, err error) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to bind-mount a hosts file in a private mount namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare is not installed")
	}
	file := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(file, []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `mount --bind "$1" /etc/hosts && exec "$2" -test.run="$3"`
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", "sh", "-c", script, "sh", file, os.Args[0], run)
	cmd.Env = append(os.Environ(), childEnv+"=1", "GODEBUG=netdns=go")
	b, err := cmd.CombinedOutput()
	if strings.Contains(string(b), "mount:") {
		t.Skipf("cannot bind-mount a hosts file here: %s", b)
	}
	return string(b), cmd.ProcessState.ExitCode(), err
}
