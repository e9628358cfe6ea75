package provider

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc/oidctest"
	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
)

// oidcIssuerWithToken serves discovery and keys (oidctest) and a token
// endpoint that answers with an ID token signed by signer over claims(issuer).
func oidcIssuerWithToken(t *testing.T, signer *rsa.PrivateKey, claims func(issuer string) string, withIDToken bool) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	if signer == nil {
		signer = key
	}
	issuer := &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: key.Public(), KeyID: "k1", Algorithm: "RS256"}}}
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.Handle("/", issuer)
	mux.HandleFunc("/token", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		idToken := ""
		if withIDToken {
			idToken = fmt.Sprintf(`,"id_token":%q`, oidctest.SignIDToken(signer, "k1", "RS256", claims(srv.URL)))
		}
		fmt.Fprintf(w, `{"access_token":"at","token_type":"Bearer","expires_in":3600,"refresh_token":"rt"%s}`, idToken)
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	issuer.SetIssuer(srv.URL)
	cfg := &config.Config{Providers: map[string]config.Provider{"work": {Kind: "oidc", Issuer: srv.URL, ClientID: "authctl", ClientSecret: "s"}}}
	p, err := Resolve(context.Background(), cfg, "work", envOf(nil), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOIDCExchangeVerifiesIDToken(t *testing.T) {
	t.Parallel()
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	future, past := time.Now().Add(time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
	claimsWith := func(aud, nonce string, exp int64) func(string) string {
		return func(iss string) string {
			return fmt.Sprintf(`{"iss":%q,"aud":%q,"sub":"u-1","exp":%d,"iat":%d,"nonce":%q,"preferred_username":"ann"}`, iss, aud, exp, time.Now().Unix(), nonce)
		}
	}
	tests := []struct {
		name        string
		signer      *rsa.PrivateKey
		claims      func(string) string
		withIDToken bool
		wantCode    int
		wantMsg     string
	}{
		{"valid", nil, claimsWith("authctl", "n0nce", future), true, exitcode.OK, ""},
		{"wrong nonce", nil, claimsWith("authctl", "other", future), true, exitcode.Auth, "nonce does not match"},
		{"wrong audience", nil, claimsWith("someone-else", "n0nce", future), true, exitcode.Auth, "ID token rejected"},
		{"expired", nil, claimsWith("authctl", "n0nce", past), true, exitcode.Auth, "ID token rejected"},
		{"signed by another key", otherKey, claimsWith("authctl", "n0nce", future), true, exitcode.Auth, "ID token rejected"},
		{"no ID token", nil, claimsWith("authctl", "n0nce", future), false, exitcode.Provider, "no ID token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := oidcIssuerWithToken(t, tt.signer, tt.claims, tt.withIDToken)
			if got := strings.Join(p.Scopes, " "); got != "openid" {
				t.Errorf("default scopes = %q, want openid (offline_access is not advertised)", got)
			}
			if p.Endpoint.AuthStyle != oauth2.AuthStyleInHeader {
				t.Errorf("AuthStyle = %v, want Basic (the discovery default)", p.Endpoint.AuthStyle)
			}
			cred, err := p.Exchange(context.Background(), p.OAuth2("http://127.0.0.1:1/callback", nil), "code", "verifier", "n0nce")
			if code := exitcode.Of(err); code != tt.wantCode {
				t.Fatalf("exit code = %d, want %d (%v)", code, tt.wantCode, err)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.wantMsg) {
					t.Errorf("error = %q, want %q", err, tt.wantMsg)
				}
				return
			}
			if cred.UserID != "u-1" || cred.UserName != "ann" || cred.RefreshToken != "rt" {
				t.Errorf("credential = %+v", cred)
			}
		})
	}
}

func TestOIDCDiscoveryFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"not found", http.NotFound, "discovery at"},
		{"issuer mismatch", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"issuer":"https://evil.example","authorization_endpoint":"a","token_endpoint":"t","jwks_uri":"k"}`)
		}, `calls itself "https://evil.example"`},
		{"garbage", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{`) }, "discovery at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			cfg := &config.Config{Providers: map[string]config.Provider{"work": {Kind: "oidc", Issuer: srv.URL, ClientID: "c"}}}
			_, err := Resolve(context.Background(), cfg, "work", envOf(nil), srv.Client())
			if exitcode.Of(err) != exitcode.Provider || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v (exit %d), want exit 4 containing %q", err, exitcode.Of(err), tt.want)
			}
		})
	}
}
