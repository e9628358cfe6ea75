package oauthflow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
)

// Login is one login to a provider: in the browser through the loopback
// redirect, by the device authorization grant, or with a token read from In.
// The credential it returns is checked by the provider (identity, scopes) but
// not yet stored.
type Login struct {
	Provider *provider.Provider
	// Scopes to ask for; the provider's when empty.
	Scopes []string
	// Port is the callback port; the provider's redirect ports when zero.
	Port int
	// Timeout ends the wait for the browser or for the device code's approval.
	Timeout time.Duration
	// OpenBrowser opens the authorize URL; nil prints it only.
	OpenBrowser func(url string) error
	// Prompt receives everything meant for the person (stderr).
	Prompt io.Writer
	// In is read for a pasted redirect URL, or for the token (WithToken).
	In io.Reader
	// Waiting, when set, starts the wait's animation showing msg; see Loopback.Waiting.
	Waiting func(msg string) (stop func())
	// HTTP calls the provider.
	HTTP *http.Client
	// DeviceGrant and FromStdin choose the way Run logs in.
	DeviceGrant, FromStdin bool
}

// Run logs in with the token on In when FromStdin is set, else by the device grant when
// DeviceGrant is, else in the browser.
func (l *Login) Run(ctx context.Context) (*provider.Credential, error) {
	switch {
	case l.FromStdin:
		return l.WithToken(ctx)
	case l.DeviceGrant:
		return l.Device(ctx)
	}
	return l.Browser(ctx)
}

// Browser runs the authorization-code flow with PKCE, state and a nonce, and exchanges the code.
func (l *Login) Browser(ctx context.Context) (*provider.Credential, error) {
	p := l.Provider
	if err := p.CheckWebLoginSecret(); err != nil {
		return nil, err
	}
	if err := p.CheckRedirectPorts(); err != nil {
		return nil, err
	}
	nonce, err := randomNonce()
	if err != nil {
		return nil, err
	}
	ports := p.RedirectPorts
	if l.Port != 0 {
		ports = []int{l.Port}
	}
	lb := &Loopback{
		Host:           p.RedirectHost,
		Ports:          ports,
		Timeout:        l.Timeout,
		OpenBrowser:    l.OpenBrowser,
		Prompt:         l.Prompt,
		Paste:          l.In,
		Waiting:        l.waiting,
		Issuer:         p.Issuer,
		IssuerRequired: p.IssuerInResponse,
	}
	var conf *oauth2.Config
	newConfig := func(redirectURL string) *oauth2.Config {
		conf = p.OAuth2(redirectURL, l.Scopes)
		return conf
	}
	ctx = l.withHTTP(ctx)
	res, err := lb.Run(ctx, newConfig, p.AuthCodeOptions(nonce))
	var timeout *TimeoutError
	if errors.As(err, &timeout) && p.Kind == provider.KindDiscord && len(ports) == 0 {
		// Whether Discord accepts any port for a portless loopback registration is not documented
		// (docs/fidelity.md, "Loopback redirect ports"); when it does not, the browser shows its
		// error and no callback ever comes.
		return nil, exitcode.Errorf(exitcode.Auth, "%v; if Discord said \"Invalid OAuth2 redirect_uri\", register http://127.0.0.1/callback (no port) with the application, or register http://127.0.0.1:PORT/callback and set providers.%s.redirect_ports: [PORT]", err, p.Name)
	}
	if err != nil {
		return nil, err
	}
	return p.Exchange(ctx, conf, res.Code, res.Verifier, nonce)
}

// Device runs the device authorization grant; a code not approved within Timeout is exit 3.
func (l *Login) Device(ctx context.Context) (*provider.Credential, error) {
	p := l.Provider
	if p.Endpoint.DeviceAuthURL == "" {
		return nil, exitcode.Errorf(exitcode.Usage, "%s has no device authorization endpoint (set device_url, or log in without --device)", p.Name)
	}
	ctx, cancel := context.WithTimeout(l.withHTTP(ctx), l.Timeout)
	defer cancel()
	tok, err := Device(ctx, p.OAuth2("", l.Scopes), l.Prompt)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, exitcode.Errorf(exitcode.Auth, "device login timed out after %s; run the login again", l.Timeout)
		}
		return nil, err
	}
	return p.FromToken(ctx, tok)
}

// WithToken takes exactly one access token from In, once the provider accepts it.
func (l *Login) WithToken(ctx context.Context) (*provider.Credential, error) {
	data, err := io.ReadAll(io.LimitReader(l.In, 64*1024))
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, fmt.Errorf("read the token from stdin: %w", err))
	}
	token := strings.TrimSpace(string(data))
	if token == "" || strings.ContainsAny(token, " \t\r\n") {
		return nil, exitcode.Errorf(exitcode.Usage, "--with-token needs exactly one token on stdin")
	}
	cred, err := l.Provider.FromToken(l.withHTTP(ctx), &oauth2.Token{AccessToken: token, TokenType: "Bearer"})
	if exitcode.Of(err) == exitcode.Auth {
		// "run authctl login" would send the user back to where they are: say what was refused.
		return nil, exitcode.Errorf(exitcode.Auth, "%s refused the token from stdin (401): nothing was stored; check that it is a live %s access token", l.Provider.Name, l.Provider.Name)
	}
	return cred, err
}

// waiting starts Waiting with what the person waits for.
func (l *Login) waiting() (stop func()) {
	if l.Waiting == nil {
		return func() {}
	}
	if l.OpenBrowser == nil {
		return l.Waiting("Waiting for the login at the URL above...")
	}
	return l.Waiting("Waiting for the browser...")
}

// withHTTP makes the oauth2 package call the provider through l.HTTP.
func (l *Login) withHTTP(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, l.HTTP)
}

func randomNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
