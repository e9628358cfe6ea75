package sandbox

import (
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	installationTokenLifetime = time.Hour
	maxAppJWTLifetime         = 10 * time.Minute
	clockSkew                 = 60 * time.Second
	installCodeLifetime       = 10 * time.Minute // Sentry's ApiGrant DEFAULT_EXPIRATION
	githubDocsURL             = "https://docs.github.com/rest"
)

func (s *Server) installationRoutes(mux *http.ServeMux) {
	for _, prefix := range []string{"", "/api/v3"} {
		mux.HandleFunc("POST "+prefix+"/app/installations/{id}/access_tokens", s.githubInstallationToken)
		mux.HandleFunc("GET "+prefix+"/repos/{owner}/{repo}/installation", s.githubFindInstallation)
		mux.HandleFunc("GET "+prefix+"/orgs/{org}/installation", s.githubFindInstallation)
		mux.HandleFunc("GET "+prefix+"/users/{username}/installation", s.githubFindInstallation)
	}
	mux.HandleFunc("POST /api/0/sentry-app-installations/{uuid}/authorizations/", s.sentryIntegrationToken)
}

// parseRSAPublicKey reads a PEM RSA public key (PKIX or PKCS#1).
func parseRSAPublicKey(pemText string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if key, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
		return key, nil
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	rsaKey, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("not an RSA public key")
	}
	return rsaKey, nil
}

func githubMessage(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"message": message, "documentation_url": githubDocsURL, "status": strconv.Itoa(status)})
}

