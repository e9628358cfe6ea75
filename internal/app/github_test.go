package app

import (
	"context"
	"crypto/rsa"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// githubAppClient starts a sandbox (its GitHub App trusts the published
// sandbox key) and returns a client whose JWT names the app by iss.
func githubAppClient(t *testing.T, iss string) *GitHubClient {
	c, _ := githubAppClientAndSandbox(t, iss)
	return c
}

func githubAppClientAndSandbox(t *testing.T, iss string) (*GitHubClient, *sandbox.Server) {
	t.Helper()
	srv := sandboxtest.Start(t)
	jwt, err := AppJWT(iss, sandboxAppKey(t), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &GitHubClient{APIURL: srv.URL(), HTTP: &http.Client{Timeout: 10 * time.Second}, JWT: jwt, Now: time.Now}, srv
}

// sandboxAppKey is the private key the default seed's GitHub App trusts.
func sandboxAppKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := ParsePrivateKey([]byte(sandbox.GitHubAppPrivateKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// A JWT issued by the client ID mints like one issued by the app id, and --org finds the
// installation of a personal account through /users/{username}/installation.
// fidelity: github-app-jwt-client-id, github-app-user-installation
func TestClientIDIssuerFindsUserInstallation(t *testing.T) {
	t.Parallel()
	c := githubAppClient(t, sandbox.GitHubAppClientID)
	ctx := context.Background()
	id, err := c.FindInstallation(ctx, "", sandbox.GitHubUserInstallation)
	if err != nil || id != sandbox.GitHubUserInstallationID {
		t.Fatalf("user installation: %d, %v", id, err)
	}
	if id, err := c.FindInstallation(ctx, "", sandbox.GitHubInstallationOrg); err != nil || id != sandbox.GitHubInstallationID {
		t.Fatalf("org installation: %d, %v", id, err)
	}
	if tok, err := c.CreateToken(ctx, id, TokenRequest{}); err != nil || !strings.HasPrefix(tok.Token, "ghs_") {
		t.Fatalf("token by client-ID JWT: %v", err)
	}
	_, err = c.FindInstallation(ctx, "", "elsewhere")
	if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "not installed on the organization or user elsewhere") {
		t.Fatalf("no installation: %v (exit %d)", err, exitcode.Of(err))
	}
}

// GitHub answers a JWT whose numeric iss names no app with 404 "Integration not found".
// fidelity: github-app-unknown-id
func TestUnknownAppID(t *testing.T) {
	t.Parallel()
	c := githubAppClient(t, "1")
	_, err := c.FindInstallation(context.Background(), "", sandbox.GitHubInstallationOrg)
	if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "GitHub knows no app with this id or client ID") {
		t.Fatalf("unknown app id: %v (exit %d)", err, exitcode.Of(err))
	}
}

func TestIssuer(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"424242", "Iv1.8a61f9b3a7aba766", "Iv23liABCdef123"} {
		if err := Issuer(ok); err != nil {
			t.Errorf("Issuer(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "abc", "12 3", "Iv1.x y", "Iv1/../x"} {
		if err := Issuer(bad); exitcode.Of(err) != exitcode.Usage || strings.Contains(err.Error(), "\n") {
			t.Errorf("Issuer(%q) = %v, want a one-line usage error", bad, err)
		}
	}
}

// GitHub's secondary rate limit is a 403 with Retry-After: a rate limit (exit 4, when to try
// again), not a refused app (exit 2).
// fidelity: github-rate-limit
func TestSecondaryRateLimit403(t *testing.T) {
	t.Parallel()
	c, srv := githubAppClientAndSandbox(t, sandbox.GitHubAppClientID)
	srv.SetFault("/app/installations/*", sandbox.Fault{Status: 403, RetryAfter: 60})
	_, err := c.CreateToken(context.Background(), sandbox.GitHubInstallationID, TokenRequest{})
	if exitcode.Of(err) != exitcode.Provider || !strings.Contains(err.Error(), "try again in 60s") {
		t.Fatalf("403 with Retry-After: %v (exit %d), want exit 4 with the wait", err, exitcode.Of(err))
	}
}
