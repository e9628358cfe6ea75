package credential

import (
	"context"
	"fmt"
	"time"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/provider"
)

// SentryClient gives the client of a Sentry integration, resolved only when a request is due.
type SentryClient func(ctx context.Context) (*app.SentryClient, error)

// SentryLogin exchanges the one-time code of a Sentry integration's installation and stores
// the token. The store is opened first: a missing store never spends the code.
func (s *Source) SentryLogin(ctx context.Context, client SentryClient, installation, code string) (*provider.Credential, error) {
	if _, err := s.Store(); err != nil {
		return nil, err
	}
	c, err := client(ctx)
	if err != nil {
		return nil, err
	}
	cred, err := c.Exchange(ctx, installation, code)
	if err != nil {
		return nil, err
	}
	if err := s.SaveAppToken(ctx, SentryAppKey(installation), cred); err != nil {
		return nil, fmt.Errorf("store sentry integration token: %w", err)
	}
	return cred, nil
}

// SentryToken is the stored token of a Sentry integration's installation, refreshed under the
// lock when it is not valid for minTTL; nothing stored is exit 3 naming `app login sentry`.
func (s *Source) SentryToken(ctx context.Context, client SentryClient, installation string, minTTL time.Duration) (*provider.Credential, error) {
	missing := fmt.Sprintf("no token for Sentry installation %s; run authctl app login sentry --installation %s --code-env VAR", installation, installation)
	return s.RefreshedAppToken(ctx, SentryAppKey(installation), minTTL, missing, func(ctx context.Context, cur *provider.Credential) (*provider.Credential, error) {
		c, err := client(ctx)
		if err != nil {
			return nil, err
		}
		return c.Refresh(ctx, installation, cur.RefreshToken)
	})
}
