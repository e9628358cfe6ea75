// Package provider knows each OAuth provider authctl logs in to: its
// endpoints, default scopes, token-response quirks, identity endpoint and
// revocation. One file per provider kind; this file holds what they share.
package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
)

// Provider kinds accepted in the `kind` key of a provider entry.
const (
	KindDiscord = "discord"
	KindGitHub  = "github"
	KindSlack   = "slack"
	KindSentry  = "sentry"
	KindOIDC    = "oidc"
	KindOAuth2  = "oauth2"
)

// Kinds lists every accepted kind, for messages.
var Kinds = []string{KindDiscord, KindGitHub, KindSlack, KindSentry, KindOIDC, KindOAuth2}

// callTimeout bounds every provider call whose context has no deadline yet.
const callTimeout = 30 * time.Second

// Identity is who a token belongs to.
type Identity struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Provider is one resolved provider entry: built-in defaults, then the
// configuration, then AUTHCTL_<NAME>_* overrides.
type Provider struct {
	Name          string
	Kind          string
	ClientID      string
	ClientSecret  string
	Issuer        string
	RevokeURL     string
	APIURL        string
	UserinfoURL   string
	Endpoint      oauth2.Endpoint
	Scopes        []string
	RedirectHost  string
	RedirectPorts []int
	// IssuerInResponse: the issuer sends iss on every authorization response (RFC 9207).
	IssuerInResponse bool

	client *http.Client
	kind   kindBehaviour
	// oidc holds the discovered issuer for kind oidc (nil otherwise).
	oidc *oidcIssuer
}

// kindBehaviour is what differs between provider kinds. Kinds that follow
// RFC 6749 closely embed standard and override only their quirks.
type kindBehaviour interface {
	authCodeOptions(p *Provider, nonce string) []oauth2.AuthCodeOption
	exchange(ctx context.Context, p *Provider, conf *oauth2.Config, code, verifier, nonce string) (*Credential, error)
	refresh(ctx context.Context, p *Provider, cred *Credential) (*Credential, error)
	fromToken(ctx context.Context, p *Provider, tok *oauth2.Token) (*Credential, error)
	identity(ctx context.Context, p *Provider, accessToken string) (Identity, error)
	revoke(ctx context.Context, p *Provider, cred *Credential) error
}

// ErrRevokeUnsupported says the provider offers no way to revoke a token
// remotely; logout then only deletes the local copy.
var ErrRevokeUnsupported = fmt.Errorf("the provider has no token revocation endpoint")

// OAuth2 returns the oauth2 configuration for a login with redirectURL and
// scopes (the provider's default scopes when empty).
func (p *Provider) OAuth2(redirectURL string, scopes []string) *oauth2.Config {
	if len(scopes) == 0 {
		scopes = p.Scopes
	}
	conf := &oauth2.Config{
		ClientID:     p.ClientID,
		ClientSecret: p.ClientSecret,
		Endpoint:     p.Endpoint,
		RedirectURL:  redirectURL,
		Scopes:       append([]string(nil), scopes...),
	}
	if p.Kind == KindSlack {
		slackScopesInURL(conf)
	}
	return conf
}

// AuthCodeOptions returns the provider-specific authorize parameters; nonce
// is sent to OpenID Connect issuers.
func (p *Provider) AuthCodeOptions(nonce string) []oauth2.AuthCodeOption {
	return p.kind.authCodeOptions(p, nonce)
}

// Exchange trades an authorization code for a credential with the identity
// filled in. nonce is checked against the ID token for kind oidc.
func (p *Provider) Exchange(ctx context.Context, conf *oauth2.Config, code, verifier, nonce string) (*Credential, error) {
	ctx, cancel := p.callContext(ctx)
	defer cancel()
	cred, err := p.kind.exchange(ctx, p, conf, code, verifier, nonce)
	if err != nil {
		return nil, err
	}
	return cred, nil
}

// FromToken turns a token obtained another way (device flow, --with-token)
// into a credential, checking it against the identity endpoint.
func (p *Provider) FromToken(ctx context.Context, tok *oauth2.Token) (*Credential, error) {
	ctx, cancel := p.callContext(ctx)
	defer cancel()
	return p.kind.fromToken(ctx, p, tok)
}

