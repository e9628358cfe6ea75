package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	oidcTokenLifetime = time.Hour
	oidcPath          = "/oidc"
	oidcKeyID         = "sandbox-1"
)

// idTokenSigner holds the issuer's RS256 key, made on first use so that
// start-up stays fast.
type idTokenSigner struct {
	once   sync.Once
	key    *rsa.PrivateKey
	signer jose.Signer
	err    error
}

func (k *idTokenSigner) init() error {
	k.once.Do(func() {
		if k.key, k.err = rsa.GenerateKey(rand.Reader, 2048); k.err != nil {
			return
		}
		k.signer, k.err = jose.NewSigner(
			jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.key, KeyID: oidcKeyID}},
			(&jose.SignerOptions{}).WithType("JWT"))
	})
	return k.err
}

// oidcIssuer is the issuer URL as the client reaches it.
func oidcIssuer(r *http.Request) string { return baseURL(r) + oidcPath }

func (s *Server) oidcRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+oidcPath+"/.well-known/openid-configuration", s.oidcDiscovery)
	mux.HandleFunc("GET "+oidcPath+"/jwks", s.oidcJWKS)
	mux.HandleFunc("GET "+oidcPath+"/authorize", s.authorize(KindOIDC, KindOIDC, oidcIssuer))
	mux.HandleFunc("POST "+oidcPath+"/token", s.oidcToken)
	mux.HandleFunc("GET "+oidcPath+"/userinfo", s.oidcUserinfo)
	mux.HandleFunc("POST "+oidcPath+"/userinfo", s.oidcUserinfo) // OIDC Core §5.3.1: GET and POST
	mux.HandleFunc("POST "+oidcPath+"/revoke", s.oidcRevoke)
}

func (s *Server) oidcDiscovery(w http.ResponseWriter, r *http.Request) {
	iss := oidcIssuer(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": iss, "authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token",
		"userinfo_endpoint": iss + "/userinfo", "jwks_uri": iss + "/jwks", "revocation_endpoint": iss + "/revoke",
		"scopes_supported": []string{"openid", "profile", "email", "offline_access"}, "response_types_supported": []string{"code"},
		"grant_types_supported": []string{"authorization_code", "refresh_token"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"client_secret_basic", "client_secret_post", "none"},
		"authorization_response_iss_parameter_supported": true,
		"claims_supported":                               []string{"sub", "iss", "aud", "exp", "iat", "nonce", "name", "preferred_username", "email", "email_verified"},
	})
}

func (s *Server) oidcJWKS(w http.ResponseWriter, r *http.Request) {
	if err := s.signer.init(); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &s.signer.key.PublicKey, KeyID: oidcKeyID, Algorithm: string(jose.RS256), Use: "sig"}}})
}

