package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/store/storetest"
)

func TestMain(m *testing.M) {
	storetest.MaybeChild()
	os.Exit(m.Run())
}

func openFile(t *testing.T) (*store.File, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "authctl")
	s, err := store.OpenFile(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func TestFileStoreRoundTripAndDefaultAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, dir := openFile(t)

	if _, err := s.Get(ctx, "discord", ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get on an empty store: %v, want ErrNotFound", err)
	}
	alice := &store.Credential{Provider: "discord", AccessToken: "a1", RefreshToken: "r1", UserName: "alice",
		Expiry: time.Unix(2000000000, 0).UTC(), Scopes: []string{"identify"}, Extra: map[string]any{"k": "v"}}
	if err := s.Put(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if alice.Account != "alice" {
		t.Errorf("first account named %q, want it named after the user", alice.Account)
	}
	if err := s.Put(ctx, &store.Credential{Provider: "discord", Account: "work", AccessToken: "a2"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "discord", "")
	if err != nil || got.AccessToken != "a1" || got.Extra["k"] != "v" || !got.Expiry.Equal(alice.Expiry) {
		t.Fatalf("default account = %+v, %v; want alice's credential with its extras", got, err)
	}
	if got, _ := s.Get(ctx, "discord", "work"); got == nil || got.AccessToken != "a2" {
		t.Fatalf("named account = %+v", got)
	}
	// A Put with no account overwrites the default account.
	if err := s.Put(ctx, &store.Credential{Provider: "discord", AccessToken: "a3"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, "discord", "alice"); got.AccessToken != "a3" {
		t.Errorf("Put without account wrote elsewhere: alice has %q", got.AccessToken)
	}
	all, err := s.List(ctx)
	if err != nil || len(all) != 2 || all[0].Account != "alice" || all[1].Account != "work" {
		t.Fatalf("List = %v, %v", all, err)
	}
	// Deleting the default passes the default to the remaining account.
	if err := s.Delete(ctx, "discord", ""); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "discord", ""); err != nil || got.Account != "work" {
		t.Errorf("after deleting the default, default = %+v, %v; want work", got, err)
	}
	if err := s.Delete(ctx, "discord", "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete of an unknown account: %v, want ErrNotFound", err)
	}

	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "credentials.json"): 0o600} {
		info, err := os.Stat(path)
		if err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %04o", path, info.Mode().Perm(), err, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestFileStoreWarnsOnce(t *testing.T) {
	t.Parallel()
	var warn bytes.Buffer
	if _, err := store.OpenFile(filepath.Join(t.TempDir(), "authctl"), &warn); err != nil {
		t.Fatal(err)
	}
	if strings.Count(warn.String(), "warning:") != 1 || !strings.Contains(warn.String(), "unencrypted") {
		t.Errorf("warning = %q", warn.String())
	}
}

