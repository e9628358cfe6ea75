package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

func sentryClient(srv *sandbox.Server, secret string) *SentryClient {
	return &SentryClient{APIURL: srv.URL() + "/api/0", ClientID: sandbox.SentryIntegrationClient, ClientSecret: secret, HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// Every way Sentry refuses an integration grant, today's (401/400 {"detail"}) and older Sentry's
// (403 {"error"}), gets its own exit code and keeps Sentry's words.
func TestSentryAuthorizeRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	legacy := func(s *sandbox.Seed) {
		for i := range s.Installations {
			s.Installations[i].LegacyErrors = true
		}
	}
	tests := []struct {
		name      string
		seed      func(*sandbox.Seed)
		secret    string
		grantType string
		field     string
		value     string
		wantCode  int
		wantText  string
	}{
		{"wrong secret", nil, "nope", "authorization_code", "code", sandbox.SentryInstallationCode, exitcode.Usage, `client id or secret was refused (check the provider's client_id and client secret): Sentry says "Invalid Client ID / Secret pair"`},
		{"wrong code", nil, sandbox.SentryIntegrationSecret, "authorization_code", "code", "wrong", exitcode.Auth, `installation code was refused (codes are single use and expire ten minutes after the installation; reinstall the integration for a new one): Sentry says "Could not find grant for given code"`},
		{"unknown refresh token", nil, sandbox.SentryIntegrationSecret, "refresh_token", "refresh_token", "nope", exitcode.Auth, `refresh token was refused; run authctl app login sentry again: Sentry says "Given refresh token does not exist"`},
		{"legacy wrong code", legacy, sandbox.SentryIntegrationSecret, "authorization_code", "code", "wrong", exitcode.Auth, `installation code was refused`},
		{"legacy refresh", legacy, sandbox.SentryIntegrationSecret, "refresh_token", "refresh_token", "nope", exitcode.Auth, `refresh token was refused`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seed := sandbox.DefaultSeed()
			if tt.seed != nil {
				tt.seed(seed)
			}
			srv := sandboxtest.Start(t, sandboxtest.WithSeed(seed))
			_, err := sentryClient(srv, tt.secret).Authorize(ctx, sandbox.SentryInstallationUUID, tt.grantType, tt.field, tt.value)
			if exitcode.Of(err) != tt.wantCode || err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("err = %v (exit %d), want exit %d with %q", err, exitcode.Of(err), tt.wantCode, tt.wantText)
			}
		})
	}
}

// An expired install code (ten minutes) and a refresh token of another integration.
func TestSentryAuthorizeExpiredCodeAndOtherIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := sandbox.NewClock(time.Now())
	seed := sandbox.DefaultSeed()
	seed.Apps = append(seed.Apps, sandbox.App{Kind: sandbox.KindSentry, ClientID: "other-integration", ClientSecret: "other-secret"})
	seed.Installations = append(seed.Installations, sandbox.Installation{Kind: sandbox.KindSentry, UUID: "other-uuid", ClientID: "other-integration", Code: "other-code"})
	srv := sandboxtest.Start(t, sandboxtest.WithSeed(seed), sandboxtest.WithClock(clock))
	other := &SentryClient{APIURL: srv.URL() + "/api/0", ClientID: "other-integration", ClientSecret: "other-secret", HTTP: &http.Client{Timeout: 10 * time.Second}}
	tok, err := other.Authorize(ctx, "other-uuid", "authorization_code", "code", "other-code")
	if err != nil {
		t.Fatal(err)
	}
	_, err = sentryClient(srv, sandbox.SentryIntegrationSecret).Authorize(ctx, sandbox.SentryInstallationUUID, "refresh_token", "refresh_token", tok.RefreshToken)
	if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), `Sentry says "Token does not belong to the application"`) {
		t.Fatalf("another integration's refresh token: %v (exit %d), want exit 2 with Sentry's words", err, exitcode.Of(err))
	}
	clock.Advance(11 * time.Minute)
	_, err = sentryClient(srv, sandbox.SentryIntegrationSecret).Authorize(ctx, sandbox.SentryInstallationUUID, "authorization_code", "code", sandbox.SentryInstallationCode)
	if exitcode.Of(err) != exitcode.Auth || !strings.Contains(err.Error(), `Sentry says "Grant has already expired"`) {
		t.Fatalf("expired code: %v (exit %d), want exit 3", err, exitcode.Of(err))
	}
}

// An integration's client comes from an entry of kind sentry only.
func TestSentryClientOf(t *testing.T) {
	t.Parallel()
	if _, err := SentryClientOf(&provider.Provider{Name: "gh", Kind: provider.KindGitHub}); exitcode.Of(err) != exitcode.Usage || err.Error() != "--provider gh is of kind github, not sentry" {
		t.Errorf("an entry of kind github: %v (exit %d)", err, exitcode.Of(err))
	}
}
