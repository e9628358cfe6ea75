package webhook

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/authctl/authctl/internal/nofollow"
)

// Use says what a key is for.
type Use int

const (
	Signing Use = iota
	Verifying
)

func (u Use) String() string {
	if u == Signing {
		return "sign"
	}
	return "verify"
}

// SecretVar is the variable that holds the shared secret when no source is named.
const SecretVar = "AUTHCTL_WEBHOOK_SECRET"

// KeySource is the key material a user gave. The secret is read only when the
// scheme takes a shared secret, or when a key-pair scheme's public key was
// named as a secret source: a key pair never falls back to SecretVar.
type KeySource struct {
	// SecretFile holds the secret; a trailing newline is trimmed.
	SecretFile string
	// SecretEnv names the variable that holds the secret.
	SecretEnv string
	// Getenv reads SecretEnv and SecretVar; nil reads no variables.
	Getenv func(string) string
	// PrivateKeyFile holds a key-pair scheme's private key (PEM PKCS#8 or hex seed).
	PrivateKeyFile string
	// PublicKey is a key-pair scheme's public key in hex.
	PublicKey string
}

// SelectKey returns the key s needs for use: the shared secret, or for a
// key-pair scheme the private key (signing) or the public key (verifying).
// It is the one place that decides which source applies and refuses a key
// that could never work, so every error is a usage problem.
func SelectKey(s Scheme, use Use, src KeySource) ([]byte, error) {
	p := s.Profile()
	name := s.Name()
	if p.Key == SharedSecret {
		switch {
		case src.PrivateKeyFile != "":
			return nil, fmt.Errorf("--private-key-file is for discord; %s uses a shared secret", name)
		case src.PublicKey != "":
			return nil, fmt.Errorf("--public-key is for discord; %s uses a shared secret", name)
		}
		key, err := src.secret()
		if err != nil {
			return nil, err
		}
		if p.CheckKey != nil {
			if err := p.CheckKey(key, use); err != nil {
				return nil, fmt.Errorf("%s %s: %w", use, name, err)
			}
		}
		return key, nil
	}
	if use == Verifying {
		key := []byte(src.PublicKey)
		switch {
		case src.PublicKey != "":
		case src.SecretFile != "" || src.SecretEnv != "":
			var err error
			if key, err = src.secret(); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%s verifies with the application public key: give --public-key HEX (it is not the shared %s)", name, SecretVar)
		}
		if _, err := DiscordPublicKey(key); err != nil {
			return nil, fmt.Errorf("%s %s: %w", use, name, err)
		}
		return key, nil
	}
	if src.PrivateKeyFile == "" {
		return nil, fmt.Errorf("%s needs --private-key-file (make one with: authctl webhook keygen %s)", name, name)
	}
	data, err := os.ReadFile(src.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	if _, err := DiscordPrivateKey(data); err != nil {
		return nil, fmt.Errorf("%s %s: %w", use, name, err)
	}
	return data, nil
}

// secret reads SecretFile, SecretEnv or SecretVar, the first one given.
func (src KeySource) secret() ([]byte, error) {
	if src.Getenv == nil {
		src.Getenv = func(string) string { return "" }
	}
	switch {
	case src.SecretFile != "":
		data, err := os.ReadFile(src.SecretFile)
		if err != nil {
			return nil, fmt.Errorf("read secret file: %w", err)
		}
		data = []byte(strings.TrimRight(string(data), "\r\n"))
		if len(data) == 0 {
			return nil, fmt.Errorf("secret file %s is empty", src.SecretFile)
		}
		return data, nil
	case src.SecretEnv != "":
		v := src.Getenv(src.SecretEnv)
		if v == "" {
			return nil, fmt.Errorf("environment variable %s is empty or unset", src.SecretEnv)
		}
		return []byte(v), nil
	}
	if v := src.Getenv(SecretVar); v != "" {
		return []byte(v), nil
	}
	return nil, fmt.Errorf("no secret: use --secret-env VAR, --secret-file FILE or set %s", SecretVar)
}

// PublicKeyOfFile returns the public key, in hex, of a key-pair scheme's
// private key in path (PEM PKCS#8 or hex seed).
func PublicKeyOfFile(s Scheme, path string) (string, error) {
	if s.Profile().Key != KeyPair {
		return "", fmt.Errorf("%s uses a shared secret, which has no public key", s.Name())
	}
	privateKey, err := SelectKey(s, Signing, KeySource{PrivateKeyFile: path})
	if err != nil {
		return "", err
	}
	priv, err := DiscordPrivateKey(privateKey)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(priv.Public().(ed25519.PublicKey)), nil
}

// WriteNewKey makes a key pair for key-pair scheme s, writes the private key
// (PEM PKCS#8) to path with mode 0600 and returns the public key in hex. An
// existing file is an error wrapping os.ErrExist unless overwrite.
func WriteNewKey(s Scheme, path string, overwrite bool, rand io.Reader) (pubHex string, err error) {
	if s.Profile().Key != KeyPair {
		return "", fmt.Errorf("%s uses a shared secret, which is not generated", s.Name())
	}
	privPEM, pubHex, err := NewDiscordKey(rand)
	if err != nil {
		return "", err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if overwrite {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC | nofollow.Flag // never the target of a planted link
	}
	file, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return "", err
	}
	if err := file.Chmod(0o600); err != nil { // an overwritten file keeps its old mode otherwise
		file.Close()
		return "", err
	}
	if _, err := file.Write(privPEM); err != nil {
		file.Close()
		return "", err
	}
	return pubHex, file.Close()
}

// NamesWithKey lists, sorted, the providers whose scheme takes a key of kind.
func NamesWithKey(kind KeyKind) []string {
	var names []string
	for _, n := range Names() {
		if schemes[n].Profile().Key == kind {
			names = append(names, n)
		}
	}
	return names
}