func TestFileStoreRefusesLoosePermissionsAndCorruptFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	loose := t.TempDir()
	if err := os.Chmod(loose, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := store.OpenFile(loose, nil)
	if exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), "accessible by other users") {
		t.Errorf("open of a 0755 directory: %v (exit %d), want exit 5 naming the mode", err, exitcode.Of(err))
	}

	s, dir := openFile(t)
	if err := os.WriteFile(filepath.Join(dir, "credentials.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, "discord", "")
	if exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("corrupt file: %v (exit %d), want exit 5 saying corrupt", err, exitcode.Of(err))
	}
	if err := os.Chmod(filepath.Join(dir, "credentials.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := store.OpenFile(dir, nil); exitcode.Of(err) != exitcode.Store {
		t.Errorf("open with a 0644 credential file: %v, want exit 5", err)
	}
}

func TestFileStoreConcurrentWritersLoseNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openFile(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Put(ctx, &store.Credential{Provider: "github", Account: fmt.Sprintf("acct%02d", i), AccessToken: "t"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	all, err := s.List(ctx)
	if err != nil || len(all) != 20 {
		t.Fatalf("after 20 concurrent writes List has %d (%v), want 20", len(all), err)
	}
}

func TestEnsureFresh(t *testing.T) {
	ctx := context.Background()
	locks := store.Locks{Dir: filepath.Join(t.TempDir(), "state"), Now: time.Now}
	s, _ := openFile(t)
	calls := 0
	refresh := func(_ context.Context, old *store.Credential) (*store.Credential, error) {
		calls++
		if old.RefreshToken == "bad" {
			return nil, errors.New("invalid_grant")
		}
		return &store.Credential{AccessToken: fmt.Sprintf("new-%d", calls), Expiry: time.Now().Add(time.Hour)}, nil
	}

	fresh := &store.Credential{Provider: "p", Account: "a", AccessToken: "valid", RefreshToken: "r", Expiry: time.Now().Add(time.Hour)}
	if err := s.Put(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	got, refreshed, err := locks.EnsureFresh(ctx, s, "p", "", time.Minute, "", refresh)
	if err != nil || refreshed || got.AccessToken != "valid" || calls != 0 {
		t.Fatalf("fresh token: %v refreshed=%v calls=%d err=%v; want it as is", got, refreshed, calls, err)
	}
	got, refreshed, err = locks.EnsureFresh(ctx, s, "p", "", 2*time.Hour, "", refresh)
	if err != nil || !refreshed || got.AccessToken != "new-1" || got.RefreshToken != "r" || got.Account != "a" {
		t.Fatalf("min-ttl beyond expiry: %+v refreshed=%v err=%v; want a refresh keeping the old refresh token and account", got, refreshed, err)
	}
	if stored, _ := s.Get(ctx, "p", "a"); stored.AccessToken != "new-1" {
		t.Errorf("refreshed credential not saved: %q", stored.AccessToken)
	}
	if _, refreshed, _ = locks.EnsureFresh(ctx, s, "p", "a", time.Minute, "new-1", refresh); !refreshed || calls != 2 {
		t.Errorf("stale stored token: refreshed=%v calls=%d, want one more refresh", refreshed, calls)
	}
	// A token reported stale that is no longer the stored one (another process refreshed it
	// meanwhile) is not refreshed again: the stored one is used.
	if got, refreshed, _ := locks.EnsureFresh(ctx, s, "p", "a", time.Minute, "new-1", refresh); refreshed || calls != 2 || got.AccessToken != "new-2" {
		t.Errorf("stale token already replaced: got %q refreshed=%v calls=%d, want new-2 without a refresh", got.AccessToken, refreshed, calls)
	}

	bad := &store.Credential{Provider: "q", Account: "a", AccessToken: "old", RefreshToken: "bad", Expiry: time.Now().Add(-time.Hour)}
	if err := s.Put(ctx, bad); err != nil {
		t.Fatal(err)
	}
	if _, _, err := locks.EnsureFresh(ctx, s, "q", "a", time.Minute, "", refresh); err == nil {
		t.Fatal("a rejected refresh must fail")
	}
	if stored, _ := s.Get(ctx, "q", "a"); stored.AccessToken != "old" || stored.RefreshToken != "bad" {
		t.Errorf("a failed refresh changed the store: %+v", stored)
	}
}

func TestParallelProcessesRefreshOnceFileStore(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	storetest.ParallelRefresh(t, store.KindFile, 32)
}

func TestKeyringWithoutDBusFailsClosed(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	_, err := store.Open(store.KindKeyring, state, nil)
	if exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), "no D-Bus session") {
		t.Fatalf("keyring with no D-Bus session: %v (exit %d), want exit 5 naming the cause", err, exitcode.Of(err))
	}
	entries, _ := os.ReadDir(state)
	if len(entries) != 0 {
		t.Errorf("the failed keyring open wrote to disk: %v", entries)
	}
}

// Issue 14 item 7: hostile or damaged content is a corrupt store (exit 5
// naming the file and what is wrong), never a panic, for every operation.
func TestFileStoreRefusesMalformedContent(t *testing.T) {
	t.Parallel()
	valid := `{"index":{"default":{"discord":"a"},"accounts":{"discord":["a"]}},"credentials":{"discord:a":{"provider":"discord","account":"a","access_token":"t"}}}`
	tests := []struct{ name, content, want string }{
		{"null credential", `{"index":{},"credentials":{"x":null}}`, `"default" is missing or null`},
		{"null credential under a valid index", `{"index":{"default":{},"accounts":{}},"credentials":{"x":null}}`, `credential "x": null instead of a credential`},
		{"null index maps", `{"index":{"default":null,"accounts":null},"credentials":{}}`, `"default" is missing or null`},
		{"null accounts", `{"index":{"default":{},"accounts":null},"credentials":{}}`, `"accounts" is missing or null`},
		{"null index", `{"index":null,"credentials":{}}`, `"index" is missing or null`},
		{"no credentials", `{"index":{"default":{},"accounts":{}}}`, `"credentials" is missing or null`},
		{"null document", `null`, "null instead of the store's contents"},
		{"array", `[]`, "cannot unmarshal array"},
		{"wrong type", strings.Replace(valid, `"access_token":"t"`, `"access_token":5`, 1), "cannot unmarshal number"},
		{"null account list", `{"index":{"default":{"discord":"a"},"accounts":{"discord":null}},"credentials":{}}`, `provider "discord" has an empty account list`},
		{"default not an account", `{"index":{"default":{"discord":"b"},"accounts":{"discord":["a"]}},"credentials":{}}`, `provider "discord" has no default among its accounts`},
		{"credential filed under another provider", strings.Replace(valid, `"provider":"discord"`, `"provider":"github"`, 1), `the credential for "github:a" is filed under "discord:a"`},
		{"trailing data", valid + `{"index":null}`, "data after the JSON value"},
	}
	ops := map[string]func(s *store.File) error{
		"Get":  func(s *store.File) error { _, err := s.Get(context.Background(), "discord", ""); return err },
		"List": func(s *store.File) error { _, err := s.List(context.Background()); return err },
		"Put": func(s *store.File) error {
			return s.Put(context.Background(), &store.Credential{Provider: "discord", AccessToken: "n"})
		},
		"Delete": func(s *store.File) error { return s.Delete(context.Background(), "discord", "") },
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, dir := openFile(t)
			path := filepath.Join(dir, "credentials.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			for name, op := range ops {
				err := op(s)
				if exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), path+" is corrupt") || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: %v (exit %d), want exit 5 naming %s and %q", name, err, exitcode.Of(err), path, tt.want)
				}
			}
			if data, _ := os.ReadFile(path); string(data) != tt.content {
				t.Errorf("the corrupt file was rewritten: %s", data)
			}
		})
	}
	s, dir := openFile(t)
	if err := os.WriteFile(filepath.Join(dir, "credentials.json"), []byte(valid), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(context.Background(), "discord", ""); err != nil || got.AccessToken != "t" {
		t.Fatalf("the well-formed file: %+v, %v", got, err)
	}
}

