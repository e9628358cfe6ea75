package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	locks := store.Locks{Dir: t.TempDir(), Now: time.Now}
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
