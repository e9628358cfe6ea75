// Package keyringmock checks the keyring store's chunking against go-keyring's
// in-memory mock; it is its own package because keyring.MockInit replaces the
// backend for the whole test binary.
package keyringmock

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/authctl/authctl/internal/store"
)

func TestChunkingRoundTripInMemory(t *testing.T) {
	keyring.MockInit()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent-mock-backend")
	ctx := context.Background()
	s, err := store.Open(store.KindKeyring, filepath.Join(t.TempDir(), "state"), nil)
	if err != nil {
		t.Fatalf("open keyring: %v", err)
	}
	tests := []struct {
		name  string
		size  int
		split bool
	}{
		{"small", 100, false},
		{"large", 9000, true},
		{"shrinks back", 50, false},
	}
	for _, tt := range tests {
		// Subtests share one entry on purpose: each write must replace the last.
		t.Run(tt.name, func(t *testing.T) {
			token := strings.Repeat("t", tt.size)
			if err := s.Put(ctx, &store.Credential{Provider: "discord", Account: "alice", AccessToken: token}); err != nil {
				t.Fatalf("put: %v", err)
			}
			raw, err := keyring.Get(store.Service, "discord:alice")
			if err != nil {
				t.Fatalf("raw entry: %v", err)
			}
			if got := strings.HasPrefix(raw, "authctl-chunks:"); got != tt.split {
				t.Fatalf("entry split = %v, want %v (entry %d bytes)", got, tt.split, len(raw))
			}
			if len(raw) > 2000 {
				t.Fatalf("entry is %d bytes, over the 2,000-byte limit", len(raw))
			}
			got, err := s.Get(ctx, "discord", "")
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if got.AccessToken != token {
				t.Fatalf("round trip lost data: got %d bytes, want %d", len(got.AccessToken), len(token))
			}
		})
	}
}

// A split value is written as parts of a new generation before the main entry switches to it, so
// a reader never sees parts of two values and a write cut off half way leaves the old value whole;
// the replaced generation's parts are deleted afterwards. Entries written by earlier versions
// ("authctl-chunks:N" with parts user#1…) are still read, and replaced cleanly.
func TestChunkGenerations(t *testing.T) {
	keyring.MockInit()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent-mock-backend")
	ctx := context.Background()
	s, err := store.Open(store.KindKeyring, filepath.Join(t.TempDir(), "state"), nil)
	if err != nil {
		t.Fatal(err)
	}
	const user = "discord:alice"
	put := func(token string) {
		t.Helper()
		if err := s.Put(ctx, &store.Credential{Provider: "discord", Account: "alice", AccessToken: token}); err != nil {
			t.Fatalf("put: %v", err)
		}
	}
	header := func() (gen string, n int) {
		t.Helper()
		raw, err := keyring.Get(store.Service, user)
		if err != nil {
			t.Fatal(err)
		}
		g, count, ok := strings.Cut(strings.TrimPrefix(raw, "authctl-chunks:"), ":")
		if !ok {
			t.Fatalf("header %.40q has no generation", raw)
		}
		n, _ = strconv.Atoi(count)
		return g, n
	}
	first := strings.Repeat("a", 5000)
	put(first)
	gen1, n1 := header()

	// A second write that dies after two of its parts: the old value is still read whole.
	if err := keyring.Set(store.Service, user+"#ffffffffffff#1", strings.Repeat("b", 2000)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "discord", "alice"); err != nil || got.AccessToken != first {
		t.Fatalf("after a cut-off write: %v, token intact %v", err, got != nil && got.AccessToken == first)
	}

	second := strings.Repeat("c", 7000)
	put(second)
	if gen2, _ := header(); gen2 == gen1 {
		t.Fatalf("the rewrite reused generation %s", gen1)
	}
	for i := 1; i <= n1; i++ {
		if _, err := keyring.Get(store.Service, user+"#"+gen1+"#"+strconv.Itoa(i)); err != keyring.ErrNotFound {
			t.Errorf("part %d of the replaced generation: %v, want it deleted", i, err)
		}
	}
	if got, err := s.Get(ctx, "discord", "alice"); err != nil || got.AccessToken != second {
		t.Fatalf("after the rewrite: %v, token right %v", err, got != nil && got.AccessToken == second)
	}

	// An entry in the earlier format.
	legacy := `{"provider":"discord","account":"alice","access_token":"` + strings.Repeat("d", 3000) + `"}`
	if err := keyring.Set(store.Service, user+"#1", legacy[:2000]); err != nil {
		t.Fatal(err)
	}
	if err := keyring.Set(store.Service, user+"#2", legacy[2000:]); err != nil {
		t.Fatal(err)
	}
	if err := keyring.Set(store.Service, user, "authctl-chunks:2"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "discord", "alice"); err != nil || got.AccessToken != strings.Repeat("d", 3000) {
		t.Fatalf("earlier format: %v", err)
	}
	put("small")
	for _, part := range []string{user + "#1", user + "#2"} {
		if _, err := keyring.Get(store.Service, part); err != keyring.ErrNotFound {
			t.Errorf("%s after the rewrite: %v, want it deleted", part, err)
		}
	}
}
