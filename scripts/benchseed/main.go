// Command benchseed stores a long-lived credential for each provider key given
// in the file store under $XDG_STATE_HOME/authctl, so that
// scripts/bench-startup.sh can time commands that print a stored token with
// no network call.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/authctl/authctl/internal/store"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchseed PROVIDER...")
		os.Exit(2)
	}
	for _, provider := range os.Args[1:] {
		if err := seed(provider); err != nil {
			fmt.Fprintln(os.Stderr, "benchseed:", err)
			os.Exit(1)
		}
	}
}

func seed(provider string) error {
	s, err := store.Open(store.KindFile, store.StateDir(os.Getenv), io.Discard)
	if err != nil {
		return err
	}
	return s.Put(context.Background(), &store.Credential{
		Provider:     provider,
		AccessToken:  "bench-access-token",
		TokenType:    "Bearer",
		RefreshToken: "bench-refresh-token",
		Expiry:       time.Now().Add(24 * time.Hour),
		Scopes:       []string{"identify"},
		UserID:       "1",
		UserName:     "bench",
	})
}
