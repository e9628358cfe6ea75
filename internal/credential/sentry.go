package credential

import (
	"context"
	"fmt"
	"time"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/provider"
)

// SentryLogin exchanges the one-time code of a Sentry integration's installation through the
// provider entry named entry (see app.SentryClientOf) and stores the token. The store is
// opened first: a missing store never spends the code.
func (s *Source) SentryLogin(ctx context.Context, entry, installation, code string) (*provider.Credential, error) {
	if _, err := s.Store(); err != nil {
		return nil, err
	}
	client, err := s.sentryClient(ctx, entry)
	if err != nil {
		return nil, err
	}
	cred, err := client.Exchange(ctx, installation, code)
	if err != nil {
		return nil, err
	}
	if err := s.SaveAppToken(ctx, SentryAppKey(installation), cred); err != nil {
		return nil, fmt.Errorf("store sentry integration token: %w", err)
	}
	return cred, nil
}

// SentryToken is the stored token of a Sentry integration's installation, refreshed through
// the entry under the lock when it is not valid for minTTL; nothing stored is exit 3 naming
// `app login sentry`.
func (s *Source) SentryToken(ctx context.Context, entry, installation string, minTTL time.Duration) (*provider.Credential, error) {
	missing := fmt.Sprintf("no token for Sentry installation %s; run authctl app login sentry --installation %s --code-env VAR", installation, installation)
	return s.RefreshedAppToken(ctx, SentryAppKey(installation), minTTL, missing, func(ctx context.Context, cur *provider.Credential) (*provider.Credential, error) {
		client, err := s.sentryClient(ctx, entry)
		if err != nil {
			return nil, err
		}
		return client.Refresh(ctx, installation, cur.RefreshToken)
	})
}

func (s *Source) sentryClient(ctx context.Context, entry string) (*app.SentryClient, error) {
	p, err := s.Provider(ctx, entry)
	if err != nil {
		return nil, err
	}
	return app.SentryClientOf(p)
}
