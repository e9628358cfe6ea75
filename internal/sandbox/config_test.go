package sandbox_test

import (
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
