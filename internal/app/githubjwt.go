// Package app mints credentials for integrations (GitHub Apps, Sentry integrations) rather than people.
package app

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authctl/authctl/internal/exitcode"
)

// clockSkewAllowance backdates iat so a server whose clock runs slightly behind still accepts the JWT.
const clockSkewAllowance = 60 * time.Second

// jwtLifetime stays under GitHub's 10-minute maximum, counted from the backdated iat.
const jwtLifetime = 9 * time.Minute

// ParsePrivateKey reads a PKCS#1 or PKCS#8 RSA private key in PEM; every failure is a usage error (exit 2).
func ParsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, exitcode.Errorf(exitcode.Usage, "private key: not a PEM block")
	}
	//nolint:staticcheck // detecting legacy encrypted PEM only to refuse it
	if x509.IsEncryptedPEMBlock(block) || block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, exitcode.Errorf(exitcode.Usage, "private key: encrypted keys are not supported; decrypt it first")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, exitcode.New(exitcode.Usage, fmt.Errorf("private key: %w", err))
		}
		return key, nil
	case "PRIVATE KEY":
		parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, exitcode.New(exitcode.Usage, fmt.Errorf("private key: %w", err))
		}
		key, ok := parsed.(*rsa.PrivateKey)
		if !ok {
			return nil, exitcode.Errorf(exitcode.Usage, "private key: %T is not an RSA key; GitHub Apps use RS256", parsed)
		}
		return key, nil
	default:
		return nil, exitcode.Errorf(exitcode.Usage, "private key: PEM type %q is not an RSA private key", block.Type)
	}
}

// IssuerOf is the JWT issuer of the app given by exactly one of its app id and its client ID
// (exit 2 otherwise), checked by Issuer.
func IssuerOf(appID, clientID string) (string, error) {
	switch {
	case appID != "" && clientID != "":
		return "", exitcode.Errorf(exitcode.Usage, "give --app-id or --client-id, not both")
	case appID == "" && clientID == "":
		return "", exitcode.Errorf(exitcode.Usage, "give the app's --app-id or --client-id")
	}
	iss := appID + clientID
	return iss, Issuer(iss)
}

// Issuer checks the JWT issuer of a GitHub App: its numeric app id or, as GitHub now
// recommends ("Generating a JWT for a GitHub App", changelog 2024-05-01), its client ID
// (Iv1.… or Iv23…). Every failure is a usage error (exit 2).
func Issuer(iss string) error {
	if iss == "" {
		return exitcode.New(exitcode.Usage, errors.New("app id or client id is required"))
	}
	if _, err := strconv.ParseInt(iss, 10, 64); err == nil {
		return nil
	}
	if strings.HasPrefix(iss, "Iv") && strings.IndexFunc(iss, notClientIDRune) < 0 {
		return nil
	}
	return exitcode.Errorf(exitcode.Usage, "%q is neither a GitHub App id (a number) nor a client ID (Iv1.… or Iv23…)", iss)
}

// notClientIDRune is a character that never appears in a GitHub App client ID.
func notClientIDRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.')
}

// AppJWT signs the RS256 JWT a GitHub App presents to the /app endpoints; iss is the app id or
// client ID (see Issuer).
func AppJWT(iss string, key *rsa.PrivateKey, now time.Time) (string, error) {
	if err := Issuer(iss); err != nil {
		return "", err
	}
	iat := now.Add(-clockSkewAllowance)
	claims := jwt.RegisteredClaims{
		Issuer:    iss,
		IssuedAt:  jwt.NewNumericDate(iat),
		ExpiresAt: jwt.NewNumericDate(iat.Add(jwtLifetime)),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign app JWT: %w", err)
	}
	return signed, nil
}
