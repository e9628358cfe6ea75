package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// Lifetimes that are not the access token's own.
const (
	codeLifetime    = 10 * time.Minute
	pendingLifetime = 10 * time.Minute
	maxFormBytes    = 1 << 20
	// pruneThreshold bounds a long-running sandbox's memory: past this many
	// codes or pending consents, expired ones are dropped.
	pruneThreshold = 1024
)

// grant is one authorization: what a user allowed an app. Discord revokes
// every token of a grant when any one is revoked.
type grant struct {
	app     *App
	user    *User
	scopes  []string
	nonce   string
	revoked bool
	// installation is set on installation tokens: what they reach (githttp.go).
	installation *installationGrant
	// publicRefresh: refreshing needs no client secret (Slack PKCE with a localhost
	// redirect, GitHub device-flow tokens).
	publicRefresh bool
}

// token is an access or refresh token.
type token struct {
	value  string
	grant  *grant
	expiry time.Time // zero: never
	dead   bool      // rotated away or revoked on its own
}

func (t *token) usable(now time.Time) bool {
	return !t.dead && !t.grant.revoked && (t.expiry.IsZero() || now.Before(t.expiry))
}

// authRequest is an authorize request waiting on the consent page.
type authRequest struct {
	id          string
	kind        string
	app         *App
	redirectURI string
	state       string
	scopes      []string
	challenge   string
	nonce       string
	issuer      string // set for oidc: the callback carries iss (RFC 9207)
	loginHint   string
	created     time.Time
}

// authCode is an issued authorization code.
type authCode struct {
	req     *authRequest
	user    *User
	expires time.Time
	used    *grant   // the grant it was exchanged for; a second use revokes it
	also    []*grant // further grants of the same exchange (Slack's bot and user tokens)
}

// kindRules are what differs between kinds on the authorize endpoint.
type kindRules struct {
	// redirectOK says whether uri is acceptable for app.
	redirectOK func(app *App, uri *url.URL) bool
	// pkceRequired says whether a code_challenge is mandatory.
	pkceRequired func(app *App, uri *url.URL) bool
	// scopeOK says whether a requested scope exists.
	scopeOK func(scope string) bool
	// requireResponseType: the kind refuses a request without response_type=code.
	requireResponseType bool
}

var rulesByKind = map[string]kindRules{
	KindDiscord: {redirectOK: exactRedirect, pkceRequired: publicNeedsPKCE, scopeOK: discordScope, requireResponseType: true},
	KindGitHub:  {redirectOK: githubRedirect, pkceRequired: publicNeedsPKCE, scopeOK: anyScope},
	KindSlack:   {redirectOK: slackRedirect, pkceRequired: slackNeedsPKCE, scopeOK: anyScope},
	KindSentry:  {redirectOK: sentryRedirect, pkceRequired: publicNeedsPKCE, scopeOK: sentryScope, requireResponseType: true},
	KindOIDC:    {redirectOK: loopbackAnyPort, pkceRequired: publicNeedsPKCE, scopeOK: oidcScope, requireResponseType: true},
}

var discordScopes = []string{"identify", "email", "guilds", "guilds.join", "guilds.members.read", "connections", "bot", "applications.commands", "role_connections.write", "openid"}

func discordScope(s string) bool { return slices.Contains(discordScopes, s) }

func sentryScope(s string) bool {
	area, level, ok := strings.Cut(s, ":")
	return ok && area != "" && (level == "read" || level == "write" || level == "admin")
}

func oidcScope(s string) bool {
	return slices.Contains([]string{"openid", "profile", "email", "offline_access"}, s)
}

func anyScope(s string) bool {
	return s != "" && !strings.ContainsAny(s, "<>\"' \t")
}

func publicNeedsPKCE(app *App, _ *url.URL) bool { return app.Public }

// slackNeedsPKCE: Slack allows plain-HTTP localhost redirects only with PKCE.
func slackNeedsPKCE(app *App, uri *url.URL) bool { return app.Public || uri.Scheme == "http" }

