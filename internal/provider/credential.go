package provider

import "github.com/authctl/authctl/internal/store"

// Credential is what a login yields and a store keeps.
type Credential = store.Credential
