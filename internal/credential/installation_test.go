package credential

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// An installation token is minted once per target and then served from the cache with no
// request; a narrowed one is minted for each use and never cached.
func TestInstallationToken(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	file := sandboxtest.GitHubAppKeyFile(t)
	s, _ := newSource(t, nil, time.Now())
	a := &app.GitHubApp{ID: sandbox.GitHubAppClientID, Key: app.PrivateKey{File: file}, APIURL: srv.URL(), HTTP: &http.Client{Timeout: 10 * time.Second}, Now: time.Now}
	ctx := context.Background()
	target := app.Target{Repo: sandbox.GitHubInstallationRepo}
	const tokens = "/app/installations/5150/access_tokens"
	first, err := s.InstallationToken(ctx, a, target, app.TokenRequest{})
	if err != nil || !strings.HasPrefix(first.AccessToken, "ghs_") {
		t.Fatalf("first: %+v, %v", first, err)
	}
	again, err := s.InstallationToken(ctx, a, target, app.TokenRequest{})
	if err != nil || again.AccessToken != first.AccessToken || srv.Count(http.MethodPost, tokens) != 1 {
		t.Fatalf("again: %+v, %v after %d mints; want the cached token", again, err, srv.Count(http.MethodPost, tokens))
	}
	if cached, err := s.StoredAppToken(ctx, InstallationKey(a, target)); err != nil || cached == nil || cached.AccessToken != first.AccessToken {
		t.Errorf("stored under InstallationKey: %+v, %v", cached, err)
	}
	narrowed := app.TokenRequest{Permissions: map[string]string{"contents": "read"}}
	for range 2 {
		if tok, err := s.InstallationToken(ctx, a, target, narrowed); err != nil || tok.AccessToken == first.AccessToken {
			t.Fatalf("narrowed: %+v, %v; want a token of its own", tok, err)
		}
	}
	if n := srv.Count(http.MethodPost, tokens); n != 3 {
		t.Errorf("mints = %d, want 3 (one cached, two narrowed)", n)
	}
	if tok, _ := s.InstallationToken(ctx, a, target, app.TokenRequest{}); tok == nil || tok.AccessToken != first.AccessToken {
		t.Errorf("a narrowed token replaced the cached one: %+v", tok)
	}
}