// githubAppJWT authenticates a GitHub App by its RS256 JWT: iss is the app
// id (or client id), exp at most 10 minutes after iat and in the future.
func (s *Server) githubAppJWT(w http.ResponseWriter, r *http.Request) (*App, bool) {
	raw := bearer(r)
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if raw == "" || err != nil {
		githubMessage(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		return nil, false
	}
	var claims struct {
		Issuer   any              `json:"iss"`
		IssuedAt *jwt.NumericDate `json:"iat"`
		Expiry   *jwt.NumericDate `json:"exp"`
	}
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
		githubMessage(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		return nil, false
	}
	iss := fmt.Sprint(claims.Issuer)
	app := s.appByIssuer(iss)
	if _, err := strconv.ParseInt(iss, 10, 64); app == nil && err == nil {
		// fidelity: github-app-unknown-id
		githubMessage(w, http.StatusNotFound, "Integration not found")
		return nil, false
	}
	if app == nil {
		githubMessage(w, http.StatusUnauthorized, "'Issuer' claim ('iss') must be an Integer")
		return nil, false
	}
	key, err := parseRSAPublicKey(app.PublicKeyPEM)
	if err != nil || tok.Claims(key, &claims) != nil {
		githubMessage(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		return nil, false
	}
	now := s.now()
	switch {
	case claims.IssuedAt == nil || claims.Expiry == nil:
		githubMessage(w, http.StatusUnauthorized, "'Issued at' and 'Expiration time' claims are required")
	case claims.IssuedAt.Time().After(now.Add(clockSkew)):
		githubMessage(w, http.StatusUnauthorized, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued")
	case !claims.Expiry.Time().After(now):
		githubMessage(w, http.StatusUnauthorized, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires")
	case claims.Expiry.Time().Sub(claims.IssuedAt.Time()) > maxAppJWTLifetime:
		githubMessage(w, http.StatusUnauthorized, "'Expiration time' claim ('exp') is too far in the future")
	default:
		return app, true
	}
	return nil, false
}

// appByIssuer finds a GitHub App by app id or client id; one without a
// public key then fails the signature check.
func (s *Server) appByIssuer(iss string) *App {
	for i := range s.seed.Apps {
		a := &s.seed.Apps[i]
		if a.Kind == KindGitHub && (iss == a.ClientID || a.AppID != 0 && iss == strconv.FormatInt(a.AppID, 10)) {
			return a
		}
	}
	return nil
}

func (s *Server) installationObject(r *http.Request, in *Installation, app *App) map[string]any {
	account, _, _ := strings.Cut(in.Account, "/")
	return map[string]any{
		"id": in.ID, "app_id": app.AppID, "client_id": app.ClientID, "target_type": accountType(in),
		"account":              map[string]any{"login": account, "type": accountType(in)},
		"access_tokens_url":    baseURL(r) + "/app/installations/" + strconv.FormatInt(in.ID, 10) + "/access_tokens",
		"repository_selection": repositorySelection(in), "permissions": grantedPermissions(in),
	}
}

// GitHub's 422 messages when a token request asks for more than the installation has.
const (
	notInInstallation = "There is at least one repository that does not exist or is not accessible to the parent installation."
	notGranted        = "The permissions requested are not granted to this installation."
)

// permissionLevels orders GitHub's permission levels.
var permissionLevels = map[string]int{"read": 1, "write": 2, "admin": 3}

// repositorySelection is "selected" for an installation limited to some repositories, else "all".
func repositorySelection(in *Installation) string {
	if len(in.Repositories) > 0 {
		return "selected"
	}
	return "all"
}

func grantedPermissions(in *Installation) map[string]string {
	if len(in.Permissions) == 0 {
		return map[string]string{"contents": "read", "metadata": "read"}
	}
	return in.Permissions
}

// coversRepository tells whether an installation covers the repository name (without owner).
func coversRepository(in *Installation, name string) bool {
	if len(in.Repositories) == 0 {
		return true
	}
	for _, r := range in.Repositories {
		if strings.EqualFold(r, name) {
			return true
		}
	}
	return false
}

// githubInstallationToken is POST /app/installations/{id}/access_tokens: 201
// with a ghs_ token valid one hour. An optional JSON body narrows it to some
// repositories (by name) and permissions; asking for a repository the
// installation does not cover, or a permission above its grant, is a 422.
func (s *Server) githubInstallationToken(w http.ResponseWriter, r *http.Request) {
	app, ok := s.githubAppJWT(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var in *Installation
	for i := range s.seed.Installations {
		if c := &s.seed.Installations[i]; c.Kind == KindGitHub && c.ID == id && c.ClientID == app.ClientID {
			in = c
		}
	}
	if in == nil {
		githubMessage(w, http.StatusNotFound, "Not Found")
		return
	}
	var narrow struct {
		Repositories []string          `json:"repositories"`
		Permissions  map[string]string `json:"permissions"`
	}
	if body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes)); err != nil || len(body) > 0 && json.Unmarshal(body, &narrow) != nil {
		githubMessage(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	for _, name := range narrow.Repositories {
		if !coversRepository(in, name) {
			githubMessage(w, http.StatusUnprocessableEntity, notInInstallation)
			return
		}
	}
	granted := grantedPermissions(in)
	permissions := granted
	if len(narrow.Permissions) > 0 {
		permissions = map[string]string{"metadata": "read"} // GitHub adds metadata:read to every token
		for name, level := range narrow.Permissions {
			if permissionLevels[level] == 0 || permissionLevels[level] > permissionLevels[granted[name]] {
				githubMessage(w, http.StatusUnprocessableEntity, notGranted)
				return
			}
			permissions[name] = level
		}
	}
	t := s.issue(&grant{app: app, scopes: []string{"installation"}, installation: &installationGrant{in, narrow.Repositories, permissions}}, installationTokenLifetime, "ghs_", "", -1)
	answer := map[string]any{
		"token": t.access.value, "expires_at": t.access.expiry.UTC().Format(time.RFC3339),
		"permissions": permissions, "repository_selection": repositorySelection(in),
	}
	if len(narrow.Repositories) > 0 {
		account, _, _ := strings.Cut(in.Account, "/")
		repos := make([]map[string]any, len(narrow.Repositories))
		for i, name := range narrow.Repositories {
			repos[i] = map[string]any{"name": name, "full_name": account + "/" + name}
		}
		answer["repository_selection"], answer["repositories"] = "selected", repos
	}
	writeJSON(w, http.StatusCreated, answer)
}

// accountType is the GitHub account type an installation is on.
func accountType(in *Installation) string {
	if in.AccountType == "User" {
		return "User"
	}
	return "Organization"
}

// githubFindInstallation is GET /repos/{owner}/{repo}/installation,
// GET /orgs/{org}/installation (organizations only) and
// GET /users/{username}/installation (personal accounts only): an account's
// installation covers its repositories.
func (s *Server) githubFindInstallation(w http.ResponseWriter, r *http.Request) {
	app, ok := s.githubAppJWT(w, r)
	if !ok {
		return
	}
	owner := r.PathValue("org") + r.PathValue("owner") + r.PathValue("username")
	wantType := ""
	switch {
	case r.PathValue("org") != "":
		wantType = "Organization"
	case r.PathValue("username") != "":
		wantType = "User"
	}
	repo := ""
	if r.PathValue("repo") != "" {
		repo = owner + "/" + r.PathValue("repo")
	}
	for i := range s.seed.Installations {
		in := &s.seed.Installations[i]
		if in.Kind != KindGitHub || in.ClientID != app.ClientID || wantType != "" && accountType(in) != wantType {
			continue
		}
		if strings.EqualFold(in.Account, owner) && (repo == "" || coversRepository(in, r.PathValue("repo"))) || repo != "" && strings.EqualFold(in.Account, repo) {
			writeJSON(w, http.StatusOK, s.installationObject(r, in, app))
			return
		}
	}
	githubMessage(w, http.StatusNotFound, "Not Found")
}

// sentryIntegrationToken is Sentry's integration token endpoint: a JSON body
// with grant_type authorization_code (the installation webhook's code) or
// refresh_token; the answer is camelCase and a refresh deletes the old token.
// Errors follow today's Sentry (sentry_apps/token_exchange): wrong client
// credentials, a wrong, used or expired code and an unknown refresh token are
// 401, a refresh token or installation of another integration 400, an unknown
// grant_type 403, every body {"detail": …}. An installation seeded with
// legacy_errors answers as older Sentry did: 403 {"error": …} for every refusal
// of the grant.
func (s *Server) sentryIntegrationToken(w http.ResponseWriter, r *http.Request) {
	detail := func(status int, msg string) { writeJSON(w, status, map[string]string{"detail": msg}) }
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		detail(http.StatusBadRequest, "the body must be JSON")
		return
	}
	var body struct {
		GrantType    string `json:"grant_type"`
		Code         string `json:"code"`
		RefreshToken string `json:"refresh_token"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFormBytes)).Decode(&body); err != nil {
		detail(http.StatusBadRequest, "the body is not valid JSON")
		return
	}
	var in *Installation
	for i := range s.seed.Installations {
		if c := &s.seed.Installations[i]; c.Kind == KindSentry && c.UUID == r.PathValue("uuid") {
			in = c
		}
	}
	if in == nil {
		detail(http.StatusNotFound, "The requested resource does not exist")
		return
	}
	// fidelity: sentry-integration-client-401
	// ClientIdSecretAuthentication: the pair must be an integration's (an app with a sentry_app).
	app := s.app(KindSentry, body.ClientID)
	if app == nil || !s.sentryIntegration(app) || subtle.ConstantTimeCompare([]byte(body.ClientSecret), []byte(app.ClientSecret)) != 1 {
		detail(http.StatusUnauthorized, "Invalid Client ID / Secret pair")
		return
	}
	refuse := func(status int, msg string) {
		if in.LegacyErrors {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": msg})
			return
		}
		detail(status, msg)
	}
	if in.ClientID != app.ClientID {
		refuse(http.StatusBadRequest, "Given installation is not for integration: "+app.ClientID)
		return
	}
	var g *grant
	switch body.GrantType {
	case "authorization_code":
		// The grant is deleted when it is exchanged, not when a wrong code is tried.
		s.mu.Lock()
		used := s.usedInstallCodes[in.UUID]
		matches := subtle.ConstantTimeCompare([]byte(body.Code), []byte(in.Code)) == 1
		expired := !s.now().Before(s.started.Add(installCodeLifetime))
		if matches && !used && !expired {
			s.usedInstallCodes[in.UUID] = true
		}
		s.mu.Unlock()
		switch {
		case used || !matches:
			refuse(http.StatusUnauthorized, "Could not find grant for given code")
			return
		case expired:
			refuse(http.StatusUnauthorized, "Grant has already expired")
			return
		}
		g = &grant{app: app, scopes: []string{"org:read", "project:read", "event:read"}}
	case "refresh_token":
		var oerr *oauthError
		if g, oerr = s.rotate(app, body.RefreshToken, true); oerr != nil {
			if s.refreshOfOtherApp(app, body.RefreshToken) {
				refuse(http.StatusBadRequest, "Token does not belong to the application")
				return
			}
			refuse(http.StatusUnauthorized, "Given refresh token does not exist")
			return
		}
	default:
		refuse(http.StatusForbidden, "Invalid grant_type")
		return
	}
	t := s.issue(g, s.lifetime(sentryIntegrationTokenLifetime), "", "", 0)
	writeJSON(w, http.StatusCreated, map[string]any{
		"id": randomToken("")[:12], "token": t.access.value, "refreshToken": t.refresh.value,
		"expiresAt": t.access.expiry.UTC().Format(time.RFC3339Nano), "dateCreated": s.now().UTC().Format(time.RFC3339Nano),
		"scopes": g.scopes, "state": nil, "application": map[string]string{"clientId": app.ClientID},
	})
}

// sentryIntegration tells whether app is a Sentry integration: one with an installation.
func (s *Server) sentryIntegration(app *App) bool {
	for _, in := range s.seed.Installations {
		if in.Kind == KindSentry && in.ClientID == app.ClientID {
			return true
		}
	}
	return false
}

// refreshOfOtherApp tells whether value is a live refresh token of an app other than app.
func (s *Server) refreshOfOtherApp(app *App, value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.refresh[value]
	return t != nil && t.grant.app != app && t.usable(s.now())
}
