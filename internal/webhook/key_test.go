package webhook

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSelectKey: one decision for every command — which source serves, and
// which keys are refused before anything is signed or received.
func TestSelectKey(t *testing.T) {
	t.Parallel()
	seed := filepath.Join(t.TempDir(), "seed")
	if err := os.WriteFile(seed, []byte(strings.Repeat("1f", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	pub := "36d6164ea133cf20c6575d3da52c20e8a3674d1a10b5158c378a6e5c23372049"
	secret := func(v string) func() ([]byte, error) {
		return func() ([]byte, error) {
			if v == "" {
				return nil, errors.New("no secret")
			}
			return []byte(v), nil
		}
	}
	tests := []struct {
		name, scheme string
		use          Use
		src          KeySource
		want         string // the key, or the error's text
		err          bool
	}{
		{"hmac secret", "github", Signing, KeySource{Secret: secret("s")}, "s", false},
		{"hmac without secret", "github", Verifying, KeySource{Secret: secret("")}, "no secret", true},
		{"hmac with private key", "github", Signing, KeySource{Secret: secret("s"), PrivateKeyFile: seed}, "--private-key-file is for discord", true},
		{"hmac with public key", "slack", Verifying, KeySource{Secret: secret("s"), PublicKey: pub}, "--public-key is for discord", true},
		{"standard secret not base64", "standard", Signing, KeySource{Secret: secret("whsec_!!")}, "sign standard: unusable secret", true},
		{"discord verify with public key", "discord", Verifying, KeySource{Secret: secret("s"), PublicKey: pub}, pub, false},
		{"discord verify never takes the default secret", "discord", Verifying, KeySource{Secret: secret(pub)}, "give --public-key HEX", true},
		{"discord verify from a named secret source", "discord", Verifying, KeySource{Secret: secret(pub), SecretNamed: true}, pub, false},
		{"discord public key too short", "discord", Verifying, KeySource{PublicKey: "abcd"}, "verify discord: wrong key length", true},
		{"discord sign needs a key file", "discord", Signing, KeySource{Secret: secret("s")}, "discord needs --private-key-file", true},
		{"discord sign with a seed", "discord", Signing, KeySource{PrivateKeyFile: seed}, strings.Repeat("1f", 32), false},
		{"discord sign key file missing", "discord", Signing, KeySource{PrivateKeyFile: seed + ".nope"}, "read private key", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, err := SelectKey(mustLookup(t, tt.scheme), tt.use, tt.src)
			if tt.err {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err %v, want one containing %q", err, tt.want)
				}
				return
			}
			if err != nil || string(key) != tt.want {
				t.Fatalf("key %q err %v, want %q", key, err, tt.want)
			}
		})
	}
}

func TestNewDeliveryIDShapes(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]int{"github": 36, "standard": 30, "sentry": 32} {
		if id := NewDeliveryID(mustLookup(t, name)); len(id) != want {
			t.Errorf("%s id %q: %d characters, want %d", name, id, len(id), want)
		}
	}
}
