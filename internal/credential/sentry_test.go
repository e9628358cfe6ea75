package credential

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
	"github.com/authctl/authctl/internal/store"
)

// app login sentry spends the code once and stores the token; app token sentry serves it while
// it is valid, refreshes it at the sandbox when it is not, and names the login when none is stored.
func TestSentryLoginAndToken(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	ctx := context.Background()
	clients := 0
	client := func(context.Context) (*app.SentryClient, error) {
		clients++
		return &app.SentryClient{APIURL: srv.URL() + "/api/0", ClientID: sandbox.SentryIntegrationClient, ClientSecret: sandbox.SentryIntegrationSecret, HTTP: &http.Client{Timeout: 10 * time.Second}}, nil
	}
	now := time.Now()
	s, _ := newSource(t, nil, now)
	if _, err := s.SentryToken(ctx, client, sandbox.SentryInstallationUUID, DefaultMinTTL); exitcode.Of(err) != exitcode.Auth ||
		err.Error() != "no token for Sentry installation "+sandbox.SentryInstallationUUID+"; run authctl app login sentry --installation "+sandbox.SentryInstallationUUID+" --code-env VAR" {
		t.Errorf("nothing stored: %v (exit %d)", err, exitcode.Of(err))
	}
	stored, err := s.SentryLogin(ctx, client, sandbox.SentryInstallationUUID, sandbox.SentryInstallationCode)
	if err != nil || stored.AccessToken == "" {
		t.Fatalf("SentryLogin = %+v, %v", stored, err)
	}
	clients = 0
	if tok, err := s.SentryToken(ctx, client, sandbox.SentryInstallationUUID, DefaultMinTTL); err != nil || tok.AccessToken != stored.AccessToken || clients != 0 {
		t.Errorf("a fresh token: %+v, %v, %d clients; want the stored one with no request", tok, err, clients)
	}
	refreshed, err := s.SentryToken(ctx, client, sandbox.SentryInstallationUUID, time.Until(stored.Expiry)+time.Hour)
	if err != nil || refreshed.AccessToken == stored.AccessToken || clients != 1 {
		t.Errorf("a token that expires too soon: %+v, %v; want a refreshed one", refreshed, err)
	}
	noStore := *s
	noStore.Store = func() (store.Store, error) { return nil, errors.New("no keyring") }
	clients = 0
	if _, err := noStore.SentryLogin(ctx, client, sandbox.SentryInstallationUUID, "unused"); err == nil || clients != 0 {
		t.Errorf("without a store: %v after %d clients; want the store's error before the code is spent", err, clients)
	}
}
