// Package keyringmock checks the keyring store's chunking against go-keyring's
// in-memory mock; it is its own package because keyring.MockInit replaces the
// backend for the whole test binary.
package keyringmock

import (
	"context"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/authctl/authctl/internal/store"
)

func TestChunkingRoundTripInMemory(t *testing.T) {
	keyring.MockInit()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent-mock-backend")
	ctx := context.Background()
	s, err := store.Open(store.KindKeyring, nil)
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