// exactRedirect is Discord's rule: a registered URI, port included.
func exactRedirect(app *App, uri *url.URL) bool {
	return slices.Contains(app.RedirectURIs, uri.String())
}

// loopbackAnyPort is GitHub's OAuth App rule (RFC 8252 §7.3): a
// registered loopback URI without a port matches any port on the same host
// (127.0.0.1 and localhost are different hosts); the path may extend the
// registered one.
func loopbackAnyPort(app *App, uri *url.URL) bool {
	for _, reg := range app.RedirectURIs {
		ru, err := url.Parse(reg)
		if err != nil || ru.Scheme != uri.Scheme || ru.Hostname() != uri.Hostname() || !pathUnder(uri.Path, ru.Path) {
			continue
		}
		if ru.Port() == uri.Port() || (ru.Port() == "" && isLoopbackHost(ru.Hostname())) {
			return true
		}
	}
	return false
}

// githubRedirect: an OAuth App takes any loopback port and a sub-path
// ("Redirect URLs", "Loopback redirect urls"); a GitHub App's redirect_uri
// "must be an exact match to one of the URLs you provided as a Callback URL".
func githubRedirect(app *App, uri *url.URL) bool {
	if app.ExpiringTokens || app.AppID != 0 {
		return exactRedirect(app, uri) // fidelity: github-app-redirect-exact
	}
	return loopbackAnyPort(app, uri)
}

// sentryRedirect is ApiApplication.is_valid_redirect_uri: after normalising
// the paths, an exact match; or a loopback http URI registered without a port,
// matching scheme, host, path and query with any port; or, for a legacy app
// (not strict_redirect_uri), any URI that starts with a registered one.
func sentryRedirect(app *App, uri *url.URL) bool {
	value := sentryNormalize(uri.String())
	for _, reg := range app.RedirectURIs {
		if value == sentryNormalize(reg) {
			return true
		}
	}
	if v, err := url.Parse(value); err == nil && v.Scheme == "http" && isLoopbackHost(v.Hostname()) {
		for _, reg := range app.RedirectURIs {
			r, err := url.Parse(sentryNormalize(reg))
			if err == nil && r.Scheme == "http" && r.Port() == "" && r.Hostname() == v.Hostname() && r.Path == v.Path && r.RawQuery == v.RawQuery {
				return true
			}
		}
	}
	if app.StrictRedirect {
		return false
	}
	for _, reg := range app.RedirectURIs {
		if strings.HasPrefix(value, sentryNormalize(reg)) {
			return true
		}
	}
	return false
}

// sentryNormalize is ApiApplication.normalize_url: the path cleaned as
// os.path.normpath does, a trailing slash kept.
func sentryNormalize(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	cleaned := path.Clean(u.Path)
	if cleaned == "." {
		cleaned = "/"
	} else if strings.HasSuffix(u.Path, "/") && !strings.HasSuffix(cleaned, "/") {
		cleaned += "/"
	}
	u.Path, u.RawPath = cleaned, ""
	return u.String()
}

// slackRedirect: HTTPS under a registered URI, or a plain-HTTP localhost URI
// registered exactly, port included: Slack documents localhost redirects for
// PKCE apps but not whether it matches their port, so the port is exact.
func slackRedirect(app *App, uri *url.URL) bool {
	if uri.Scheme == "http" {
		return uri.Hostname() == "localhost" && exactRedirect(app, uri)
	}
	return loopbackAnyPort(app, uri)
}

