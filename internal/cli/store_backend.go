package cli

import (
	"context"
	"io"
	"time"

	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
)

// storeBackend is the real credential backend: internal/store.
var storeBackend = &CredentialBackend{
	Open: func(kind string, warn io.Writer) (CredentialStore, error) {
		return store.Open(kind, warn)
	},
	EnsureFresh: func(ctx context.Context, s CredentialStore, providerName, account string, minTTL time.Duration, force bool, refresh RefreshFunc) (*provider.Credential, bool, error) {
		return store.EnsureFresh(ctx, s, providerName, account, minTTL, force, refresh)
	},
	NotFound: store.ErrNotFound,
}
