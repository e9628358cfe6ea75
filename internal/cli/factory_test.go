package cli

import (
	"context"
	"errors"
	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/provider"
	"io"
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

// newTestFactory is the one factory the command tests build on: ios, the real
// clock, and env as the whole environment — with HOME, XDG_CONFIG_HOME and
// XDG_STATE_HOME in the test's own temporary directory unless env names them,
// so that no test reads the user's config or writes outside its temp dirs.
func newTestFactory(t testing.TB, ios *ui.IOStreams, env map[string]string) *cmdutil.Factory {
	t.Helper()
	home := t.TempDir()
	full := map[string]string{"HOME": home, "XDG_CONFIG_HOME": home + "/config", "XDG_STATE_HOME": home + "/state"}
	maps.Copy(full, env)
	return &cmdutil.Factory{IO: ios, Global: &cmdutil.GlobalOptions{Output: ui.FormatText}, Getenv: func(k string) string { return full[k] }, Now: time.Now}
}

// openStoreIn makes a factory use st whatever store kind is asked for.
func openStoreIn(st store.Store) func(string, string, io.Writer) (store.Store, error) {
	return func(string, string, io.Writer) (store.Store, error) { return st, nil }
}

// mapEnv reads an environment map as a getenv function.
func mapEnv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// appTokenOf reads an integration's stored token, failing the test when none is stored.
func appTokenOf(t *testing.T, st store.Store, key credential.AppKey) *provider.Credential {
	t.Helper()
	creds := &credential.Source{Store: func() (store.Store, error) { return st, nil }, Locks: func() store.Locks { return store.Locks{Dir: filepath.Join(t.TempDir(), "state"), Now: time.Now} }}
	cred, err := creds.CachedAppToken(context.Background(), key, 0, func(context.Context) (*provider.Credential, error) {
		return nil, errors.New("no token stored for " + key.String())
	})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}
