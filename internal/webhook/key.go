package webhook

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
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

// KeySource is the key material a user gave. Secret is read only when the
// scheme takes a shared secret, or when a key-pair scheme's public key was
// named as a secret source: a key pair never falls back to the default secret.
type KeySource struct {
	// Secret reads the shared secret (a flag's file or variable, or the default variable).
	Secret func() ([]byte, error)
	// SecretNamed reports that the secret's source was named explicitly.
	SecretNamed bool
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
		key, err := src.Secret()
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
		case src.SecretNamed:
			var err error
			if key, err = src.Secret(); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%s verifies with the application public key: give --public-key HEX (it is not the shared AUTHCTL_WEBHOOK_SECRET)", name)
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

// PublicKeyOf returns the public key, in hex, of a key-pair scheme's private key.
func PublicKeyOf(s Scheme, privateKey []byte) (string, error) {
	if s.Profile().Key != KeyPair {
		return "", fmt.Errorf("%s uses a shared secret, which has no public key", s.Name())
	}
	priv, err := DiscordPrivateKey(privateKey)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(priv.Public().(ed25519.PublicKey)), nil
}
