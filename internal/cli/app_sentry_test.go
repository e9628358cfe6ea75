package cli

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/store"
)

const sentryAuthPath = "/api/0/sentry-app-installations/" + sandbox.SentryInstallationUUID + "/authorizations/"

func TestAppSentryLoginTokenRefreshAndStatus(t *testing.T) {
	srv, env, cfg, _ := appSandbox(t)
	env["AUTHCTL_SENTRY_CLIENT_ID"] = sandbox.SentryIntegrationClient
	env["AUTHCTL_SENTRY_CLIENT_SECRET"] = sandbox.SentryIntegrationSecret
	env["INSTALL_CODE"] = sandbox.SentryInstallationCode

	code, stdout, stderr := runCLI(t, env, "--config", cfg, "app", "login", "sentry", "--installation", sandbox.SentryInstallationUUID, "--code-env", "INSTALL_CODE")
	if code != 0 || stdout != "" {
		t.Fatalf("login: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, env, "--config", cfg, "app", "login", "sentry", "--installation", sandbox.SentryInstallationUUID, "--code-env", "INSTALL_CODE")
	if code != exitcode.Auth || !strings.Contains(stderr, "installation code was refused (codes are single use") {
		t.Fatalf("code reuse: exit %d stderr %q, want exit 3 naming the used code", code, stderr)
	}

	args := []string{"--config", cfg, "app", "token", "sentry", "--installation", sandbox.SentryInstallationUUID}
	code, first, stderr := runCLI(t, env, args...)
	if code != 0 || strings.TrimSpace(first) == "" {
		t.Fatalf("token: exit %d stdout %q stderr %q", code, first, stderr)
	}
	if n := srv.Count("POST", sentryAuthPath); n != 2 {
		t.Fatalf("authorization requests = %d, want 2 (login, reused code)", n)
	}
	code, refreshed, stderr := runCLI(t, env, append(args, "--min-ttl", "1000h")...)
	if code != 0 || refreshed == first {
		t.Fatalf("forced refresh: exit %d stdout %q (first %q) stderr %q", code, refreshed, first, stderr)
	}
	if n := srv.Count("POST", sentryAuthPath); n != 3 {
		t.Fatalf("authorization requests = %d, want 3", n)
	}

	code, stdout, stderr = runCLI(t, env, "--config", cfg, "app", "status")
	if code != 0 || !strings.Contains(stdout, "sentry-app  -     -   "+sandbox.SentryInstallationUUID) || strings.Contains(stdout, strings.TrimSpace(refreshed)) {
		t.Fatalf("status: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
}

func TestAppSentryErrors(t *testing.T) {
	_, env, cfg, _ := appSandbox(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"login without installation", []string{"app", "login", "sentry", "--code", "x"}, exitcode.Usage, "--installation is required"},
		{"login without code", []string{"app", "login", "sentry", "--installation", "u"}, exitcode.Usage, "--code or --code-env"},
		{"token never logged in", []string{"app", "token", "sentry", "--installation", "nope"}, exitcode.Auth, "app login sentry"},
		{"token with a negative --min-ttl", []string{"app", "token", "sentry", "--installation", "nope", "--min-ttl", "-1s"}, exitcode.Usage, "--min-ttl must not be negative"},
		{"wrong client secret", []string{"app", "login", "sentry", "--installation", sandbox.SentryInstallationUUID, "--code", sandbox.SentryInstallationCode}, exitcode.Usage, "client id or secret was refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, env, append([]string{"--config", cfg}, tt.args...)...)
			if code != tt.wantCode || stdout != "" || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d and %q", code, stdout, stderr, tt.wantCode, tt.wantErr)
			}
		})
	}
}

// sentryLogin stores the sandbox Sentry integration's token, with its client credentials in env.
func sentryLogin(t *testing.T, env map[string]string, cfg string) {
	t.Helper()
	env["AUTHCTL_SENTRY_CLIENT_ID"] = sandbox.SentryIntegrationClient
	env["AUTHCTL_SENTRY_CLIENT_SECRET"] = sandbox.SentryIntegrationSecret
	if code, _, stderr := runCLI(t, env, "--config", cfg, "app", "login", "sentry", "--installation", sandbox.SentryInstallationUUID, "--code", sandbox.SentryInstallationCode); code != 0 {
		t.Fatalf("app login sentry: exit %d: %s", code, stderr)
	}
}

// An expired integration token is refreshed once by parallel callers: the refresh rotates the
// refresh token, so a second refresh with the old one would fail at the sandbox.
func TestAppSentryParallelRefreshOnce(t *testing.T) {
	srv, env, cfg, _ := appSandbox(t)
	sentryLogin(t, env, cfg)
	st, err := store.Open(store.KindFile, store.StateDir(mapEnv(env)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cred := appTokenOf(t, st, credential.SentryAppKey(sandbox.SentryInstallationUUID))
	if err != nil {
		t.Fatal(err)
	}
	stale := cred.AccessToken
	cred.Expiry = time.Now().Add(-time.Minute)
	if err := st.Put(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
	srv.ResetCounts()

	tokens := runCLIConcurrently(t, env, 8, "--config", cfg, "app", "token", "sentry", "--installation", sandbox.SentryInstallationUUID)
	if n := srv.Count("POST", sentryAuthPath); n != 1 {
		t.Errorf("8 parallel calls on an expired token made %d refreshes, want 1", n)
	}
	for i, tok := range tokens {
		if tok != tokens[0] || strings.TrimSpace(tok) == stale {
			t.Errorf("call %d printed %q; want the one refreshed token %q, not the stale one", i, tok, tokens[0])
		}
	}
}

// Cached integration tokens share the store with logins: status leaves them to app status, and
// logout --all deletes them locally without asking a provider to revoke them.
func TestAppCredentialsInStatusAndLogout(t *testing.T) {
	_, env, cfg, keyFile := appSandbox(t)
	sentryLogin(t, env, cfg)
	if code, _, stderr := runCLI(t, env, "--config", cfg, "app", "token", "github", "--app-id", strconv.Itoa(sandbox.GitHubAppID), "--private-key-file", keyFile, "--org", sandbox.GitHubInstallationOrg); code != 0 {
		t.Fatalf("app token github: exit %d: %s", code, stderr)
	}

	code, stdout, stderr := runCLI(t, env, "--config", cfg, "status", "-o", "json")
	if code != 0 || !strings.Contains(stdout, `"accounts":[]`) {
		t.Errorf("status: exit %d stdout %q stderr %q; want no accounts (app credentials are app status's)", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, env, "--config", cfg, "logout", "--all")
	if code != 0 || strings.Count(stderr, "cached integration token is deleted locally") != 2 || stdout != "" {
		t.Fatalf("logout --all: exit %d stdout %q stderr %q; want both app credentials deleted", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, env, "--config", cfg, "app", "status", "-o", "json"); code != 0 || !strings.Contains(stdout, `"credentials":[]`) {
		t.Errorf("app status after logout --all: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
}

// --provider names a config entry of kind sentry for the integration's client credentials (and a
// self-hosted server's URLs), so the sentry entry of user logins stays as it is.
func TestAppSentryProviderEntry(t *testing.T) {
	srv, env, cfg, _ := appSandbox(t)
	addProviders(t, cfg, "  integration:\n    kind: sentry\n    client_id: "+sandbox.SentryIntegrationClient+
		"\n    client_secret_env: INTEGRATION_SECRET\n    auth_url: "+srv.URL()+"/oauth/authorize\n")
	env["INTEGRATION_SECRET"] = sandbox.SentryIntegrationSecret
	env["INSTALL_CODE"] = sandbox.SentryInstallationCode
	if code, _, stderr := runCLI(t, env, "--config", cfg, "app", "login", "sentry", "--provider", "integration", "--installation", sandbox.SentryInstallationUUID, "--code-env", "INSTALL_CODE"); code != 0 {
		t.Fatalf("login with --provider integration: exit %d: %s", code, stderr)
	}
	code, tok, stderr := runCLI(t, env, "--config", cfg, "app", "token", "sentry", "--provider", "integration", "--installation", sandbox.SentryInstallationUUID, "--min-ttl", "1000h")
	if code != 0 || strings.TrimSpace(tok) == "" {
		t.Fatalf("refresh with --provider integration: exit %d stdout %q stderr %q", code, tok, stderr)
	}
	if n := srv.Count("POST", sentryAuthPath); n != 2 {
		t.Errorf("authorization requests at the self-hosted URL = %d, want 2 (code, refresh)", n)
	}
	if code, _, stderr := runCLI(t, env, "--config", cfg, "app", "token", "sentry", "--provider", "github", "--installation", sandbox.SentryInstallationUUID, "--min-ttl", "1000h"); code != exitcode.Usage || !strings.Contains(stderr, "not sentry") {
		t.Errorf("--provider of another kind: exit %d stderr %q, want exit 2", code, stderr)
	}
}
