package cli

import "github.com/authctl/authctl/internal/store"

// storeBackend is the real credential backend: internal/store.
var storeBackend = &CredentialBackend{
	Open:        store.Open,
	EnsureFresh: store.EnsureFresh,
	NotFound:    store.ErrNotFound,
}
