package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"

	"github.com/authctl/authctl/internal/exitcode"
)

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestAppJWTClaimsAndSignatureCheckedByGoJose(t *testing.T) {
	t.Parallel()
	key := rsaKey(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	signed, err := AppJWT("12345", key, now)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := josejwt.ParseSigned(signed, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("go-jose parse: %v", err)
	}
	var claims josejwt.Claims
	if err := parsed.Claims(&key.PublicKey, &claims); err != nil {
		t.Fatalf("signature does not verify with the app's public key: %v", err)
	}
	if claims.Issuer != "12345" {
		t.Errorf("iss = %q, want 12345", claims.Issuer)
	}
	if got, want := claims.IssuedAt.Time(), now.Add(-60*time.Second); !got.Equal(want) {
		t.Errorf("iat = %v, want %v (60 s in the past)", got, want)
	}
	if life := claims.Expiry.Time().Sub(claims.IssuedAt.Time()); life > 10*time.Minute || life <= 0 {
		t.Errorf("exp - iat = %v, want within (0, 10m]", life)
	}
	if !claims.Expiry.Time().After(now) {
		t.Errorf("exp %v is not after now %v", claims.Expiry.Time(), now)
	}
	if err := claims.Validate(josejwt.Expected{Issuer: "12345", Time: now}); err != nil {
		t.Errorf("go-jose validation at now: %v", err)
	}

	var other josejwt.Claims
	if err := parsed.Claims(&rsaKey(t).PublicKey, &other); err == nil {
		t.Error("signature verified with an unrelated key")
	}
}

func TestAppJWTRejectsBadAppID(t *testing.T) {
	t.Parallel()
	key := rsaKey(t)
	for _, id := range []string{"", "abc", "12 3"} {
		_, err := AppJWT(id, key, time.Now())
		if err == nil || exitcode.Of(err) != exitcode.Usage {
			t.Errorf("AppJWT(%q) = %v, want a usage error", id, err)
		}
	}
}

func TestParsePrivateKey(t *testing.T) {
	t.Parallel()
	key := rsaKey(t)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPKCS8, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	ecSEC1, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	encode := func(typ string, b []byte, headers map[string]string) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: b})
	}
	tests := []struct {
		name    string
		pem     []byte
		wantErr string
	}{
		{"pkcs1", encode("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), nil), ""},
		{"pkcs8", encode("PRIVATE KEY", pkcs8, nil), ""},
		{"not pem", []byte("-----not a key-----\n"), "not a PEM block"},
		{"empty", nil, "not a PEM block"},
		{"ec in pkcs8", encode("PRIVATE KEY", ecPKCS8, nil), "not an RSA key"},
		{"ec sec1", encode("EC PRIVATE KEY", ecSEC1, nil), `PEM type "EC PRIVATE KEY" is not an RSA private key`},
		{"certificate", encode("CERTIFICATE", []byte{1, 2, 3}, nil), `PEM type "CERTIFICATE"`},
		{"pkcs8 encrypted", encode("ENCRYPTED PRIVATE KEY", []byte{1, 2, 3}, nil), "encrypted keys are not supported"},
		{"legacy encrypted", encode("RSA PRIVATE KEY", []byte{1, 2, 3}, map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00112233445566778899AABBCCDDEEFF"}), "encrypted keys are not supported"},
		{"corrupt pkcs1", encode("RSA PRIVATE KEY", []byte{1, 2, 3}, nil), "private key: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePrivateKey(tt.pem)
			if tt.wantErr == "" {
				if err != nil || got == nil || !got.Equal(key) {
					t.Fatalf("ParsePrivateKey = %v, %v; want the key", got, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParsePrivateKey succeeded, want error containing %q", tt.wantErr)
			}
			if code := exitcode.Of(err); code != exitcode.Usage {
				t.Errorf("exit code = %d, want %d", code, exitcode.Usage)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line containing %q", err, tt.wantErr)
			}
		})
	}
}

// The issuer is the app id or the client ID, exactly one of them, and a valid one.
func TestIssuerOf(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ appID, clientID, want, err string }{
		{"424242", "", "424242", ""},
		{"", "Iv23abc", "Iv23abc", ""},
		{"1", "Iv23abc", "", "give --app-id or --client-id, not both"},
		{"", "", "", "give the app's --app-id or --client-id"},
		{"x y", "", "", `"x y" is neither a GitHub App id (a number) nor a client ID (Iv1.… or Iv23…)`},
	} {
		got, err := IssuerOf(tt.appID, tt.clientID)
		if tt.err == "" && (err != nil || got != tt.want) || tt.err != "" && (exitcode.Of(err) != exitcode.Usage || err.Error() != tt.err) {
			t.Errorf("IssuerOf(%q, %q) = %q, %v", tt.appID, tt.clientID, got, err)
		}
	}
}
