package credential

import (
	"context"
	"fmt"

	"github.com/authctl/authctl/internal/provider"
)

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
