package webhook

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"runtime"
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
	secretFile, emptyFile := filepath.Join(t.TempDir(), "secret"), filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(secretFile, []byte("s3cret\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(emptyFile, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pub := "36d6164ea133cf20c6575d3da52c20e8a3674d1a10b5158c378a6e5c23372049"
	// secret gives v as the default variable, or as VAR when named is set.
	secret := func(v string, named bool) KeySource {
		src := KeySource{Getenv: func(k string) string { return map[string]string{SecretVar: v, "VAR": v}[k] }}
		if named {
			src.SecretEnv = "VAR"
		}
		return src
	}
	with := func(src KeySource, edit func(*KeySource)) KeySource { edit(&src); return src }
	tests := []struct {
		name, scheme string
		use          Use
		src          KeySource
		want         string // the key, or the error's text
		err          bool
	}{
		{"hmac secret", "github", Signing, secret("s", false), "s", false},
		{"hmac without secret", "github", Verifying, secret("", false), "no secret: use --secret-env VAR", true},
		{"hmac secret file, line end trimmed", "github", Signing, with(secret("", false), func(k *KeySource) { k.SecretFile = secretFile }), "s3cret", false},
		{"hmac secret file empty", "github", Signing, with(secret("s", false), func(k *KeySource) { k.SecretFile = emptyFile }), "secret file " + emptyFile + " is empty", true},
		{"hmac secret file missing", "github", Signing, with(secret("s", false), func(k *KeySource) { k.SecretFile = secretFile + ".nope" }), "read secret file", true},
		{"hmac without a way to read variables", "github", Signing, KeySource{}, "no secret: use --secret-env VAR", true},
		{"hmac named variable unset", "github", Verifying, with(secret("s", false), func(k *KeySource) { k.SecretEnv = "NOPE" }), "environment variable NOPE is empty or unset", true},
		{"hmac with private key", "github", Signing, with(secret("s", false), func(k *KeySource) { k.PrivateKeyFile = seed }), "--private-key-file is for discord", true},
		{"hmac with public key", "slack", Verifying, with(secret("s", false), func(k *KeySource) { k.PublicKey = pub }), "--public-key is for discord", true},
		{"standard secret not base64", "standard", Signing, secret("whsec_!!", false), "sign standard: unusable secret", true},
		{"discord verify with public key", "discord", Verifying, with(secret("s", false), func(k *KeySource) { k.PublicKey = pub }), pub, false},
		{"discord verify never takes the default secret", "discord", Verifying, secret(pub, false), "give --public-key HEX", true},
		{"discord verify from a named secret source", "discord", Verifying, secret(pub, true), pub, false},
		{"discord public key too short", "discord", Verifying, KeySource{PublicKey: "abcd"}, "verify discord: wrong key length", true},
		{"discord sign needs a key file", "discord", Signing, secret("s", false), "discord needs --private-key-file", true},
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

// TestWriteNewKey: a fresh key pair in a 0600 file, never over an existing
// one unless asked, and its public key is the one printed.
func TestWriteNewKey(t *testing.T) {
	t.Parallel()
	discord := mustLookup(t, "discord")
	path := filepath.Join(t.TempDir(), "k.pem")
	pub, err := WriteNewKey(discord, path, false, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	checkKeyFile(t, discord, path, pub)
	if _, err := WriteNewKey(discord, path, false, rand.Reader); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second write: %v, want os.ErrExist", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	pub2, err := WriteNewKey(discord, path, true, rand.Reader)
	if err != nil || pub2 == pub {
		t.Fatalf("overwrite: %v, new key %v", err, pub2 != pub)
	}
	checkKeyFile(t, discord, path, pub2)
	if _, err := WriteNewKey(mustLookup(t, "github"), filepath.Join(t.TempDir(), "g.pem"), false, rand.Reader); err == nil {
		t.Fatal("github: a key pair was written for a shared-secret scheme")
	}
}

// A link planted where keygen --force writes (in a shared directory, by
// another user) is refused: the private key is never written into the link's
// target, nor the target's mode changed.
func TestWriteNewKeyRefusesAPlantedLink(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no O_NOFOLLOW on Windows")
	}
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "k.pem")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	for _, overwrite := range []bool{false, true} {
		if _, err := WriteNewKey(mustLookup(t, "discord"), link, overwrite, rand.Reader); err == nil {
			t.Errorf("overwrite %v: the key was written through the link", overwrite)
		}
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "keep me" {
		t.Fatalf("the link's target was rewritten (%d bytes now, %v)", len(b), err)
	}
	if info, err := os.Stat(victim); err != nil || info.Mode().Perm() != 0o644 {
		t.Fatalf("the link's target mode: %v (%v), want 0644 untouched", info.Mode().Perm(), err)
	}
}

func checkKeyFile(t *testing.T, s Scheme, path, pub string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v, want mode 0600", info, err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(data), "-----BEGIN PRIVATE KEY-----") {
		t.Fatalf("key file is not PEM PKCS#8: %v", err)
	}
	if got, err := PublicKeyOfFile(s, path); err != nil || got != pub {
		t.Fatalf("public key of the file %s %v, want %s", got, err, pub)
	}
}

func TestPublicKeyOfFileErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.pem")
	if _, err := PublicKeyOfFile(mustLookup(t, "github"), missing); err == nil || !strings.Contains(err.Error(), "github uses a shared secret") {
		t.Errorf("github: %v", err)
	}
	if _, err := PublicKeyOfFile(mustLookup(t, "discord"), missing); err == nil || !strings.Contains(err.Error(), "read private key") {
		t.Errorf("missing file: %v", err)
	}
}
