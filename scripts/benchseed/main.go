// Command benchseed stores long-lived credentials in the file store under
// $XDG_STATE_HOME/authctl, so that scripts/bench-startup.sh can time commands
// that print a stored token with no network call: a login for each PROVIDER
// argument, and a cached GitHub App installation token for each argument of
// the form github-app:API_HOST:APP_ID:OWNER/NAME.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/store"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchseed PROVIDER|github-app:API_HOST:APP_ID:OWNER/NAME...")
		os.Exit(2)
	}
	for _, arg := range os.Args[1:] {
		if err := seed(arg); err != nil {
			fmt.Fprintln(os.Stderr, "benchseed:", err)
			os.Exit(1)
		}
	}
}

func seed(arg string) error {
	dir := store.StateDir(os.Getenv)
	s, err := store.Open(store.KindFile, dir, io.Discard)
	if err != nil {
		return err
	}
	cred := &store.Credential{
		Provider:     arg,
		AccessToken:  "bench-access-token",
		TokenType:    "Bearer",
		RefreshToken: "bench-refresh-token",
		Expiry:       time.Now().Add(24 * time.Hour),
		UserID:       "80351110224678912",
		UserName:     "bench",
	}
	if rest, ok := strings.CutPrefix(arg, "github-app:"); ok {
		parts := strings.SplitN(rest, ":", 3)
		if len(parts) != 3 {
			return fmt.Errorf("%q is not github-app:API_HOST:APP_ID:OWNER/NAME", arg)
		}
		creds := &credential.Source{Store: func() (store.Store, error) { return s, nil }, Locks: func() store.Locks { return store.Locks{Dir: dir, Now: time.Now} }}
		return creds.SaveAppToken(context.Background(), credential.GitHubAppKey("https://"+parts[0], parts[1], 0, parts[2], "", ""), cred)
	}
	return s.Put(context.Background(), cred)
}