// Refresh uses cred's refresh token and returns the rotated credential, with
// the account, identity and extras of cred kept. A rejected refresh token is
// exit 3; a provider or network failure exit 4.
func (p *Provider) Refresh(ctx context.Context, cred *Credential) (*Credential, error) {
	if cred.RefreshToken == "" && cred.Expiry.IsZero() {
		return nil, exitcode.Errorf(exitcode.Usage, "%s: the token never expires and has no refresh token: nothing to refresh", p.Name)
	}
	if cred.RefreshToken == "" {
		return nil, exitcode.Errorf(exitcode.Auth, "%s: the stored token has expired and cannot be refreshed; run authctl login %s", p.Name, p.Name)
	}
	if !cred.RefreshExpiry.IsZero() && !cred.RefreshExpiry.After(time.Now()) {
		return nil, exitcode.Errorf(exitcode.Auth, "%s: the refresh token has expired; run authctl login %s", p.Name, p.Name)
	}
	ctx, cancel := p.callContext(ctx)
	defer cancel()
	return p.kind.refresh(ctx, p, cred)
}

// Identity asks the provider who accessToken belongs to. A rejected token is
// exit 3.
func (p *Provider) Identity(ctx context.Context, accessToken string) (Identity, error) {
	ctx, cancel := p.callContext(ctx)
	defer cancel()
	return p.kind.identity(ctx, p, accessToken)
}

// Revoke revokes cred at the provider. ErrRevokeUnsupported when the provider
// cannot.
func (p *Provider) Revoke(ctx context.Context, cred *Credential) error {
	ctx, cancel := p.callContext(ctx)
	defer cancel()
	return p.kind.revoke(ctx, p, cred)
}

// CheckWebLoginSecret is an exit-2 error when a login in the browser (not --device) needs
// the client secret and the configuration has none: GitHub and Sentry refuse their web flow
// without one, while their device flow works for a public client.
func (p *Provider) CheckWebLoginSecret() error {
	def, ok := builtins[p.Kind]
	if !ok || !def.webSecretRequired || p.ClientSecret != "" {
		return nil
	}
	env := "AUTHCTL_" + config.EnvName(p.Name) + "_CLIENT_SECRET"
	return exitcode.Errorf(exitcode.Usage, "provider %s: a %s login in the browser needs the client secret; set providers.%s.client_secret_env (or %s), or log in with --device", p.Name, p.Kind, p.Name, env)
}

// CheckRedirectPorts is an exit-2 error when a browser login to Slack has no redirect_ports:
// Slack documents http://localhost redirects for PKCE apps but not whether it matches their
// port, so authctl treats the port as exact and must listen on a registered one.
func (p *Provider) CheckRedirectPorts() error {
	if p.Kind != KindSlack || len(p.RedirectPorts) > 0 {
		return nil
	}
	return exitcode.Errorf(exitcode.Usage, "provider %s: Slack does not document whether it matches the port of a localhost redirect, so authctl treats it as exact: register http://localhost:PORT/callback with the Slack app and set providers.%s.redirect_ports: [PORT]", p.Name, p.Name)
}

// HTTPClient is the client every call of this provider goes through.
func (p *Provider) HTTPClient() *http.Client { return p.client }

// callContext gives ctx a deadline when it has none and carries the
// provider's HTTP client for golang.org/x/oauth2.
func (p *Provider) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.client)
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, callTimeout)
}

// DisplayName is how a provider is named to people: a built-in one by its brand, any other
// by its entry's name.
func DisplayName(name string) string {
	names := map[string]string{KindDiscord: "Discord", KindGitHub: "GitHub", KindSlack: "Slack", KindSentry: "Sentry"}
	if n, ok := names[name]; ok {
		return n
	}
	return name
}

// Resolve builds the provider called name from the configuration. Unknown
// providers, unknown kinds and a missing client_id or required secret are
// exit 2 with the key to set; a failed OIDC discovery is exit 4.
func Resolve(ctx context.Context, cfg *config.Config, name string, getenv func(string) string, client *http.Client) (*Provider, error) {
	return resolve(ctx, cfg, name, getenv, client, true)
}

// ResolveAPI is Resolve for calls that bring their own access token (for
// example AUTHCTL_DISCORD_TOKEN in CI): the client id and secret may be
// missing, so Exchange, Refresh and Revoke may then fail at the provider.
func ResolveAPI(ctx context.Context, cfg *config.Config, name string, getenv func(string) string, client *http.Client) (*Provider, error) {
	return resolve(ctx, cfg, name, getenv, client, false)
}

