// Package keyringtest runs the keyring store against the real Secret Service.
// It is its own package because keyring.MockInit would replace the backend
// for a whole test binary. scripts/with-keyring.sh provides the session.
package keyringtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/store/storetest"
)

func TestMain(m *testing.M) {
	storetest.MaybeChild()
	os.Exit(m.Run())
}

func requireKeyring(t *testing.T) {
	t.Helper()
	if os.Getenv("AUTHCTL_TEST_KEYRING") == "" {
		t.Skip("no real Secret Service: run under scripts/with-keyring.sh (scripts/test.sh does)")
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
}

func TestKeyringRoundTripWithChunking(t *testing.T) {
	requireKeyring(t)
	ctx := context.Background()
	s, err := store.Open(store.KindKeyring, filepath.Join(t.TempDir(), "state"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "keyring" {
		t.Fatalf("Open(keyring) gave the %s store", s.Name())
	}
	big := strings.Repeat("x", 7000) // over three 2,000-byte parts
	cred := &store.Credential{Provider: "kt-discord", AccessToken: "a1", RefreshToken: "r1", UserName: "alice",
		Expiry: time.Now().Add(time.Hour).UTC().Truncate(time.Second), Extra: map[string]any{"id_token": big}}
	if err := s.Put(ctx, cred); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Delete(ctx, "kt-discord", "alice") })

	// The value really is split: the main entry holds only the header.
	raw, err := keyring.Get(store.Service, "kt-discord:alice")
	if err != nil || !strings.HasPrefix(raw, "authctl-chunks:") {
		t.Fatalf("main entry = %.40q, %v; want a chunk header", raw, err)
	}
	gen, count, _ := strings.Cut(strings.TrimPrefix(raw, "authctl-chunks:"), ":")
	if count != "4" {
		t.Fatalf("main entry %q: want 4 parts", raw)
	}
	for i := 1; i <= 4; i++ {
		part, err := keyring.Get(store.Service, "kt-discord:alice#"+gen+"#"+string(rune('0'+i)))
		if err != nil || len(part) > 2000 {
			t.Fatalf("part %d: %d bytes, %v", i, len(part), err)
		}
	}
	got, err := s.Get(ctx, "kt-discord", "")
	if err != nil || got.Extra["id_token"] != big || got.AccessToken != "a1" || !got.Expiry.Equal(cred.Expiry) {
		t.Fatalf("read back %+v, %v", got, err)
	}

	// A smaller value replaces it and leaves no stale parts behind.
	cred.Extra = nil
	if err := s.Put(ctx, cred); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get(store.Service, "kt-discord:alice#"+gen+"#1"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("stale part 1 after a smaller write: %v", err)
	}
	list, err := s.List(ctx)
	if err != nil || len(list) == 0 {
		t.Fatalf("List = %v, %v", list, err)
	}
	if err := s.Delete(ctx, "kt-discord", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "kt-discord", "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after Delete: %v, want ErrNotFound", err)
	}
}

func TestParallelProcessesRefreshOnceKeyring(t *testing.T) {
	requireKeyring(t)
	storetest.ParallelRefresh(t, store.KindKeyring, 32)
}

// Issue 14 item 7 through the real Secret Service: a crafted credential entry,
// whole or split with a part missing, is exit 5 naming the entry, and logout
// still removes it.
func TestKeyringCorruptEntry(t *testing.T) {
	requireKeyring(t)
	ctx := context.Background()
	s, err := store.Open(store.KindKeyring, filepath.Join(t.TempDir(), "state"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, &store.Credential{Provider: "kt-corrupt", Account: "alice", AccessToken: "a"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Delete(ctx, "kt-corrupt", "alice") })
	for _, crafted := range []struct{ value, want string }{
		{`{"provider":"kt-corrupt","account":"alice","expiry":null,"access_token":7}`, "cannot unmarshal number"},
		{"authctl-chunks:0123456789ab:2", "read part 1 of 2: it is missing"},
	} {
		if err := keyring.Set(store.Service, "kt-corrupt:alice", crafted.value); err != nil {
			t.Fatal(err)
		}
		_, err := s.Get(ctx, "kt-corrupt", "")
		if exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), `keyring entry "kt-corrupt:alice"`) || !strings.Contains(err.Error(), crafted.want) {
			t.Errorf("entry %.30q: %v (exit %d), want exit 5 naming the entry and %q", crafted.value, err, exitcode.Of(err), crafted.want)
		}
	}
	if err := s.Delete(ctx, "kt-corrupt", "alice"); err != nil {
		t.Fatalf("logout of a corrupt entry: %v", err)
	}
}
