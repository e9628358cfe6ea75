// Package store keeps credentials: in the OS keyring (the default), or in a
// 0600 JSON file when asked. It also holds the cross-process refresh lock.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"time"
)

// Store kinds.
const (
	KindKeyring = "keyring"
	KindFile    = "file"
)

// Credential is what a login yields and a store keeps. Extra holds provider
// extras (Slack authed_user, Sentry user, …) that oauth2.Token would lose.
type Credential struct {
	Provider      string         `json:"provider"`
	Account       string         `json:"account"`
	AccessToken   string         `json:"access_token"`
	TokenType     string         `json:"token_type,omitempty"`
	RefreshToken  string         `json:"refresh_token,omitempty"`
	Expiry        time.Time      `json:"expiry,omitzero"`         // zero: never expires
	RefreshExpiry time.Time      `json:"refresh_expiry,omitzero"` // zero: never expires
	Scopes        []string       `json:"scopes,omitempty"`
	UserID        string         `json:"user_id,omitempty"`
	UserName      string         `json:"user_name,omitempty"`
	Extra         map[string]any `json:"extra,omitempty"`
	// Origins are where the credential may be sent: the origins of the
	// provider entry it was issued through (see internal/credential.Bind).
	Origins []string `json:"origins,omitempty"`
}

// Store is a credential store. Get with account "" returns the provider's
// default account; Put with account "" writes the default account (naming a
// new one after the user) and sets cred.Account.
type Store interface {
	Name() string
	Get(ctx context.Context, provider, account string) (*Credential, error)
	Put(ctx context.Context, cred *Credential) error
	Delete(ctx context.Context, provider, account string) error
	List(ctx context.Context) ([]*Credential, error)
}

// ErrNotFound is returned by Get and Delete when nothing is stored.
var ErrNotFound = errors.New("no stored credential")

// errNoProvider refuses a Put that would file a credential under no provider.
var errNoProvider = errors.New("store: a credential must name its provider")

// UnavailableError says why the credential store cannot be used; it maps to
// exit code 5.
type UnavailableError struct {
	Store string
	Cause string
	Err   error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("credential store %s unavailable: %s", e.Store, e.Cause)
}
func (e *UnavailableError) Unwrap() error { return e.Err }

// ExitCode is exit code 5: the credential store is unavailable.
func (e *UnavailableError) ExitCode() int { return 5 }

// Open opens the store of the given kind; the file store keeps its file in
// stateDir (see StateDir). warn receives the file store's warning that tokens
// are kept unencrypted.
func Open(kind, stateDir string, warn io.Writer) (Store, error) {
	switch kind {
	case KindKeyring, "":
		return openKeyring(stateDir)
	case KindFile:
		if stateDir == "" {
			err := errors.New("no state directory: set XDG_STATE_HOME or HOME")
			return nil, &UnavailableError{Store: KindFile, Cause: err.Error(), Err: err}
		}
		return OpenFile(stateDir, warn)
	default:
		return nil, fmt.Errorf("unknown credential store %q (keyring or file)", kind)
	}
}

// StateDir is $XDG_STATE_HOME/authctl, or $HOME/.local/state/authctl, read
// through getenv; "" when neither is set.
func StateDir(getenv func(string) string) string {
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "authctl")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".local", "state", "authctl")
	}
	return ""
}

// index records the accounts stored per provider and each provider's default.
type index struct {
	Default  map[string]string   `json:"default"`
	Accounts map[string][]string `json:"accounts"`
}

func newIndex() *index {
	return &index{Default: map[string]string{}, Accounts: map[string][]string{}}
}

// resolve names the account for a read: the default when account is "".
func (ix *index) resolve(provider, account string) (string, bool) {
	if account == "" {
		account = ix.Default[provider]
	}
	for _, a := range ix.Accounts[provider] {
		if a == account {
			return a, true
		}
	}
	return "", false
}

// accountFor names the account a Put writes to.
func (ix *index) accountFor(cred *Credential) string {
	if cred.Account != "" {
		return cred.Account
	}
	if d := ix.Default[cred.Provider]; d != "" {
		return d
	}
	if cred.UserName != "" {
		return cred.UserName
	}
	return "default"
}

// add records account; the first account of a provider becomes its default.
func (ix *index) add(provider, account string) {
	if _, ok := ix.resolve(provider, account); !ok {
		ix.Accounts[provider] = append(ix.Accounts[provider], account)
		sort.Strings(ix.Accounts[provider])
	}
	if ix.Default[provider] == "" {
		ix.Default[provider] = account
	}
}

// remove forgets account; a removed default passes to another account.
func (ix *index) remove(provider, account string) {
	kept := ix.Accounts[provider][:0]
	for _, a := range ix.Accounts[provider] {
		if a != account {
			kept = append(kept, a)
		}
	}
	if len(kept) == 0 {
		delete(ix.Accounts, provider)
		delete(ix.Default, provider)
		return
	}
	ix.Accounts[provider] = kept
	if ix.Default[provider] == account {
		ix.Default[provider] = kept[0]
	}
}

func entryKey(provider, account string) string { return provider + ":" + account }