func resolve(ctx context.Context, cfg *config.Config, name string, getenv func(string) string, client *http.Client, needClient bool) (*Provider, error) {
	if client == nil {
		client = &http.Client{Timeout: callTimeout}
	}
	entry, configured := cfg.Provider(name, getenv)
	kind := entry.Kind
	if kind == "" {
		kind = name
	}
	def, builtin := builtins[kind]
	if !builtin && kind != KindOIDC && kind != KindOAuth2 {
		if !configured {
			return nil, UnknownProviderError(name, cfg.Names())
		}
		return nil, exitcode.Errorf(exitcode.Usage, "provider %s: unknown kind %q (want one of %s)", name, kind, strings.Join(Kinds, ", "))
	}
	envPrefix := "AUTHCTL_" + config.EnvName(name) + "_"
	if needClient && entry.ClientID == "" {
		return nil, exitcode.Errorf(exitcode.Usage, "provider %s: no client_id; set providers.%s.client_id in the config file or %sCLIENT_ID", name, name, envPrefix)
	}
	secret := entry.Secret(getenv)
	if needClient && entry.ClientSecretEnv != "" && getenv(entry.ClientSecretEnv) == "" && entry.ClientSecret == "" {
		return nil, exitcode.Errorf(exitcode.Usage, "provider %s: client_secret_env names %s, which is not set", name, entry.ClientSecretEnv)
	}

	p := &Provider{
		Name:          name,
		Kind:          kind,
		ClientID:      entry.ClientID,
		ClientSecret:  secret,
		Issuer:        entry.Issuer,
		RedirectHost:  "127.0.0.1",
		RedirectPorts: entry.RedirectPorts,
		client:        client,
	}
	switch {
	case builtin:
		p.Endpoint = def.endpoint
		p.RevokeURL, p.APIURL = def.revokeURL, def.apiURL
		p.Scopes = def.scopes
		if def.redirectHost != "" {
			p.RedirectHost = def.redirectHost
		}
		p.kind = def.behaviour
	case kind == KindOIDC:
		if err := p.discover(ctx, entry); err != nil {
			return nil, err
		}
	default:
		p.kind = standard{}
		p.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		if secret != "" {
			p.Endpoint.AuthStyle = oauth2.AuthStyleInHeader // RFC 6749 2.3.1: every server must accept Basic
		}
	}
	if p.Kind == KindDiscord {
		p.client = withUserAgent(client, discordUserAgent())
	}

	if builtin && entry.AuthURL != nil {
		rebaseDefaults(p, *entry.AuthURL)
	}
	override(&p.Endpoint.AuthURL, entry.AuthURL)
	override(&p.Endpoint.TokenURL, entry.TokenURL)
	override(&p.Endpoint.DeviceAuthURL, entry.DeviceURL)
	override(&p.RevokeURL, entry.RevokeURL)
	override(&p.APIURL, entry.APIURL)
	override(&p.UserinfoURL, entry.UserinfoURL)
	p.APIURL = strings.TrimSuffix(p.APIURL, "/")
	if len(entry.Scopes) > 0 {
		p.Scopes = entry.Scopes
	}
	if entry.RedirectHost != "" {
		p.RedirectHost = entry.RedirectHost
	}
	if p.Endpoint.AuthURL == "" || p.Endpoint.TokenURL == "" {
		return nil, exitcode.Errorf(exitcode.Usage, "provider %s: kind %s needs auth_url and token_url in the config file", name, kind)
	}
	return p, nil
}

// rebaseDefaults moves a built-in kind's default URLs to the host of a
// configured auth_url, so that GitHub Enterprise or a self-hosted Sentry
// needs only auth_url: no code or token is ever sent to the public host.
func rebaseDefaults(p *Provider, authURL string) {
	target, err := url.Parse(authURL)
	if err != nil || target.Host == "" {
		return
	}
	from, err := url.Parse(p.Endpoint.AuthURL)
	if err != nil || from.Host == target.Host {
		return
	}
	move := func(dst *string) {
		u, err := url.Parse(*dst)
		if err != nil || *dst == "" {
			return
		}
		u.Scheme, u.Host = target.Scheme, target.Host
		*dst = u.String()
	}
	move(&p.Endpoint.TokenURL)
	move(&p.Endpoint.DeviceAuthURL)
	move(&p.RevokeURL)
	if p.Kind == KindGitHub {
		p.APIURL = target.Scheme + "://" + target.Host + "/api/v3" // GitHub Enterprise Server's REST base
	} else {
		move(&p.APIURL)
	}
}

