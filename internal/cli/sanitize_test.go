package cli

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A provider's answer is outside text: a message with terminal escapes must
// reach stderr escaped, so it can neither set the title nor forge a line
// (issue 14 point 5).
func TestProviderErrorTextIsEscaped(t *testing.T) {
	t.Parallel()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("{\"message\":\"\\u001b]0;PWNED\\u0007\\u001b[2K\\r\\u2713 valid\"}"))
	}))
	defer api.Close()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("providers:\n  gh:\n    kind: github\n    client_id: x\n    api_url: "+api.URL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	env := map[string]string{"APP_KEY": keyPEM, "AUTHCTL_STORE": "file"}
	code, _, stderr := runCLI(t, env, "--config", cfg, "app", "token", "github", "--provider", "gh", "--app-id", "1", "--private-key-env", "APP_KEY", "--installation", "5")
	if code == 0 || strings.ContainsAny(stderr, "\x1b\a\r") {
		t.Fatalf("exit %d, stderr %q: want a failure with every control character escaped", code, stderr)
	}
	if !strings.Contains(stderr, `\x1b]0;PWNED`) {
		t.Fatalf("stderr %q does not show the provider's text escaped", stderr)
	}
}

// A user name a provider chose reaches status's table and whoami escaped: it
// cannot set the terminal title or forge a row (issue 14 point 5).
func TestStoredUserNameIsEscaped(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cred := w.login(t, "github")
	cred.UserName = "\x1b]0;PWNED\a\x1b[2K\rgithub  root"
	if err := w.store.Put(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := w.run(t, "status")
	if code != 0 || strings.ContainsAny(stdout+stderr, "\x1b\a\r") || !strings.Contains(stdout, `\x1b]0;PWNED`) {
		t.Fatalf("status: exit %d, stdout %q, stderr %q; want the name with its control characters escaped", code, stdout, stderr)
	}
}