func oidcOAuthError(w http.ResponseWriter, e *oauthError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="sandbox"`)
	}
	writeJSON(w, e.status, map[string]string{"error": e.code, "error_description": e.desc})
}

// oidcClient authenticates by client_secret_basic, client_secret_post or,
// for a public client, client_id alone; never by two methods at once.
func (s *Server) oidcClient(w http.ResponseWriter, r *http.Request) (*tokenRequest, *App, bool) {
	tr, err := parseTokenRequest(w, r)
	if err != nil || tr.isJSON {
		oidcOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded"})
		return nil, nil, false
	}
	if tr.hasBasic && tr.form.Has("client_secret") {
		oidcOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", "client authenticated by more than one method"})
		return nil, nil, false
	}
	app := s.app(KindOIDC, tr.clientID())
	if app == nil || !tr.secretOK(app) {
		oidcOAuthError(w, &oauthError{http.StatusUnauthorized, "invalid_client", "client authentication failed"})
		return nil, nil, false
	}
	return tr, app, true
}

func (s *Server) oidcToken(w http.ResponseWriter, r *http.Request) {
	tr, app, ok := s.oidcClient(w, r)
	if !ok {
		return
	}
	var g *grant
	var oerr *oauthError
	switch gt := tr.form.Get("grant_type"); gt {
	case "authorization_code":
		var c *authCode
		if c, oerr = s.redeemCode(app, tr); oerr == nil {
			g = c.used
		}
	case "refresh_token":
		g, oerr = s.rotate(app, tr.form.Get("refresh_token"), false)
	default:
		oerr = &oauthError{http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported", gt)}
	}
	if oerr != nil {
		oidcOAuthError(w, oerr)
		return
	}
	refreshLifetime := time.Duration(-1) // refresh tokens only with offline_access
	if hasScope(g, "offline_access") {
		refreshLifetime = 0
	}
	t := s.issue(g, s.lifetime(oidcTokenLifetime), "", "", refreshLifetime)
	nonce := g.nonce
	if tr.form.Get("grant_type") == "refresh_token" {
		nonce = "" // a refreshed ID token carries no nonce (OIDC Core §12.2)
	}
	idToken, err := s.idToken(oidcIssuer(r), g.user.ID, g, nonce, t.lifetime, nil)
	if err != nil {
		oidcOAuthError(w, &oauthError{http.StatusInternalServerError, "server_error", err.Error()})
		return
	}
	out := map[string]any{
		"access_token": t.access.value, "token_type": "Bearer", "expires_in": int(t.lifetime.Seconds()),
		"scope": strings.Join(g.scopes, " "), "id_token": idToken,
	}
	if t.refresh != nil {
		out["refresh_token"] = t.refresh.value
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// idToken signs an RS256 ID token for g.
// subject is the sub claim; claims are added to the standard ones.
func (s *Server) idToken(issuer, subject string, g *grant, nonce string, lifetime time.Duration, claims map[string]any) (string, error) {
	if err := s.signer.init(); err != nil {
		return "", fmt.Errorf("signing key: %w", err)
	}
	now := s.now()
	std := jwt.Claims{
		Issuer: issuer, Subject: subject, Audience: jwt.Audience{g.app.ClientID},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(lifetime)),
	}
	extra := map[string]any{"auth_time": now.Unix(), "preferred_username": g.user.Username}
	for k, v := range claims {
		extra[k] = v
	}
	if nonce != "" {
		extra["nonce"] = nonce
	}
	if hasScope(g, "profile") {
		extra["name"] = g.user.Name
	}
	if hasScope(g, "email") {
		extra["email"], extra["email_verified"] = g.user.Email, true
	}
	return jwt.Signed(s.signer.signer).Claims(std).Claims(extra).Serialize()
}

func (s *Server) oidcUserinfo(w http.ResponseWriter, r *http.Request) {
	t, state := s.lookupAccess(bearer(r))
	if state != tokenValid || t.grant.app.Kind != KindOIDC || !hasScope(t.grant, "openid") {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "the access token is invalid or expired"})
		return
	}
	u := t.grant.user
	out := map[string]any{"sub": u.ID, "preferred_username": u.Username}
	if hasScope(t.grant, "profile") {
		out["name"] = u.Name
	}
	if hasScope(t.grant, "email") {
		out["email"], out["email_verified"] = u.Email, true
	}
	writeJSON(w, http.StatusOK, out)
}

// oidcRevoke is RFC 7009: 200 for known and unknown tokens alike.
func (s *Server) oidcRevoke(w http.ResponseWriter, r *http.Request) {
	tr, app, ok := s.oidcClient(w, r)
	if !ok {
		return
	}
	if tr.form.Get("token") == "" {
		oidcOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", "token is required"})
		return
	}
	if hint := tr.form.Get("token_type_hint"); hint != "" && !slices.Contains([]string{"access_token", "refresh_token"}, hint) {
		oidcOAuthError(w, &oauthError{http.StatusBadRequest, "unsupported_token_type", "token_type_hint must be access_token or refresh_token"})
		return
	}
	s.revokeToken(app, tr.form.Get("token"), false)
	w.WriteHeader(http.StatusOK)
}