// override replaces *dst with the configured value when the key was set,
// even to "" (which switches an endpoint off).
func override(dst *string, configured *string) {
	if configured != nil {
		*dst = *configured
	}
}

// builtin is the defaults of a built-in provider kind.
type builtin struct {
	endpoint     oauth2.Endpoint
	revokeURL    string
	apiURL       string
	scopes       []string
	redirectHost string
	// webSecretRequired: the browser login and refresh need the client secret; the device
	// flow does not (GitHub and Sentry).
	webSecretRequired bool
	behaviour         kindBehaviour
}

var builtins = map[string]builtin{
	KindDiscord: discordDefaults,
	KindGitHub:  githubDefaults,
	KindSlack:   slackDefaults,
	KindSentry:  sentryDefaults,
}

// credentialFromToken copies what every token response has into a credential.
func credentialFromToken(p *Provider, tok *oauth2.Token) *Credential {
	cred := &Credential{
		Provider:     p.Name,
		AccessToken:  tok.AccessToken,
		TokenType:    tok.TokenType,
		RefreshToken: tok.RefreshToken,
		Expiry:       tok.Expiry,
		Extra:        map[string]any{},
	}
	if cred.TokenType == "" {
		cred.TokenType = "Bearer"
	}
	if s, ok := tok.Extra("scope").(string); ok {
		cred.Scopes = splitScopes(s)
	}
	if secs := numberExtra(tok, "refresh_token_expires_in"); secs > 0 {
		cred.RefreshExpiry = time.Now().Add(time.Duration(secs) * time.Second)
	}
	return cred
}

// rotated returns old with the tokens of fresh: account, identity and extras
// stay, and a response without a refresh token keeps the old one.
func rotated(old, fresh *Credential) *Credential {
	next := *old
	next.AccessToken = fresh.AccessToken
	next.TokenType = fresh.TokenType
	next.Expiry = fresh.Expiry
	if fresh.RefreshToken != "" {
		next.RefreshToken = fresh.RefreshToken
		next.RefreshExpiry = fresh.RefreshExpiry
	}
	if len(fresh.Scopes) > 0 {
		next.Scopes = fresh.Scopes
	}
	next.Extra = map[string]any{}
	for k, v := range old.Extra {
		next.Extra[k] = v
	}
	for k, v := range fresh.Extra {
		next.Extra[k] = v
	}
	return &next
}

// splitScopes accepts space-separated (RFC 6749) and comma-separated (Slack,
// GitHub) scope lists.
func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}

// numberExtra reads a numeric field of the token response, which arrives as
// float64 from JSON and as int64 or a string from form-encoded bodies.
func numberExtra(tok *oauth2.Token, key string) int64 {
	switch v := tok.Extra(key).(type) {
	case float64:
		return int64(v)
	case int64: // x/oauth2 parses numeric form values (GitHub's default answer) as int64
		return v
	case json.Number:
		n, _ := v.Int64()
		return n
	case string:
		var n int64
		if _, err := fmt.Sscan(v, &n); err == nil {
			return n
		}
	}
	return 0
}

// UnknownProviderError is the exit-2 error for a provider name that is neither built in nor
// configured: it names the close one, if any, and every one there is.
func UnknownProviderError(name string, configured []string) error {
	known := Names(configured)
	hint := ""
	if s := config.Suggest(name, known); s != "" {
		hint = fmt.Sprintf("did you mean %q? ", s)
	}
	return exitcode.Errorf(exitcode.Usage, "unknown provider %q: %suse one of %s, or add providers.%s to the config file", name, hint, strings.Join(known, ", "), name)
}

// Known is nil for a built-in provider or one the config file or AUTHCTL_<NAME>_* variables
// define, and an exit-2 error otherwise; load is called only for a name that is not built in.
func Known(name string, load func() (*config.Config, error), getenv func(string) string) error {
	if IsBuiltin(name) {
		return nil
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	if _, ok := cfg.Provider(name, getenv); ok {
		return nil
	}
	return UnknownProviderError(name, cfg.Names())
}

// IsBuiltin tells whether name is a provider authctl knows without configuration.
func IsBuiltin(name string) bool {
	_, ok := builtins[name]
	return ok
}

// Names are the built-in providers and the configured ones, sorted, each once.
func Names(configured []string) []string {
	names := slices.Collect(maps.Keys(builtins))
	for _, n := range configured {
		if !IsBuiltin(n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}