func pathUnder(path, registered string) bool {
	return path == registered || strings.HasPrefix(path, strings.TrimSuffix(registered, "/")+"/")
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// app finds a registered app of kind by client id.
func (s *Server) app(kind, clientID string) *App {
	for i := range s.seed.Apps {
		a := &s.seed.Apps[i]
		if a.Kind == kind && a.ClientID == clientID {
			return a
		}
	}
	return nil
}

// user finds a seeded user by username or id.
func (s *Server) user(nameOrID string) *User {
	for i := range s.seed.Users {
		u := &s.seed.Users[i]
		if u.Username == nameOrID || u.ID == nameOrID {
			return u
		}
	}
	return nil
}

// defaultUser is who an auto-approved consent signs in as.
func (s *Server) defaultUser(hint string) *User {
	if u := s.user(hint); hint != "" && u != nil {
		return u
	}
	if u := s.user(s.seed.DefaultUser); s.seed.DefaultUser != "" && u != nil {
		return u
	}
	if len(s.seed.Users) > 0 {
		return &s.seed.Users[0]
	}
	return nil
}

// authorize is the authorize endpoint of kind; scopeSyntax is the kind whose
// scope separator it reads (see splitScopes), and issuer is non-nil for oidc.
func (s *Server) authorize(kind, scopeSyntax string, issuer func(*http.Request) string) http.HandlerFunc {
	rules := rulesByKind[kind]
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		app := s.app(kind, q.Get("client_id"))
		if app == nil {
			errorPage(w, http.StatusBadRequest, "Unknown client_id", fmt.Sprintf("No %s application has client_id %q.", kind, q.Get("client_id")))
			return
		}
		rawRedirect := q.Get("redirect_uri")
		if rawRedirect == "" && len(app.RedirectURIs) == 1 && kind != KindDiscord {
			rawRedirect = app.RedirectURIs[0]
		}
		redirect, err := url.Parse(rawRedirect)
		if rawRedirect == "" || err != nil || !redirect.IsAbs() || redirect.Fragment != "" || !rules.redirectOK(app, redirect) {
			errorPage(w, http.StatusBadRequest, "Invalid redirect_uri", fmt.Sprintf("The redirect_uri %q is not registered for this application.", rawRedirect))
			return
		}
		req := &authRequest{
			id: randomToken(""), kind: kind, app: app, redirectURI: rawRedirect,
			state: q.Get("state"), nonce: q.Get("nonce"), loginHint: q.Get("login_hint"), created: s.now(),
		}
		if issuer != nil {
			req.issuer = issuer(r)
		}
		fail := func(code, desc string) { redirectError(w, r, req, code, desc) }
		if rt := q.Get("response_type"); rt != "code" && (rt != "" || rules.requireResponseType) {
			fail("unsupported_response_type", "response_type must be code")
			return
		}
		req.scopes = splitScopes(scopeSyntax, q.Get("scope"))
		if kind == KindSlack {
			req.scopes = append(req.scopes, prefixed("user:", splitScopes(KindSlack, q.Get("user_scope")))...)
			if len(req.scopes) == 0 {
				fail("invalid_scope", "scope or user_scope is required")
				return
			}
		}
		for _, sc := range req.scopes {
			if !rules.scopeOK(strings.TrimPrefix(sc, "user:")) {
				fail("invalid_scope", fmt.Sprintf("unknown scope %q", sc))
				return
			}
		}
		if kind == KindOIDC && !slices.Contains(req.scopes, "openid") {
			fail("invalid_scope", "the openid scope is required")
			return
		}
		req.challenge = q.Get("code_challenge")
		method := q.Get("code_challenge_method")
		switch {
		case req.challenge == "" && rules.pkceRequired(app, redirect):
			fail("invalid_request", "code_challenge (PKCE S256) is required for this client")
			return
		case req.challenge != "" && method != "S256":
			fail("invalid_request", "code_challenge_method must be S256")
			return
		case req.challenge != "" && !validChallenge(req.challenge):
			fail("invalid_request", "code_challenge must be 43 base64url characters")
			return
		}
		if s.autoApprove {
			user := s.defaultUser(req.loginHint)
			if user == nil {
				fail("access_denied", "the seed has no user to sign in")
				return
			}
			s.approve(w, r, req, user)
			return
		}
		s.mu.Lock()
		if len(s.pending) >= pruneThreshold {
			for k, p := range s.pending {
				if s.now().Sub(p.created) > pendingLifetime {
					delete(s.pending, k)
				}
			}
		}
		s.pending[req.id] = req
		s.mu.Unlock()
		s.consentPage(w, req)
	}
}

