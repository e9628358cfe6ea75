// Package app mints credentials for integrations (GitHub Apps, Sentry integrations) rather than people.
package app

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
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

// AppJWT signs the RS256 JWT a GitHub App presents to the /app endpoints.
func AppJWT(appID string, key *rsa.PrivateKey, now time.Time) (string, error) {
	if appID == "" {
		return "", exitcode.New(exitcode.Usage, errors.New("app id is required"))
	}
	if _, err := strconv.ParseInt(appID, 10, 64); err != nil {
		return "", exitcode.Errorf(exitcode.Usage, "app id %q is not a number", appID)
	}
	iat := now.Add(-clockSkewAllowance)
	claims := jwt.RegisteredClaims{
		Issuer:    appID,
		IssuedAt:  jwt.NewNumericDate(iat),
		ExpiresAt: jwt.NewNumericDate(iat.Add(jwtLifetime)),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign app JWT: %w", err)
	}
	return signed, nil
}
