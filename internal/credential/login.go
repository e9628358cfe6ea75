package credential

import (
	"context"
	"fmt"
	"time"

	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

// LoggedIn is a login just stored, in the JSON shape of `login -o json`: never a token.
type LoggedIn struct {
	Provider string     `json:"provider"`
	Account  string     `json:"account"`
	User     string     `json:"user"`
	UserID   string     `json:"user_id"`
	Scopes   []string   `json:"scopes"`
	Expiry   *time.Time `json:"expiry"`
	// Unencrypted is the file that holds the token when the store is the file store.
	Unencrypted string `json:"-"`
}

// Login resolves the provider entry providerName, runs flow on it and stores the credential
// it obtains under account (see SaveLogin, which tells displaced). The store is opened before
// the flow runs: a missing keyring fails before the browser opens.
func (s *Source) Login(ctx context.Context, providerName, account string, flow func(context.Context, *provider.Provider) (*provider.Credential, error), displaced func(current, cred *provider.Credential)) (*LoggedIn, error) {
	p, err := s.Provider(ctx, providerName)
	if err != nil {
		return nil, err
	}
	st, err := s.Store()
	if err != nil {
		return nil, err
	}
	cred, err := flow(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := s.SaveLogin(ctx, p, cred, account, func(current *provider.Credential) { displaced(current, cred) }); err != nil {
		return nil, err
	}
	in := &LoggedIn{Provider: cred.Provider, Account: cred.Account, User: cred.UserName, UserID: cred.UserID, Scopes: cred.Scopes, Expiry: ui.NullTime(cred.Expiry)}
	if file, ok := st.(*store.File); ok {
		in.Unencrypted = file.Path()
	}
	return in, nil
}

// SaveLogin stores the credential a login to p obtained, under account and
// bound to p's origins. Without an account it replaces the default account's
// credential only when the same user logged in again: another user's login
// goes to an account of its own (accountFor), and displaced is told
// of the default's credential before anything is stored.
func (s *Source) SaveLogin(ctx context.Context, p *provider.Provider, cred *provider.Credential, account string, displaced func(current *provider.Credential)) error {
	st, err := s.Store()
	if err != nil {
		return err
	}
	cred.Provider, cred.Account = p.Name, account
	if account == "" {
		if current, err := st.Get(ctx, p.Name, ""); err == nil {
			if cred.Account = accountFor(current, cred); cred.Account != "" {
				displaced(current)
			}
		}
	}
	Bind(cred, p)
	if err := st.Put(ctx, cred); err != nil {
		return fmt.Errorf("save the credential: %w", err)
	}
	return nil
}

// accountFor is the account a login without --account is stored under, given
// the credential current of the default account (nil when there is none): the
// default ("") unless current is another user's, which a login must not
// silently evict; then an account named after the new user.
func accountFor(current, cred *provider.Credential) string {
	if current == nil || current.UserID == "" || cred.UserID == "" || current.UserID == cred.UserID {
		return ""
	}
	account := cred.UserName
	if account == "" || account == current.Account {
		account = cred.UserID
	}
	return account
}
