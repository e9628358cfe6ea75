package credential

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
)

// Logins are the stored logins of providerName (of every provider when it is
// empty) sorted by provider and account, with the name of the store that
// holds them. Integrations' cached tokens are not logins (see AppTokens).
func (s *Source) Logins(ctx context.Context, providerName string) (storeName string, logins []*provider.Credential, err error) {
	st, err := s.Store()
	if err != nil {
		return "", nil, err
	}
	all, err := st.List(ctx)
	if err != nil {
		return "", nil, err
	}
	for _, c := range all {
		if IsApp(c.Provider) || providerName != "" && c.Provider != providerName {
			continue
		}
		logins = append(logins, c)
	}
	sort.Slice(logins, func(i, j int) bool {
		a, b := logins[i], logins[j]
		if a.Provider != b.Provider {
			return a.Provider < b.Provider
		}
		return a.Account < b.Account
	})
	return st.Name(), logins, nil
}

// Expired reports whether cred's access token has an expiry that is not after now.
func Expired(cred *provider.Credential, now time.Time) bool {
	return !cred.Expiry.IsZero() && !cred.Expiry.After(now)
}

// Refreshable reports whether cred holds a refresh token that has not expired at now.
func Refreshable(cred *provider.Credential, now time.Time) bool {
	return cred.RefreshToken != "" && (cred.RefreshExpiry.IsZero() || cred.RefreshExpiry.After(now))
}

// AppToken is one integration token in the store.
type AppToken struct {
	Key        AppKey
	Credential *provider.Credential
}

// AppTokens are the integrations' tokens in the store, in the store's order.
func (s *Source) AppTokens(ctx context.Context) ([]AppToken, error) {
	st, err := s.Store()
	if err != nil {
		return nil, err
	}
	all, err := st.List(ctx)
	if err != nil {
		return nil, err
	}
	var tokens []AppToken
	for _, c := range all {
		if key, ok := AppKeyOf(c); ok {
			tokens = append(tokens, AppToken{Key: key, Credential: c})
		}
	}
	return tokens, nil
}

// Logout says which stored credentials to log out of, and how.
type Logout struct {
	Provider  string // empty only with All: every provider
	Account   string
	All       bool // every account of Provider
	LocalOnly bool // delete without revoking at the provider
	// Warnf tells of a provider that cannot revoke tokens.
	Warnf func(format string, args ...any)
	// Done is told of each credential once it is deleted, with what became of it at the provider.
	Done func(c *provider.Credential, outcome string)
}

// Logout revokes each credential l names at its provider where it can, then
// deletes it. A credential whose provider entry now sends it to another server
// stops the logout before anything is deleted. When a revocation fails the
// local copy is deleted anyway and the failures come back at the end, with the
// first one's exit code. Nothing stored is exit 3 (exit 2 for an unknown provider).
func (s *Source) Logout(ctx context.Context, l Logout) error {
	st, err := s.Store()
	if err != nil {
		return err
	}
	creds, err := s.loggedIn(ctx, st, l)
	if err != nil {
		return err
	}
	// Each provider is resolved once (OIDC resolution is a discovery request), and a
	// credential whose entry now sends it elsewhere stops the logout before anything is deleted.
	providers := map[string]*provider.Provider{}
	resolveErrs := map[string]error{}
	if !l.LocalOnly {
		for _, c := range creds {
			if IsApp(c.Provider) {
				continue
			}
			if _, done := providers[c.Provider]; !done {
				providers[c.Provider], resolveErrs[c.Provider] = s.Provider(ctx, c.Provider)
			}
			if p := providers[c.Provider]; p != nil {
				if err := CheckBound(c, p); err != nil {
					return err
				}
			}
		}
	}
	var failed []error
	for _, c := range creds {
		outcome := "not revoked at the provider (--local-only)"
		switch {
		case IsApp(c.Provider):
			outcome = "the cached integration token is deleted locally and expires on its own"
		case resolveErrs[c.Provider] != nil:
			outcome = "not revoked at the provider"
			failed = append(failed, resolveErrs[c.Provider])
		case !l.LocalOnly:
			outcome, err = revoke(ctx, providers[c.Provider], c, l.Warnf)
			if err != nil {
				failed = append(failed, err)
			}
		}
		if err := st.Delete(ctx, c.Provider, c.Account); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("delete %s credential: %w", c.Provider, err)
		}
		l.Done(c, outcome)
	}
	if len(failed) > 0 {
		return exitcode.New(exitcode.Of(failed[0]), fmt.Errorf("deleted locally, but the remote revocation failed: %w; the token may still be valid until it expires", errors.Join(failed...)))
	}
	return nil
}

// loggedIn are the stored credentials l names.
func (s *Source) loggedIn(ctx context.Context, st store.Store, l Logout) ([]*provider.Credential, error) {
	if !l.All {
		c, err := st.Get(ctx, l.Provider, l.Account)
		if err != nil {
			return nil, s.NotLoggedIn(l.Provider, l.Account, err)
		}
		return []*provider.Credential{c}, nil
	}
	all, err := st.List(ctx)
	if err != nil {
		return nil, err
	}
	var creds []*provider.Credential
	for _, c := range all {
		if l.Provider == "" || c.Provider == l.Provider {
			creds = append(creds, c)
		}
	}
	if len(creds) > 0 {
		return creds, nil
	}
	if l.Provider == "" {
		return nil, exitcode.Errorf(exitcode.Auth, "not logged in to any provider")
	}
	if err := s.Known(l.Provider); err != nil {
		return nil, err
	}
	return nil, exitcode.Errorf(exitcode.Auth, "not logged in to %s", l.Provider)
}

// revoke revokes c at its provider and says what happened. A provider without
// revocation is not a failure: the person is told.
func revoke(ctx context.Context, p *provider.Provider, c *provider.Credential, warnf func(string, ...any)) (string, error) {
	err := p.Revoke(ctx, c)
	switch {
	case errors.Is(err, provider.ErrRevokeUnsupported):
		warnf("%s cannot revoke tokens remotely; only the local copy is deleted (revoke the app's access in the provider's settings)", c.Provider)
		return "deleted locally only", nil
	case err != nil:
		return "the remote revocation FAILED", err
	}
	return "token revoked at the provider", nil
}

// TokenTo is Token, or Replace when rejected is the access token a provider
// has just answered 401 to, for a request to rawURL: a credential issued
// through another origin is exit 2 and not sent.
func (s *Source) TokenTo(ctx context.Context, providerName, account string, minTTL time.Duration, rejected, rawURL string) (*provider.Credential, error) {
	var cred *provider.Credential
	var err error
	if rejected == "" {
		cred, err = s.Token(ctx, providerName, account, minTTL)
	} else {
		cred, err = s.Replace(ctx, providerName, account, minTTL, rejected)
	}
	if err != nil {
		return nil, err
	}
	if err := CheckURL(cred, rawURL); err != nil {
		return nil, err
	}
	return cred, nil
}
