package cli

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

// TestTokenRefreshWithRealKeyring runs the refresh path against the real
// Secret Service (scripts/with-keyring.sh provides one).
func TestTokenRefreshWithRealKeyring(t *testing.T) {
	if os.Getenv("AUTHCTL_TEST_KEYRING") == "" {
		t.Skip("needs the real Secret Service: run under scripts/with-keyring.sh (sets AUTHCTL_TEST_KEYRING)")
	}
	t.Parallel()
	keyring, err := store.Open(store.KindKeyring, filepath.Join(t.TempDir(), "state"), io.Discard)
	if err != nil {
		t.Fatalf("open keyring: %v", err)
	}
	w := newWorld(t)
	cred := w.login(t, "discord") // into the world's file store; copied below under an account of this test's own
	account := "test-" + randomHex(t)
	cred.Account = account
	cred.Expiry = time.Now().Add(-time.Minute)
	if err := keyring.Put(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = keyring.Delete(context.Background(), "discord", account) })
	w.srv.ExpireAccessTokens()
	w.srv.ResetCounts()

	ios, _, out, errOut := ui.Test()
	f := newTestFactory(t, ios, w.env)
	if code := Run(context.Background(), f, []string{"token", "discord", "--store", "keyring", "--account", account}); code != 0 {
		t.Fatalf("token: exit %d, %s", code, errOut.String())
	}
	saved, err := keyring.Get(context.Background(), "discord", account)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != saved.AccessToken || saved.RefreshToken == cred.RefreshToken {
		t.Error("the keyring does not hold the printed token and the rotated refresh token")
	}
	if n := w.srv.Count(http.MethodPost, "/api/oauth2/token"); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}