func prefixed(prefix string, list []string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = prefix + v
	}
	return out
}

func validChallenge(c string) bool {
	b, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil && len(b) == sha256.Size
}

// approve issues a code for user and redirects to the client.
func (s *Server) approve(w http.ResponseWriter, r *http.Request, req *authRequest, user *User) {
	code := randomToken("")
	now := s.now()
	s.mu.Lock()
	if len(s.codes) >= pruneThreshold {
		for k, c := range s.codes {
			if now.After(c.expires) {
				delete(s.codes, k)
			}
		}
	}
	s.codes[code] = &authCode{req: req, user: user, expires: now.Add(codeLifetime)}
	s.mu.Unlock()
	v := url.Values{"code": {code}}
	redirectWith(w, r, req, v)
}

// redirectError sends the client an OAuth error on its redirect URI.
func redirectError(w http.ResponseWriter, r *http.Request, req *authRequest, code, desc string) {
	redirectWith(w, r, req, url.Values{"error": {code}, "error_description": {desc}})
}

func redirectWith(w http.ResponseWriter, r *http.Request, req *authRequest, v url.Values) {
	if req.state != "" {
		v.Set("state", req.state)
	}
	if req.issuer != "" {
		v.Set("iss", req.issuer)
	}
	target, _ := url.Parse(req.redirectURI)
	q := target.Query()
	for k, vals := range v {
		q[k] = vals
	}
	target.RawQuery = q.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// consentTemplate is parsed on first use: package-level parsing would cost every authctl start.
var consentTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {{.App}} — authctl sandbox</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}button{font-size:1.1em;margin-right:1em}</style></head>
<body><h1>Authorize application</h1>
<p>The <strong>{{.Kind}}</strong> application <code>{{.App}}</code> wants to access your account.</p>
<form method="post" action="/_sandbox/consent">
<input type="hidden" name="request" value="{{.ID}}">
<p><label for="user">Sign in as</label>
<select id="user" name="user">{{range .Users}}<option value="{{.Username}}"{{if eq .Username $.Selected}} selected{{end}}>{{.Username}} ({{.Name}})</option>{{end}}</select></p>
<p>It will be allowed to:</p>
<ul id="scopes">{{range .Scopes}}<li>{{.}}</li>{{else}}<li>(no scopes)</li>{{end}}</ul>
<p>After you decide you will be sent to <code>{{.Redirect}}</code>.</p>
<button type="submit" id="authorize" name="action" value="approve">Authorize</button>
<button type="submit" id="cancel" name="action" value="cancel">Cancel</button>
</form></body></html>
`))
})

func (s *Server) consentPage(w http.ResponseWriter, req *authRequest) {
	selected := ""
	if u := s.defaultUser(req.loginHint); u != nil {
		selected = u.Username
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	_ = consentTemplate().Execute(w, map[string]any{
		"ID": req.id, "Kind": req.kind, "App": req.app.ClientID, "Users": s.seed.Users,
		"Selected": selected, "Scopes": req.scopes, "Redirect": req.redirectURI,
	})
}

// consent receives the consent page's form.
func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		errorPage(w, http.StatusBadRequest, "Bad form", err.Error())
		return
	}
	s.mu.Lock()
	req := s.pending[r.PostForm.Get("request")]
	delete(s.pending, r.PostForm.Get("request"))
	s.mu.Unlock()
	if req == nil || s.now().Sub(req.created) > pendingLifetime {
		errorPage(w, http.StatusBadRequest, "Unknown or expired request", "Start the authorization again from the application.")
		return
	}
	if r.PostForm.Get("action") != "approve" {
		redirectError(w, r, req, "access_denied", "The resource owner denied the request")
		return
	}
	user := s.user(r.PostForm.Get("user"))
	if user == nil {
		errorPage(w, http.StatusBadRequest, "Unknown user", "Pick a seeded user.")
		return
	}
	s.approve(w, r, req, user)
}

// errorTemplate is parsed on first use: package-level parsing would cost every authctl start.
var errorTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} — authctl sandbox</title></head>
<body><h1>{{.Title}}</h1><p id="message">{{.Message}}</p></body></html>
`))
})

