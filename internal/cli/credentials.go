package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/httplog"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
)

// httpTimeout bounds every HTTP exchange authctl makes.
const httpTimeout = 30 * time.Second

// DefaultMinTTL is how long a token must still be valid to be used as is.
const DefaultMinTTL = 60 * time.Second

// HTTPClient is the client for every provider call: a timeout always, and
// the --verbose trace (secrets redacted) when asked.
func (f *Factory) HTTPClient() *http.Client {
	f.httpOnce.Do(func() {
		transport := f.HTTPTransport
		if transport == nil {
			transport = http.DefaultTransport
		}
		if f.Global.Verbose {
			transport = &httplog.Transport{Base: transport, Out: f.IO.ErrOut}
		}
		f.httpClient = &http.Client{Timeout: httpTimeout, Transport: transport}
	})
	return f.httpClient
}

// StoreKind is the credential store to use: --store, else AUTHCTL_STORE,
// else the config file's `store`, else keyring.
func (f *Factory) StoreKind() (string, error) {
	if kind := f.Global.Store; kind != "" {
		if kind != config.StoreKeyring && kind != config.StoreFile {
			return "", exitcode.Errorf(exitcode.Usage, "--store must be %q or %q, not %q", config.StoreKeyring, config.StoreFile, kind)
		}
		return kind, nil
	}
	if kind := f.Getenv("AUTHCTL_STORE"); kind != "" {
		// The variable overrides the file anyway: skip reading it (token stays cheap).
		if kind != config.StoreKeyring && kind != config.StoreFile {
			return "", exitcode.Errorf(exitcode.Usage, "AUTHCTL_STORE must be %q or %q, not %q", config.StoreKeyring, config.StoreFile, kind)
		}
		return kind, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	return cfg.Store, nil
}

// CredentialStore is the credential store the commands use.
type CredentialStore = store.Store

// RefreshFunc turns an expiring credential into a fresh one.
type RefreshFunc = func(context.Context, *provider.Credential) (*provider.Credential, error)

// CredentialBackend is the store package seen from the commands: Open is
// store.Open, EnsureFresh is store.EnsureFresh (cross-process lock, re-read,
// refresh only when still needed, save before returning) and NotFound is
// store.ErrNotFound.
type CredentialBackend struct {
	Open        func(kind string, warn io.Writer) (CredentialStore, error)
	EnsureFresh func(ctx context.Context, s CredentialStore, providerName, account string, minTTL time.Duration, stale string, refresh RefreshFunc) (*provider.Credential, bool, error)
	NotFound    error
}

// credentials is the backend in use: the factory's own, else internal/store.
func (f *Factory) credentials() *CredentialBackend {
	if f.Credentials != nil {
		return f.Credentials
	}
	return storeBackend
}

// Store opens the credential store once, on first use.
func (f *Factory) Store() (CredentialStore, error) {
	f.storeOnce.Do(func() {
		kind, err := f.StoreKind()
		if err != nil {
			f.storeErr = err
			return
		}
		f.store, f.storeErr = f.credentials().Open(kind, f.IO.ErrOut)
		if f.storeErr != nil && exitcode.Of(f.storeErr) == exitcode.Provider {
			f.storeErr = exitcode.New(exitcode.Store, f.storeErr)
		}
	})
	return f.store, f.storeErr
}

// Provider resolves the named provider from the configuration.
func (f *Factory) Provider(ctx context.Context, name string) (*provider.Provider, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	return provider.Resolve(ctx, cfg, name, f.Getenv, f.HTTPClient())
}

// apiProvider resolves the named provider for calls with a token in hand,
// where no client id is needed (the CI path with AUTHCTL_<NAME>_TOKEN).
func (f *Factory) apiProvider(ctx context.Context, name string) (*provider.Provider, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	return provider.ResolveAPI(ctx, cfg, name, f.Getenv, f.HTTPClient())
}

// TokenEnvVar is the variable that supplies a read-only access token for
// providerName, e.g. AUTHCTL_DISCORD_TOKEN.
func TokenEnvVar(providerName string) string {
	return "AUTHCTL_" + config.EnvName(providerName) + "_TOKEN"
}

// ValidToken returns a credential whose access token is valid for at least
// minTTL. AUTHCTL_<PROVIDER>_TOKEN wins (read-only, never stored). Otherwise
// the stored credential is used as is when fresh — no network call, no
// provider resolution — and refreshed under the store's cross-process lock
// when not (or when force is set); the rotated credential is saved before it
// is returned.
func (f *Factory) ValidToken(ctx context.Context, providerName, account string, minTTL time.Duration, force bool) (*provider.Credential, error) {
	if tok := f.Getenv(TokenEnvVar(providerName)); tok != "" {
		if force {
			return nil, exitcode.Errorf(exitcode.Usage, "%s supplies the %s token and cannot be refreshed; unset it to use the stored credential", TokenEnvVar(providerName), providerName)
		}
		return &provider.Credential{Provider: providerName, Account: account, AccessToken: tok, TokenType: "Bearer", Extra: map[string]any{"source": "env"}}, nil
	}
	s, err := f.Store()
	if err != nil {
		return nil, err
	}
	cred, err := s.Get(ctx, providerName, account)
	if err != nil {
		return nil, f.notLoggedIn(providerName, account, err)
	}
	if !force && store.Fresh(cred, f.Now(), minTTL) {
		return cred, nil
	}
	stale := ""
	if force {
		stale = cred.AccessToken // replace this token, unless another process already has
	}
	return f.refreshedToken(ctx, s, providerName, account, minTTL, stale)
}

// refreshedToken refreshes the stored credential under the cross-process lock when it is not
// valid for minTTL or still holds the stale access token (see store.EnsureFresh).
func (f *Factory) refreshedToken(ctx context.Context, s CredentialStore, providerName, account string, minTTL time.Duration, stale string) (*provider.Credential, error) {
	refresh := func(ctx context.Context, old *provider.Credential) (*provider.Credential, error) {
		p, err := f.Provider(ctx, providerName)
		if err != nil {
			return nil, err
		}
		return p.Refresh(ctx, old)
	}
	cred, _, err := f.credentials().EnsureFresh(ctx, s, providerName, account, minTTL, stale, refresh)
	if err != nil {
		return nil, f.notLoggedIn(providerName, account, err)
	}
	return cred, nil
}

// ReplaceRejected returns a valid token for providerName after the provider answered 401 to
// rejected: the stored credential is refreshed only if it still holds rejected, so a token
// another process has just obtained is used rather than refreshed away (with providers whose
// refresh revokes the old access token, that would break the other process).
func (f *Factory) ReplaceRejected(ctx context.Context, providerName, account string, minTTL time.Duration, rejected string) (*provider.Credential, error) {
	s, err := f.Store()
	if err != nil {
		return nil, err
	}
	return f.refreshedToken(ctx, s, providerName, account, minTTL, rejected)
}

// WithToken runs call with a valid token for providerName. When call fails
// with provider.ErrUnauthorized (the API answered 401), the stored token is
// refreshed once and call retried once; a second 401, or a 401 on a token from
// the environment, is exit 3 with the way out.
func (f *Factory) WithToken(ctx context.Context, providerName, account string, minTTL time.Duration, call func(context.Context, *provider.Credential) error) error {
	cred, err := f.ValidToken(ctx, providerName, account, minTTL, false)
	if err != nil {
		return err
	}
	err = call(ctx, cred)
	if !errors.Is(err, provider.ErrUnauthorized) {
		return err
	}
	if cred.Extra["source"] == "env" {
		return exitcode.Errorf(exitcode.Auth, "%s: the token in %s was rejected (401)", providerName, TokenEnvVar(providerName))
	}
	if cred.RefreshToken == "" {
		return exitcode.Errorf(exitcode.Auth, "%s: the stored token was rejected (401) and cannot be refreshed; run authctl login %s", providerName, providerName)
	}
	cred, err = f.ReplaceRejected(ctx, providerName, account, minTTL, cred.AccessToken)
	if err != nil {
		return err
	}
	err = call(ctx, cred)
	if errors.Is(err, provider.ErrUnauthorized) {
		return exitcode.Errorf(exitcode.Auth, "%s: the token was rejected (401) even after a refresh; run authctl login %s", providerName, providerName)
	}
	return err
}

// notLoggedIn turns a store miss into exit 3 with the way out, or into exit 2 when the provider
// name is not one authctl knows (a typo must not read as "log in").
func (f *Factory) notLoggedIn(providerName, account string, err error) error {
	if !errors.Is(err, f.credentials().NotFound) {
		return err
	}
	if err := f.knownProvider(providerName); err != nil {
		return err
	}
	return exitcode.Errorf(exitcode.Auth, "not logged in to %s%s; run authctl login %s%s", providerName, accountSuffix(account, " (account %s)"), providerName, accountSuffix(account, " --account %s"))
}

// knownProvider is nil for a built-in provider or one the config file or AUTHCTL_<NAME>_*
// variables define, and an exit-2 error otherwise.
func (f *Factory) knownProvider(name string) error {
	if provider.IsBuiltin(name) {
		return nil
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	if _, ok := cfg.Provider(name, f.Getenv); ok {
		return nil
	}
	return provider.UnknownProviderError(name)
}

func accountSuffix(account, format string) string {
	if account == "" {
		return ""
	}
	return fmt.Sprintf(format, account)
}

// scopesText joins scopes for a table cell.
func scopesText(scopes []string) string {
	if len(scopes) == 0 {
		return "-"
	}
	return strings.Join(scopes, ",")
}