func TestFileStoreRefusesACredentialWithoutProvider(t *testing.T) {
	t.Parallel()
	s, _ := openFile(t)
	if err := s.Put(context.Background(), &store.Credential{AccessToken: "t"}); err == nil {
		t.Fatal("Put of a credential naming no provider succeeded")
	}
	if _, err := s.List(context.Background()); err != nil {
		t.Fatalf("the refused Put left the store unreadable: %v", err)
	}
}

// The file store looks at the directory and file themselves (Lstat), never
// through a symbolic link, at open and again at every read.
func TestFileStoreRefusesSymlinks(t *testing.T) {
	t.Parallel()
	t.Run("directory", func(t *testing.T) {
		t.Parallel()
		real := filepath.Join(t.TempDir(), "real")
		if err := os.Mkdir(real, 0o700); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(t.TempDir(), "authctl")
		if err := os.Symlink(real, link); err != nil {
			t.Fatal(err)
		}
		_, err := store.OpenFile(link, nil)
		if exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), link+" is a symbolic link") {
			t.Fatalf("open of a symlinked directory: %v (exit %d), want exit 5 naming the link", err, exitcode.Of(err))
		}
	})
	t.Run("file at open and at read", func(t *testing.T) {
		t.Parallel()
		s, dir := openFile(t)
		target := filepath.Join(t.TempDir(), "elsewhere.json")
		if err := os.WriteFile(target, []byte(`{"index":{"default":{},"accounts":{}},"credentials":{}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "credentials.json")
		if err := os.Symlink(target, path); err != nil {
			t.Fatal(err)
		}
		if _, err := store.OpenFile(dir, nil); exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), path+" is a symbolic link") {
			t.Errorf("open with a symlinked credential file: %v (exit %d), want exit 5 naming the link", err, exitcode.Of(err))
		}
		// The link appeared after the store was opened: a read refuses it too.
		if _, err := s.List(context.Background()); exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("read through a symlinked credential file: %v (exit %d), want exit 5", err, exitcode.Of(err))
		}
		if err := s.Put(context.Background(), &store.Credential{Provider: "discord", AccessToken: "secret"}); exitcode.Of(err) != exitcode.Store {
			t.Errorf("write with a symlinked credential file: %v, want exit 5", err)
		}
		if data, _ := os.ReadFile(target); strings.Contains(string(data), "secret") {
			t.Errorf("the token was written through the link: %s", data)
		}
	})
}

// otherUID is the uid that plays another local user.
const otherUID = 65534

// asOtherUser runs a shell script as otherUID with setpriv, or skips the test
// when this process cannot switch users.
func asOtherUser(t *testing.T, script string, args ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("another local user is played by uid 65534 through setpriv, which needs root")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv is not installed")
	}
	uid := strconv.Itoa(otherUID)
	cmd := exec.Command(setpriv, append([]string{"--reuid", uid, "--regid", uid, "--clear-groups", "sh", "-c", script, "sh"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("as uid %s: %v: %s", uid, err, out)
	}
}

// sharedDir is a world-writable sticky directory inside the test's temporary
// directory, like /tmp, where another user can create files.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	// The test's own temporary root is 0700; the other user must pass through it.
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Another local user who creates the state directory first (XDG_STATE_HOME in
// a shared place) would receive the tokens, or plant credentials of their
// own: a directory or file of another owner is refused.
func TestFileStoreRefusesAnotherUsersFiles(t *testing.T) {
	t.Parallel()
	t.Run("directory planted by another user", func(t *testing.T) {
		t.Parallel()
		shared := sharedDir(t)
		dir := filepath.Join(shared, "authctl")
		asOtherUser(t, `mkdir -m 700 "$1" && printf '%s' "$2" > "$1/credentials.json" && chmod 600 "$1/credentials.json"`,
			dir, `{"index":{"default":{"discord":"a"},"accounts":{"discord":["a"]}},"credentials":{"discord:a":{"provider":"discord","account":"a","access_token":"planted"}}}`)
		_, err := store.OpenFile(dir, nil)
		if exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), dir+" belongs to uid 65534, not to you") {
			t.Fatalf("open of another user's directory: %v (exit %d), want exit 5 naming the owner", err, exitcode.Of(err))
		}
	})
	t.Run("credential file of another user", func(t *testing.T) {
		t.Parallel()
		if os.Geteuid() != 0 {
			t.Skip("giving a file to uid 65534 needs root")
		}
		s, dir := openFile(t)
		path := filepath.Join(dir, "credentials.json")
		if err := os.WriteFile(path, []byte(`{"index":{"default":{},"accounts":{}},"credentials":{}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(path, otherUID, otherUID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.OpenFile(dir, nil); exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), path+" belongs to uid 65534") {
			t.Errorf("open: %v (exit %d), want exit 5 naming the owner", err, exitcode.Of(err))
		}
		if _, err := s.Get(context.Background(), "discord", ""); exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), "belongs to uid 65534") {
			t.Errorf("read: %v (exit %d), want exit 5 naming the owner", err, exitcode.Of(err))
		}
	})
}

// A state directory another user created (XDG_STATE_HOME in a shared place)
// would let them hold every refresh lock or swap the lock files: refused.
func TestLockRefusesAnotherUsersStateDirectory(t *testing.T) {
	shared := sharedDir(t)
	asOtherUser(t, `mkdir -m 777 "$1/authctl"`, shared)
	_, err := store.Locks{Dir: filepath.Join(shared, "authctl"), Now: time.Now}.Lock(context.Background(), "discord", "alice")
	if want := filepath.Join(shared, "authctl") + " belongs to uid 65534"; exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), want) {
		t.Fatalf("Lock in another user's state directory: %v (exit %d), want exit 5 with %q", err, exitcode.Of(err), want)
	}
}
