package provider

import "time"

// Credential is the contract's store.Credential: what a login yields and a
// store keeps. internal/store has not landed yet, so it is defined here;
// once it does, this becomes `type Credential = store.Credential` and every
// caller keeps compiling.
type Credential struct {
	Provider      string
	Account       string
	AccessToken   string
	TokenType     string
	RefreshToken  string
	Expiry        time.Time // zero: never expires
	RefreshExpiry time.Time // zero: never expires
	Scopes        []string
	UserID        string
	UserName      string
	Extra         map[string]any
}
