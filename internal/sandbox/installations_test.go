package sandbox_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// appJWT signs a GitHub App JWT with key.
func appJWT(t *testing.T, key *rsa.PrivateKey, iss any, iat, exp time.Time) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(map[string]any{"iss": iss, "iat": iat.Unix(), "exp": exp.Unix()}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func rsaKey(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// githubAppSandbox starts a sandbox whose GitHub App trusts a new key; it returns the key and a
// valid app JWT signed with it.
func githubAppSandbox(t *testing.T) (*sandbox.Server, *rsa.PrivateKey, string) {
	t.Helper()
	key, pub := rsaKey(t)
	srv := sandboxtest.Start(t, sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) {
		for i := range s.Apps {
			if s.Apps[i].ClientID == sandbox.GitHubAppClientID {
				s.Apps[i].PublicKeyPEM = pub
			}
		}
	})))
	now := time.Now()
	return srv, key, appJWT(t, key, sandbox.GitHubAppID, now.Add(-60*time.Second), now.Add(9*time.Minute))
}

// PROVIDERS.md GitHub App installation tokens: an RS256 JWT (iss = app id, exp at most 10 minutes
// after iat) creates a one-hour ghs_ token (201); installations are found by repo or org.
// fidelity: github-app-jwt, github-app-installation-token, github-app-find-installation
func TestGitHubInstallationTokens(t *testing.T) {
	t.Parallel()
	other, _ := rsaKey(t)
	srv, key, good := githubAppSandbox(t)
	now := time.Now()
	post := func(path, jwtValue string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+path, nil)
		if jwtValue != "" {
			req.Header.Set("Authorization", "Bearer "+jwtValue)
		}
		status, _, body := do(t, req)
		return status, body
	}
	tokensPath := "/app/installations/5150/access_tokens"

	status, body := post(tokensPath, good)
	created := decode[map[string]any](t, body)
	expires, err := time.Parse(time.RFC3339, created["expires_at"].(string))
	if status != 201 || !strings.HasPrefix(created["token"].(string), "ghs_") || err != nil || expires.Sub(now) < 59*time.Minute || created["permissions"] == nil {
		t.Fatalf("installation token: %d %s", status, body)
	}
	if status, _, body := get(t, srv.URL()+"/user", "Bearer "+created["token"].(string)); status != 403 {
		t.Fatalf("/user with an installation token: %d %s", status, body)
	}
	if status, _ := post("/api/v3"+tokensPath, appJWT(t, key, sandbox.GitHubAppClientID, now, now.Add(5*time.Minute))); status != 201 {
		t.Fatalf("client id as iss, GHE path: %d", status)
	}

	for name, path := range map[string]string{"org": "/orgs/" + sandbox.GitHubInstallationOrg + "/installation", "repo of the org": "/repos/" + sandbox.GitHubInstallationRepo + "/installation"} {
		status, _, body := get(t, srv.URL()+path, "Bearer "+good)
		if status != 200 || decode[map[string]any](t, body)["id"] != float64(sandbox.GitHubInstallationID) {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	if status, _, _ := get(t, srv.URL()+"/repos/elsewhere/x/installation", "Bearer "+good); status != 404 {
		t.Errorf("unknown repo: %d", status)
	}

	// The time rejections carry GitHub's own messages, which authctl reads to name clock skew.
	bad := []struct {
		name, jwt, path string
		status          int
		message         string
	}{
		{"no JWT", "", tokensPath, 401, ""},
		{"not a JWT", "nope", tokensPath, 401, ""},
		{"exp too far", appJWT(t, key, sandbox.GitHubAppID, now, now.Add(20*time.Minute)), tokensPath, 401, "'Expiration time' claim ('exp') is too far in the future"},
		{"expired", appJWT(t, key, sandbox.GitHubAppID, now.Add(-10*time.Minute), now.Add(-time.Minute)), tokensPath, 401, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"},
		{"iat in the future", appJWT(t, key, sandbox.GitHubAppID, now.Add(5*time.Minute), now.Add(9*time.Minute)), tokensPath, 401, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"},
		{"other key", appJWT(t, other, sandbox.GitHubAppID, now, now.Add(5*time.Minute)), tokensPath, 401, ""},
		// fidelity: github-app-unknown-id
		{"unknown app", appJWT(t, key, 1, now, now.Add(5*time.Minute)), tokensPath, 404, "Integration not found"},
		{"unknown installation", good, "/app/installations/999/access_tokens", 404, ""},
	}
	for _, tc := range bad {
		status, body := post(tc.path, tc.jwt)
		message, _ := decode[map[string]any](t, body)["message"].(string)
		if status != tc.status || message == "" || (tc.message != "" && message != tc.message) {
			t.Errorf("%s: %d %s, want %d with message %q", tc.name, status, body, tc.status, tc.message)
		}
	}
}

// GitHub narrows an installation token to repositories the installation covers and permissions
// within its grant (metadata:read is always added); anything more is a 422 with GitHub's message.
// Finding the installation of a repository it does not cover is a 404.
// fidelity: github-app-installation-token, github-app-find-installation
func TestGitHubInstallationTokenNarrowing(t *testing.T) {
	t.Parallel()
	srv, _, good := githubAppSandbox(t)
	post := func(body string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/app/installations/5150/access_tokens", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+good)
		status, _, resp := do(t, req)
		return status, decode[map[string]any](t, resp)
	}

	status, got := post(`{"repositories":["Widgets"],"permissions":{"issues":"read"}}`)
	repos, _ := got["repositories"].([]any)
	perms, _ := got["permissions"].(map[string]any)
	if status != 201 || got["repository_selection"] != "selected" || len(repos) != 1 || len(perms) != 2 || perms["issues"] != "read" || perms["metadata"] != "read" {
		t.Fatalf("narrowed token: %d %v", status, got)
	}
	refused := map[string]string{
		`{"repositories":["elsewhere"]}`:            "There is at least one repository that does not exist or is not accessible to the parent installation.",
		`{"permissions":{"contents":"write"}}`:      "The permissions requested are not granted to this installation.",
		`{"permissions":{"administration":"read"}}`: "The permissions requested are not granted to this installation.",
		`{"permissions":{"issues":"sudo"}}`:         "The permissions requested are not granted to this installation.",
	}
	for body, message := range refused {
		if status, got := post(body); status != 422 || got["message"] != message {
			t.Errorf("%s: %d %v, want 422 %q", body, status, got, message)
		}
	}
	if status, got := post(`{"repositories":`); status != 400 || got["message"] == nil {
		t.Errorf("broken JSON: %d %v, want 400 with a message", status, got)
	}
	if status, _, body := get(t, srv.URL()+"/repos/"+sandbox.GitHubInstallationOrg+"/elsewhere/installation", "Bearer "+good); status != 404 {
		t.Errorf("repository the installation does not cover: %d %s, want 404", status, body)
	}
}

// GitHub accepts the app's client ID as iss (changelog 2024-05-01), and finds the installation
// of a personal account at /users/{username}/installation only (not /orgs/).
// fidelity: github-app-jwt-client-id, github-app-user-installation
func TestGitHubAppClientIDIssuerAndUserInstallation(t *testing.T) {
	t.Parallel()
	srv, key, _ := githubAppSandbox(t)
	now := time.Now()
	byClientID := appJWT(t, key, sandbox.GitHubAppClientID, now.Add(-time.Minute), now.Add(8*time.Minute))
	status, _, body := get(t, srv.URL()+"/users/"+sandbox.GitHubUserInstallation+"/installation", "Bearer "+byClientID)
	if got := decode[map[string]any](t, body); status != 200 || got["id"] != float64(sandbox.GitHubUserInstallationID) || got["target_type"] != "User" {
		t.Fatalf("user installation by client-ID JWT: %d %s", status, body)
	}
	for _, path := range []string{"/orgs/" + sandbox.GitHubUserInstallation + "/installation", "/users/" + sandbox.GitHubInstallationOrg + "/installation"} {
		if status, _, body := get(t, srv.URL()+path, "Bearer "+byClientID); status != 404 {
			t.Errorf("%s: %d %s, want 404", path, status, body)
		}
	}
}

// Without a configured public key the default GitHub App cannot mint installation tokens.
// fidelity: github-app-jwt
func TestGitHubInstallationNeedsKey(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	key, _ := rsaKey(t)
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/app/installations/5150/access_tokens", nil)
	req.Header.Set("Authorization", "Bearer "+appJWT(t, key, sandbox.GitHubAppID, time.Now(), time.Now().Add(time.Minute)))
	if status, _, _ := do(t, req); status != 401 {
		t.Fatalf("status %d, want 401", status)
	}
}

// sentryIntegration posts JSON bodies to an installation's authorizations endpoint.
func sentryIntegration(t *testing.T, srv *sandbox.Server, uuid string) func(body string) (int, map[string]any) {
	target := srv.URL() + "/api/0/sentry-app-installations/" + uuid + "/authorizations/"
	return func(body string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		status, _, resp := do(t, req)
		return status, decode[map[string]any](t, resp)
	}
}

const sentryCodeBody = `{"grant_type":"authorization_code","code":"` + sandbox.SentryInstallationCode + `","client_id":"` + sandbox.SentryIntegrationClient + `","client_secret":"` + sandbox.SentryIntegrationSecret + `"}`

func sentryRefreshBody(refresh string) string {
	return `{"grant_type":"refresh_token","refresh_token":"` + refresh + `","client_id":"` + sandbox.SentryIntegrationClient + `","client_secret":"` + sandbox.SentryIntegrationSecret + `"}`
}

// PROVIDERS.md Sentry integration tokens: JSON body, camelCase answer, a refresh deletes the old
// token; refusals are today's Sentry's 401/400/403 {"detail"}.
// fidelity: sentry-integration-grant-401, sentry-integration-refresh-401, sentry-integration-grant-type-403, sentry-integration-client-401, sentry-integration-token, sentry-integration-unknown-uuid
func TestSentryIntegrationTokens(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	post := sentryIntegration(t, srv, sandbox.SentryInstallationUUID)
	// A wrong code is refused without using up the right one.
	if status, got := post(strings.Replace(sentryCodeBody, sandbox.SentryInstallationCode, "wrong-code", 1)); status != 401 || got["detail"] != "Could not find grant for given code" {
		t.Fatalf("wrong code: %d %v, want 401 detail", status, got)
	}
	status, first := post(sentryCodeBody)
	if status != 201 || first["token"] == nil || first["refreshToken"] == nil || first["expiresAt"] == nil || first["access_token"] != nil {
		t.Fatalf("code grant: %d %v", status, first)
	}
	if status, _, body := get(t, srv.URL()+"/api/0/organizations/", "Bearer "+first["token"].(string)); status != 200 {
		t.Fatalf("integration token on the API: %d %s", status, body)
	}
	if status, got := post(sentryCodeBody); status != 401 || got["detail"] != "Could not find grant for given code" {
		t.Fatalf("code reused: %d %v, want 401 detail", status, got)
	}
	refreshBody := sentryRefreshBody(first["refreshToken"].(string))
	status, second := post(refreshBody)
	if status != 201 || second["token"] == first["token"] {
		t.Fatalf("refresh: %d %v", status, second)
	}
	if status, _, _ := get(t, srv.URL()+"/api/0/organizations/", "Bearer "+first["token"].(string)); status != 401 {
		t.Fatalf("old token after refresh: %d, want 401", status)
	}
	if status, got := post(refreshBody); status != 401 || got["detail"] != "Given refresh token does not exist" {
		t.Fatalf("old refresh token: %d %v, want 401 detail", status, got)
	}
	if status, got := post(strings.Replace(refreshBody, "refresh_token\",\"refresh_token", "password\",\"refresh_token", 1)); status != 403 || got["detail"] != "Invalid grant_type" {
		t.Fatalf("unknown grant_type: %d %v, want 403", status, got)
	}
	if status, got := post(strings.Replace(sentryCodeBody, sandbox.SentryIntegrationSecret, "nope", 1)); status != 401 || got["detail"] != "Invalid Client ID / Secret pair" {
		t.Fatalf("wrong secret: %d %v", status, got)
	}
	userApp := strings.NewReplacer(sandbox.SentryIntegrationClient, sandbox.SentryClientID, sandbox.SentryIntegrationSecret, sandbox.SentryClientSecret).Replace(sentryCodeBody)
	if status, got := post(userApp); status != 401 || got["detail"] != "Invalid Client ID / Secret pair" {
		t.Fatalf("the right pair of a user OAuth app, not an integration: %d %v", status, got)
	}
	if status, _, _ := postForm(t, srv.URL()+"/api/0/sentry-app-installations/"+sandbox.SentryInstallationUUID+"/authorizations/", url.Values{"grant_type": {"authorization_code"}}, "", ""); status != 400 {
		t.Fatalf("form body: %d, want 400", status)
	}
	if status, got := sentryIntegration(t, srv, "no-such-uuid")(sentryCodeBody); status != 404 || got["detail"] == nil {
		t.Fatalf("unknown installation: %d %v, want 404 {detail}", status, got)
	}
}

// Sentry's install codes (ApiGrant) expire ten minutes after the installation; a refresh token
// of another integration is a 400.
// fidelity: sentry-integration-grant-expiry, sentry-integration-other-app-400
func TestSentryIntegrationCodeExpiresAndOtherAppsToken(t *testing.T) {
	t.Parallel()
	clock := sandbox.NewClock(time.Now())
	seed := seedWith(func(s *sandbox.Seed) {
		s.Apps = append(s.Apps, sandbox.App{Kind: sandbox.KindSentry, ClientID: "other-integration", ClientSecret: "other-secret"})
		s.Installations = append(s.Installations, sandbox.Installation{Kind: sandbox.KindSentry, UUID: "other-uuid", ClientID: "other-integration", Code: "other-code"})
	})
	srv := sandboxtest.Start(t, sandboxtest.WithClock(clock), sandboxtest.WithSeed(seed))
	other := sentryIntegration(t, srv, "other-uuid")
	status, otherTok := other(`{"grant_type":"authorization_code","code":"other-code","client_id":"other-integration","client_secret":"other-secret"}`)
	if status != 201 {
		t.Fatalf("other integration's code: %d %v", status, otherTok)
	}
	post := sentryIntegration(t, srv, sandbox.SentryInstallationUUID)
	if status, got := post(sentryRefreshBody(otherTok["refreshToken"].(string))); status != 400 || got["detail"] != "Token does not belong to the application" {
		t.Fatalf("another integration's refresh token: %d %v, want 400", status, got)
	}
	clock.Advance(10*time.Minute + time.Second)
	if status, got := post(sentryCodeBody); status != 401 || got["detail"] != "Grant has already expired" {
		t.Fatalf("code after ten minutes: %d %v, want 401 expired", status, got)
	}
}

// An installation seeded with legacy_errors answers as older Sentry: 403 {"error"}.
// fidelity: sentry-integration-legacy-403
func TestSentryIntegrationLegacyErrors(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t, sandboxtest.WithSeed(seedWith(func(s *sandbox.Seed) {
		for i := range s.Installations {
			s.Installations[i].LegacyErrors = true
		}
	})))
	post := sentryIntegration(t, srv, sandbox.SentryInstallationUUID)
	if status, got := post(strings.Replace(sentryCodeBody, sandbox.SentryInstallationCode, "wrong-code", 1)); status != 403 || got["error"] == nil {
		t.Fatalf("wrong code, legacy: %d %v, want 403 {error}", status, got)
	}
}
