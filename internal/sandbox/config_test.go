package sandbox_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// ConfigYAML follows the seed: the Discord app's registered port, public
// clients without a secret, and only the kinds the seed has.
func TestConfigYAMLFollowsSeed(t *testing.T) {
	t.Parallel()
	seed, err := sandbox.LoadSeed(filepath.Join("testdata", "seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	srv := sandboxtest.Start(t, sandboxtest.WithSeed(seed))
	yaml := srv.ConfigYAML()
	for _, want := range []string{
		"redirect_ports: [50000]", `client_id: "555"`, `client_secret: "five"`,
		`client_id: "cli"`, `issuer: "` + srv.URL() + `/oidc"`, `api_url: "` + srv.URL() + `/api/v10"`,
	} {
		if !strings.Contains(yaml, want) {
			t.Errorf("config lacks %q:\n%s", want, yaml)
		}
	}
	for _, absent := range []string{"github:", "slack:", "sentry:"} {
		if strings.Contains(yaml, absent) {
			t.Errorf("config has %q though the seed has no such app", absent)
		}
	}
	if strings.Count(yaml, "client_secret") != 1 {
		t.Errorf("the public OIDC client got a secret:\n%s", yaml)
	}
}

// WriteConfig puts the default file in a fresh 0700 directory as a 0600 file
// beside its own state directory, and refuses a path that is a symlink
// (another user could plant one), leaving the target alone and no state
// directory behind.
func TestWriteConfig(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	path, err := srv.WriteConfig(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode() != 0o600 {
		t.Fatalf("config %s: %v; want a regular 0600 file", path, err)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("config directory: %v; want 0700", err)
	}
	body, err := os.ReadFile(path)
	if want := "store: file\nstate_dir: \"" + filepath.Join(filepath.Dir(path), "state") + "\"\n"; err != nil || !strings.HasPrefix(string(body), want) {
		t.Fatalf("config begins %.80q (%v); want %q", body, err, want)
	}

	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "sandbox.yaml")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	tempDir := t.TempDir()
	if _, err := srv.WriteConfig(tempDir, link); err == nil || !strings.HasPrefix(err.Error(), "write config: ") {
		t.Fatalf("WriteConfig through a symlink: %v; want a write config error", err)
	}
	if left, err := os.ReadDir(tempDir); err != nil || len(left) != 0 {
		t.Fatalf("after the refused write, %s holds %v (%v); want the state directory removed", tempDir, left, err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Fatalf("the symlink's target was overwritten: %q", b)
	}
}
