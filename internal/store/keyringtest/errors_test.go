package keyringtest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/store/storetest"
)

// Issue 15 item 3: every way the keyring can be missing is told in words, on
// one line, with exit 5 and the three ways to choose the file store; nothing
// is written to disk. Each case is a real bus situation, opened in a child
// process because godbus keeps one session bus per process.
func TestKeyringErrorsInWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bus  func(t *testing.T) string // the DBUS_SESSION_BUS_ADDRESS to use
		want string
	}{
		{"no session bus", func(*testing.T) string { return "" }, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"},
		{"bus address that leads nowhere", func(*testing.T) string { return "unix:path=/nonexistent" },
			`the D-Bus session bus at DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent" cannot be reached (connect: no such file or directory)`},
		{"bus address that is not one", func(*testing.T) string { return "garbage" }, `DBUS_SESSION_BUS_ADDRESS="garbage" is not a usable D-Bus address`},
		{"no Secret Service on the bus", privateBus, "no Secret Service on the D-Bus session bus"},
		{"Secret Service that never answers", hangingSecretService, "the keyring did not answer within 5s"},
		{"keyring never unlocked", func(t *testing.T) string { return keyringDaemon(t, false) }, "the keyring is locked and could not be unlocked here"},
		{"keyring locked over D-Bus", func(t *testing.T) string {
			addr := keyringDaemon(t, true)
			reply := dbusSend(t, addr, "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
				"org.freedesktop.Secret.Service.Lock", "array:objpath:/org/freedesktop/secrets/collection/login")
			if !strings.Contains(reply, "/org/freedesktop/secrets/collection/login") {
				t.Fatalf("the login collection was not locked: %s", reply)
			}
			return addr
		}, "the keyring is locked and could not be unlocked here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bus := tt.bus(t)
			state := t.TempDir()
			code, stderr := storetest.OpenInChild(t, store.KindKeyring, "XDG_STATE_HOME="+state, "DBUS_SESSION_BUS_ADDRESS="+bus)
			if code != exitcode.Store || strings.Count(stderr, "\n") != 0 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, %q; want exit 5 and one line with %q", code, stderr, tt.want)
			}
			for _, way := range []string{"--store file", "AUTHCTL_STORE=file", `"store: file" in the config file`} {
				if !strings.Contains(stderr, way) {
					t.Errorf("%q does not name %s", stderr, way)
				}
			}
			if strings.Contains(stderr, "failed to unlock") || strings.Contains(stderr, "aliases/default") {
				t.Errorf("%q passes the library's text on", stderr)
			}
			if entries, _ := os.ReadDir(state); len(entries) != 0 {
				t.Errorf("the failed open wrote to disk: %v", entries)
			}
		})
	}
}

// privateBus starts a session bus of the test's own with no service that can
// be activated on it, and returns its address.
func privateBus(t *testing.T) string {
	t.Helper()
	return privateBusWith(t, "")
}

// privateBusWith is privateBus with the services described in serviceDir
// activatable on it (none when empty).
func privateBusWith(t *testing.T, serviceDir string) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	services := ""
	if serviceDir != "" {
		services = "<servicedir>" + serviceDir + "</servicedir>"
	}
	if err := os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=`+filepath.Join(dir, "bus")+`</listen>`+services+`
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>`), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n') // printed once the bus listens
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(addr)
}

// hangingSecretService is a bus on which activating the Secret Service starts
// a program that never takes the name, so every keyring call waits.
func hangingSecretService(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	// Longer than authctl's 5 s keyring timeout, short enough not to linger after the test.
	service := "[D-BUS Service]\nName=org.freedesktop.secrets\nExec=/bin/sleep 8\n"
	if err := os.WriteFile(filepath.Join(dir, "org.freedesktop.secrets.service"), []byte(service), 0o644); err != nil {
		t.Fatal(err)
	}
	return privateBusWith(t, dir)
}

// keyringDaemon runs gnome-keyring's Secret Service on a private bus with a
// home of its own, unlocked with a password or never unlocked, and returns
// the bus address once the service is on it.
func keyringDaemon(t *testing.T, unlock bool) string {
	t.Helper()
	daemon, err := exec.LookPath("gnome-keyring-daemon")
	if err != nil {
		t.Skip("gnome-keyring-daemon is not installed (scripts/setup.sh installs it)")
	}
	addr := privateBus(t)
	home := t.TempDir()
	runtime := filepath.Join(home, "run")
	for _, d := range []string{filepath.Join(home, ".cache"), filepath.Join(home, ".local", "share", "keyrings"), runtime} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"--foreground", "--components=secrets"}
	if unlock {
		args = append(args, "--unlock")
	}
	cmd := exec.Command(daemon, args...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+addr, "HOME="+home, "XDG_RUNTIME_DIR="+runtime,
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
	cmd.Stdin = strings.NewReader("authctl-test") // the password --unlock reads
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(dbusSend(t, addr, "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"), "true") {
		if time.Now().After(deadline) {
			t.Fatal("gnome-keyring-daemon never took org.freedesktop.secrets on the private bus")
		}
		time.Sleep(20 * time.Millisecond) // polling for the name: the daemon gives no other signal
	}
	return addr
}

// dbusSend calls a D-Bus method on the bus at addr and returns the reply.
func dbusSend(t *testing.T, addr string, args ...string) string {
	t.Helper()
	out, err := exec.Command("dbus-send", append([]string{"--bus=" + addr, "--print-reply"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("dbus-send %v: %v: %s", args, err, out)
	}
	return string(out)
}
