package credential

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
)

// AppKind says whose integration token an AppKey names.
type AppKind string

// The integrations whose tokens authctl keeps.
const (
	GitHubApp AppKind = "github-app"
	SentryApp AppKind = "sentry-app"
)

// storeProvider is the provider name an integration's tokens are stored
// under: with a colon, which no login's provider name has (a config entry may
// well be named github-app, for a GitHub App's user tokens).
func (k AppKind) storeProvider() string { return "integration:" + string(k) }

// AppKey names one integration token in the store.
type AppKey struct {
	Kind AppKind
	// Host is the GitHub API host: app ids are per host, so a token of a
	// GitHub Enterprise server or of the sandbox is never served for
	// github.com. Empty for Sentry.
	Host string
	// App is the GitHub App's id or client id. Empty for Sentry.
	App string
	// Target is what the token is for: for GitHub "repo:OWNER/NAME",
	// "org:NAME", "user:NAME" or an installation id; for Sentry the
	// installation UUID.
	Target string
}

// GitHubAppKey is the key of an installation token of app on the GitHub whose
// API is apiURL, for exactly one of installation, repo, org or user. Names are
// lower-cased: GitHub's repository and account names are case-insensitive.
func GitHubAppKey(apiURL, app string, installation int64, repo, org, user string) AppKey {
	host := apiURL
	if u, err := url.Parse(apiURL); err == nil && u.Host != "" {
		host = u.Host
	}
	target := strconv.FormatInt(installation, 10)
	switch {
	case repo != "":
		target = "repo:" + strings.ToLower(repo)
	case org != "":
		target = "org:" + strings.ToLower(org)
	case user != "":
		target = "user:" + strings.ToLower(user)
	}
	return AppKey{Kind: GitHubApp, Host: strings.ToLower(host), App: app, Target: target}
}

// SentryAppKey is the key of the token of a Sentry integration's installation.
func SentryAppKey(installation string) AppKey {
	return AppKey{Kind: SentryApp, Target: installation}
}

// String is the key as people see it in app status:
// github-app:HOST:APP:TARGET or sentry-app:INSTALLATION.
func (k AppKey) String() string {
	if k.Kind == SentryApp {
		return string(k.Kind) + ":" + k.Target
	}
	return string(k.Kind) + ":" + k.Host + ":" + k.App + ":" + k.Target
}

// account is the store account the token is kept under (the provider being
// the kind).
func (k AppKey) account() string {
	if k.Kind == SentryApp {
		return k.Target
	}
	return k.Host + "/" + k.App + "/" + k.Target // hosts carry ':' before a port, never '/'
}

// AppKeyOf tells an integration's token from a user's login in the store and
// names it.
func AppKeyOf(cred *provider.Credential) (AppKey, bool) {
	switch cred.Provider {
	case SentryApp.storeProvider():
		return SentryAppKey(cred.Account), true
	case GitHubApp.storeProvider():
		host, rest, ok1 := strings.Cut(cred.Account, "/")
		app, target, ok2 := strings.Cut(rest, "/")
		return AppKey{Kind: GitHubApp, Host: host, App: app, Target: target}, ok1 && ok2
	}
	return AppKey{}, false
}

// IsApp reports whether a stored credential's provider name is an
// integration's, not a login's.
func IsApp(storedProvider string) bool {
	return storedProvider == GitHubApp.storeProvider() || storedProvider == SentryApp.storeProvider()
}

// CachedAppToken returns the token of key when it is valid for minTTL, with no
// request; otherwise mint is called once under the lock of key (parallel
// processes mint once) and its token saved before it is returned.
func (s *Source) CachedAppToken(ctx context.Context, key AppKey, minTTL time.Duration, mint func(context.Context) (*provider.Credential, error)) (*provider.Credential, error) {
	st, err := s.Store()
	if err != nil {
		return nil, err
	}
	return s.Locks().EnsureCached(ctx, st, key.Kind.storeProvider(), key.account(), minTTL, func(ctx context.Context, _ *provider.Credential) (*provider.Credential, error) {
		return mint(ctx)
	})
}

// SaveAppToken stores an integration token obtained outside the cache (a
// Sentry installation code exchanged by app login).
func (s *Source) SaveAppToken(ctx context.Context, key AppKey, cred *provider.Credential) error {
	st, err := s.Store()
	if err != nil {
		return err
	}
	cred.Provider, cred.Account = key.Kind.storeProvider(), key.account()
	return st.Put(ctx, cred)
}

// RefreshedAppToken returns the stored token of key, refreshed by refresh
// under the lock when it is not valid for minTTL. Nothing stored is exit 3
// with the message missing, which names the way out.
func (s *Source) RefreshedAppToken(ctx context.Context, key AppKey, minTTL time.Duration, missing string, refresh func(context.Context, *provider.Credential) (*provider.Credential, error)) (*provider.Credential, error) {
	st, err := s.Store()
	if err != nil {
		return nil, err
	}
	cred, _, err := s.Locks().EnsureFresh(ctx, st, key.Kind.storeProvider(), key.account(), minTTL, "", refresh)
	if errors.Is(err, store.ErrNotFound) {
		return nil, exitcode.Errorf(exitcode.Auth, "%s", missing)
	}
	return cred, err
}

// DeleteAppToken forgets the token of key; nothing stored is no error.
func (s *Source) DeleteAppToken(ctx context.Context, key AppKey) error {
	st, err := s.Store()
	if err != nil {
		return err
	}
	if err := st.Delete(ctx, key.Kind.storeProvider(), key.account()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// StoredAppToken is the stored token of key whether or not it is still
// valid; nil when none is stored.
func (s *Source) StoredAppToken(ctx context.Context, key AppKey) (*provider.Credential, error) {
	st, err := s.Store()
	if err != nil {
		return nil, err
	}
	cred, err := st.Get(ctx, key.Kind.storeProvider(), key.account())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return cred, err
}
