// Package credential gives a command a valid token for a provider and
// account, the way kubelogin's credential plugin does: find → check expiry →
// lock → re-read → authenticate → save before use.
//
// A token in AUTHCTL_<PROVIDER>_TOKEN wins and is never stored. A stored token
// is used as is while it is valid for the asked time to live — no network, no
// provider resolution — and refreshed under the store's cross-process lock
// when it is not; after a provider answered 401, With refreshes it once and
// retries. Integrations' tokens (GitHub App installation tokens, Sentry
// integration tokens) are kept in the same store under typed keys (AppKey).
//
// The environment, the clock and the state directory are injected through
// Source; nothing here reads the process environment or the wall clock.
package credential

import (
	"context"
	"errors"
	"time"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

// DefaultMinTTL is how long a token must still be valid to be used as is.
const DefaultMinTTL = 60 * time.Second

// Source hands out valid tokens. Every field is required.
type Source struct {
	// Store opens the credential store (once; later calls return the same).
	Store func() (store.Store, error)
	// Locks are the cross-process refresh locks and the clock, asked for only
	// when a stored token is read (the state dir may come from the config, which
	// a token from the environment never needs).
	Locks func() store.Locks
	// Provider resolves a provider entry completely (for a login or a refresh).
	Provider func(ctx context.Context, name string) (*provider.Provider, error)
	// Known is nil for a provider name authctl knows (built in or configured)
	// and an exit-2 error otherwise, so that a typo never reads as "log in".
	Known  func(name string) error
	Getenv func(string) string
}

// EnvVar is the variable that supplies a read-only access token for
// providerName, e.g. AUTHCTL_DISCORD_TOKEN.
func EnvVar(providerName string) string {
	return "AUTHCTL_" + config.EnvName(providerName) + "_TOKEN"
}

// FromEnv reports whether cred came from AUTHCTL_<PROVIDER>_TOKEN.
func FromEnv(cred *provider.Credential) bool { return cred.Extra["source"] == "env" }

// Token returns a credential whose access token is valid for at least minTTL:
// the environment's token when set, else the stored one, refreshed when it is
// not fresh enough.
func (s *Source) Token(ctx context.Context, providerName, account string, minTTL time.Duration) (*provider.Credential, error) {
	if tok := s.Getenv(EnvVar(providerName)); tok != "" {
		return &provider.Credential{Provider: providerName, Account: account, AccessToken: tok, TokenType: "Bearer", Extra: map[string]any{"source": "env"}}, nil
	}
	st, err := s.Store()
	if err != nil {
		return nil, err
	}
	// A fresh stored token comes back from EnsureFresh's first read, without the lock.
	return s.refreshed(ctx, st, providerName, account, minTTL, "")
}

// Refresh replaces the stored token even when it is still valid (token
// --refresh, refresh): unless another process has replaced it since it was
// read, in which case that newer token is returned.
func (s *Source) Refresh(ctx context.Context, providerName, account string, minTTL time.Duration) (*provider.Credential, error) {
	if s.Getenv(EnvVar(providerName)) != "" {
		return nil, exitcode.Errorf(exitcode.Usage, "%s supplies the %s token and cannot be refreshed; unset it to use the stored credential", EnvVar(providerName), providerName)
	}
	st, err := s.Store()
	if err != nil {
		return nil, err
	}
	cred, err := st.Get(ctx, providerName, account)
	if err != nil {
		return nil, s.NotLoggedIn(providerName, account, err)
	}
	return s.refreshed(ctx, st, providerName, account, minTTL, cred.AccessToken)
}

// Replace returns a valid token after the provider answered 401 to rejected:
// the stored credential is refreshed only if it still holds rejected, so a
// token another process has just obtained is used rather than refreshed away
// (with providers whose refresh revokes the old access token, that would
// break the other process).
func (s *Source) Replace(ctx context.Context, providerName, account string, minTTL time.Duration, rejected string) (*provider.Credential, error) {
	st, err := s.Store()
	if err != nil {
		return nil, err
	}
	return s.refreshed(ctx, st, providerName, account, minTTL, rejected)
}

// With runs call with a valid token for p, after checking that p sends it
// only where it was issued (CheckBound). When call fails with
// provider.ErrUnauthorized (the API answered 401), the stored token is
// refreshed once and call retried once; a second 401, a 401 on a token from
// the environment or on one that cannot be refreshed is exit 3 with the way
// out. Every command that sends a token calls the provider through With.
func (s *Source) With(ctx context.Context, p *provider.Provider, account string, minTTL time.Duration, call func(context.Context, *provider.Credential) error) error {
	providerName := p.Name
	cred, err := s.Token(ctx, providerName, account, minTTL)
	if err != nil {
		return err
	}
	if err := CheckBound(cred, p); err != nil {
		return err
	}
	err = call(ctx, cred)
	if !errors.Is(err, provider.ErrUnauthorized) {
		return err
	}
	if cred, err = s.afterUnauthorized(ctx, cred, minTTL); err != nil {
		return err
	}
	err = call(ctx, cred)
	if errors.Is(err, provider.ErrUnauthorized) {
		return exitcode.Errorf(exitcode.Auth, "%s: the token was rejected (401) even after a refresh; run authctl login %s", providerName, providerName)
	}
	return err
}

// afterUnauthorized is With's decision after a provider answered 401 to
// cred: a token from the environment or one without a refresh token is exit
// 3 with the way out; a stored one is replaced (see Replace). (The guild check
// decides for itself, after asking Discord whether the token lacks a scope.)
func (s *Source) afterUnauthorized(ctx context.Context, cred *provider.Credential, minTTL time.Duration) (*provider.Credential, error) {
	name := cred.Provider
	switch {
	case FromEnv(cred):
		return nil, exitcode.Errorf(exitcode.Auth, "%s: the token in %s was rejected (401)", name, EnvVar(name))
	case cred.RefreshToken == "":
		return nil, exitcode.Errorf(exitcode.Auth, "%s: the stored token was rejected (401) and cannot be refreshed; run authctl login %s", name, name)
	}
	return s.Replace(ctx, name, cred.Account, minTTL, cred.AccessToken)
}

// refreshed refreshes the stored credential under the cross-process lock when
// it is not valid for minTTL or still holds the stale access token.
func (s *Source) refreshed(ctx context.Context, st store.Store, providerName, account string, minTTL time.Duration, stale string) (*provider.Credential, error) {
	refresh := func(ctx context.Context, old *provider.Credential) (*provider.Credential, error) {
		p, err := s.Provider(ctx, providerName)
		if err != nil {
			return nil, err
		}
		if err := CheckBound(old, p); err != nil {
			return nil, err // the refresh token would go to another server
		}
		next, err := p.Refresh(ctx, old)
		if err != nil {
			return nil, err
		}
		next.Origins = old.Origins
		return next, nil
	}
	cred, _, err := s.Locks().EnsureFresh(ctx, st, providerName, account, minTTL, stale, refresh)
	if err != nil {
		return nil, s.NotLoggedIn(providerName, account, err)
	}
	return cred, nil
}

// NotLoggedIn turns a store miss into exit 3 with the way out, or into exit 2
// when the provider name is not one authctl knows.
func (s *Source) NotLoggedIn(providerName, account string, err error) error {
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := s.Known(providerName); err != nil {
		return err
	}
	return exitcode.Errorf(exitcode.Auth, "not logged in to %s%s; run authctl login %s%s", providerName, ui.Optional(" (account %s)", account), providerName, ui.Optional(" --account %s", account))
}

// Whoami is whom a token belongs to, as the provider's identity endpoint says, in the JSON
// shape of `whoami -o json`.
type Whoami struct {
	Provider string `json:"provider"`
	Account  string `json:"account"`
	ID       string `json:"id"`
	Name     string `json:"name"`
}

// Whoami asks p whom the account's token belongs to, through With.
func (s *Source) Whoami(ctx context.Context, p *provider.Provider, account string) (*Whoami, error) {
	who := &Whoami{Provider: p.Name}
	err := s.With(ctx, p, account, DefaultMinTTL, func(ctx context.Context, cred *provider.Credential) error {
		id, err := p.Identity(ctx, cred.AccessToken)
		who.Account, who.ID, who.Name = cred.Account, id.ID, id.Name
		return err
	})
	if err != nil {
		return nil, err
	}
	return who, nil
}