func errorPage(w http.ResponseWriter, status int, title, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = errorTemplate().Execute(w, map[string]string{"Title": title, "Message": message})
}

// tokenRequest is a token-endpoint request, parsed.
type tokenRequest struct {
	form        url.Values
	basicID     string
	basicSecret string
	hasBasic    bool
	isJSON      bool
}

// parseTokenRequest reads a token request. JSON bodies are read into the
// form too (GitHub accepts them); each kind decides whether to allow them.
func parseTokenRequest(w http.ResponseWriter, r *http.Request) (*tokenRequest, error) {
	tr := &tokenRequest{}
	tr.basicID, tr.basicSecret, tr.hasBasic = r.BasicAuth()
	if tr.hasBasic {
		// RFC 6749 §2.3.1: Basic credentials are form-encoded first.
		tr.basicID, _ = url.QueryUnescape(tr.basicID)
		tr.basicSecret, _ = url.QueryUnescape(tr.basicSecret)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		tr.isJSON = true
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, fmt.Errorf("body is not JSON: %w", err)
		}
		tr.form = url.Values{}
		for k, v := range m {
			tr.form.Set(k, fmt.Sprint(v))
		}
		return tr, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	tr.form = r.PostForm
	return tr, nil
}

// clientID is the client id from Basic or the form.
func (tr *tokenRequest) clientID() string {
	if tr.hasBasic {
		return tr.basicID
	}
	return tr.form.Get("client_id")
}

// secretOK checks the client secret in constant time; a public app has none
// and passes without one.
func (tr *tokenRequest) secretOK(app *App) bool {
	secret := tr.form.Get("client_secret")
	if tr.hasBasic {
		secret = tr.basicSecret
	}
	if app.Public {
		return secret == ""
	}
	return subtle.ConstantTimeCompare([]byte(secret), []byte(app.ClientSecret)) == 1
}

// oauthError is a token-endpoint failure in RFC 6749 terms; each kind
// renders it in its own shape.
type oauthError struct {
	status int
	code   string
	desc   string
}

func (e *oauthError) Error() string { return e.code + ": " + e.desc }

func invalidGrant(desc string) *oauthError {
	return &oauthError{http.StatusBadRequest, "invalid_grant", desc}
}

// redeemCode checks and spends an authorization code for app.
func (s *Server) redeemCode(app *App, tr *tokenRequest) (*authCode, *oauthError) {
	codeValue := tr.form.Get("code")
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.codes[codeValue]
	switch {
	case codeValue == "" || c == nil || c.req.app != app:
		return nil, invalidGrant(`Invalid "code" in request.`)
	case c.used != nil:
		// RFC 6749 §4.1.2: a replayed code revokes what it gave.
		c.used.revoked = true
		for _, g := range c.also {
			g.revoked = true
		}
		return nil, invalidGrant("authorization code already used")
	case s.now().After(c.expires):
		return nil, invalidGrant("authorization code expired")
	case tr.form.Get("redirect_uri") != c.req.redirectURI && (tr.form.Get("redirect_uri") != "" || c.req.kind == KindDiscord || c.req.kind == KindOIDC):
		return nil, invalidGrant("redirect_uri does not match the authorization request")
	}
	verifier := tr.form.Get("code_verifier")
	switch {
	case c.req.challenge == "" && verifier != "":
		return nil, invalidGrant("code_verifier sent but the authorization had no code_challenge")
	case c.req.challenge != "" && (len(verifier) < 43 || len(verifier) > 128):
		return nil, invalidGrant("code_verifier must be 43 to 128 characters")
	case c.req.challenge != "":
		sum := sha256.Sum256([]byte(verifier))
		if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(c.req.challenge)) != 1 {
			return nil, invalidGrant("code_verifier does not match the code_challenge")
		}
	}
	c.used = &grant{app: app, user: c.user, scopes: c.req.scopes, nonce: c.req.nonce}
	return c, nil
}

