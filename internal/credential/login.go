package credential

import (
	"context"
	"fmt"

	"github.com/authctl/authctl/internal/oauthflow"
	"github.com/authctl/authctl/internal/provider"
)

// SaveLogin stores the credential a login to p obtained, under account and
// bound to p's origins. Without an account it replaces the default account's
// credential only when the same user logged in again: another user's login
// goes to an account of its own (oauthflow.AccountFor), and displaced is told
// of the default's credential before anything is stored.
func (s *Source) SaveLogin(ctx context.Context, p *provider.Provider, cred *provider.Credential, account string, displaced func(current *provider.Credential)) error {
	st, err := s.Store()
	if err != nil {
		return err
	}
	cred.Provider, cred.Account = p.Name, account
	if account == "" {
		if current, err := st.Get(ctx, p.Name, ""); err == nil {
			if cred.Account = oauthflow.AccountFor(current, cred); cred.Account != "" {
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
