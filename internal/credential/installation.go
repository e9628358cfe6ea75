package credential

import (
	"context"
	"time"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/provider"
)

// installationTokenMargin is how long before GitHub's expires_at a cached installation token
// is replaced.
const installationTokenMargin = 5 * time.Minute

// InstallationKey is the cache key of a's installation token for t.
func InstallationKey(a *app.GitHubApp, t app.Target) AppKey {
	return GitHubAppKey(a.APIURL, a.ID, t.Installation, t.Repo, t.Org, "")
}

// InstallationToken is an installation token of a for t. One narrowed by req is minted for
// this use and never cached; otherwise it is the cached one while it is valid for 5 more
// minutes (no key read, no request), else one minted once for all parallel callers and cached.
func (s *Source) InstallationToken(ctx context.Context, a *app.GitHubApp, t app.Target, req app.TokenRequest) (*provider.Credential, error) {
	mint := func(ctx context.Context) (*provider.Credential, error) {
		tok, err := a.Mint(ctx, t, req)
		if err != nil {
			return nil, err
		}
		return &provider.Credential{AccessToken: tok.Token, TokenType: "token", Expiry: tok.ExpiresAt}, nil
	}
	if len(req.Permissions) > 0 || len(req.Repositories) > 0 {
		return mint(ctx)
	}
	return s.CachedAppToken(ctx, InstallationKey(a, t), installationTokenMargin, mint)
}