// issued is a freshly issued token pair.
type issued struct {
	access, refresh *token
	lifetime        time.Duration // 0: the access token never expires
}

// issue mints an access token (and a refresh token when refreshLifetime is
// not negative; 0 means it never expires) for g.
func (s *Server) issue(g *grant, lifetime time.Duration, accessPrefix, refreshPrefix string, refreshLifetime time.Duration) issued {
	now := s.now()
	out := issued{lifetime: lifetime}
	out.access = &token{value: randomToken(accessPrefix), grant: g}
	if lifetime > 0 {
		out.access.expiry = now.Add(lifetime)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access[out.access.value] = out.access
	if refreshLifetime >= 0 {
		out.refresh = &token{value: randomToken(refreshPrefix), grant: g}
		if refreshLifetime > 0 {
			out.refresh.expiry = now.Add(refreshLifetime)
		}
		s.refresh[out.refresh.value] = out.refresh
	}
	return out
}

// rotate spends a refresh token of app: the old refresh token dies, and
// with killAccess every access token of the grant dies too.
func (s *Server) rotate(app *App, value string, killAccess bool) (*grant, *oauthError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.refresh[value]
	if value == "" || t == nil || t.grant.app != app || !t.usable(s.now()) {
		return nil, invalidGrant("Invalid refresh token")
	}
	t.dead = true
	if killAccess {
		for _, a := range s.access {
			if a.grant == t.grant {
				a.dead = true
			}
		}
	}
	return t.grant, nil
}

// publicRefreshToken tells whether value is a refresh token of app that refreshes without the secret.
func (s *Server) publicRefreshToken(app *App, value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.refresh[value]
	return t != nil && t.grant.app == app && t.grant.publicRefresh
}

// lifetime is how long a new access token of kind lives.
func (s *Server) lifetime(kindDefault time.Duration) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.tokenLifetime > 0:
		return s.tokenLifetime
	case s.seed.TokenLifetime > 0:
		return time.Duration(s.seed.TokenLifetime) * time.Second
	}
	return kindDefault
}

// tokenState classifies a presented access token.
type tokenState int

const (
	tokenUnknown tokenState = iota
	tokenExpired
	tokenRevoked
	tokenValid
)

// lookupAccess finds an access token and says whether it is usable.
func (s *Server) lookupAccess(value string) (*token, tokenState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.access[value]
	switch {
	case value == "" || t == nil:
		return nil, tokenUnknown
	case t.dead || t.grant.revoked:
		return t, tokenRevoked
	case !t.usable(s.now()):
		return t, tokenExpired
	}
	return t, tokenValid
}

// revokeToken revokes an access or refresh token; with wholeGrant every
// token of its authorization dies (Discord). Unknown tokens are ignored
// (RFC 7009 §2.2). It reports whether the token belonged to app.
func (s *Server) revokeToken(app *App, value string, wholeGrant bool) bool {
	if s.revokeAccessToken(app, value, wholeGrant) {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// A revoked refresh token takes its grant's access tokens with it (RFC 7009 §2.1).
	if t := s.refresh[value]; t != nil && t.grant.app == app {
		t.dead, t.grant.revoked = true, true
		return true
	}
	return false
}

// revokeAccessToken revokes value only if it is one of app's access tokens.
func (s *Server) revokeAccessToken(app *App, value string, wholeGrant bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.access[value]; t != nil && t.grant.app == app {
		t.dead = true
		if wholeGrant {
			t.grant.revoked = true
		}
		return true
	}
	return false
}

// bearer is the token of an "Authorization: Bearer …" header.
func bearer(r *http.Request) string {
	scheme, value, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(value)
}

func hasScope(g *grant, scope string) bool { return slices.Contains(g.scopes, scope) }
