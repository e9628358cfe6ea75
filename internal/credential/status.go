package credential

import (
	"context"
	"slices"
	"time"

	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

// LoginStatus is one stored login as `status` shows it: never a token.
type LoginStatus struct {
	Provider      string     `json:"provider"`
	Account       string     `json:"account"`
	UserID        string     `json:"user_id"`
	User          string     `json:"user"`
	Scopes        []string   `json:"scopes"`
	Expiry        *time.Time `json:"expiry"`
	Expired       bool       `json:"expired"`
	Refreshable   bool       `json:"refreshable"`
	RefreshExpiry *time.Time `json:"refresh_expiry"`
	Store         string     `json:"store"`
}

// Status is the answer of `status`: the store and the logins it holds, in the JSON shape of CLI.md.
type Status struct {
	Store    string        `json:"store"`
	Accounts []LoginStatus `json:"accounts"`
	// Overridden are the listed providers whose AUTHCTL_<NAME>_TOKEN is set: commands use it
	// instead of the stored token.
	Overridden []string `json:"-"`
	// Missing says, when one provider was asked for and nothing is stored for it, so (exit 3,
	// or exit 2 for a provider authctl does not know).
	Missing error `json:"-"`
}

// Status lists the stored logins of providerName (of every provider when it is empty) as
// they stand at now.
func (s *Source) Status(ctx context.Context, providerName string, now time.Time) (*Status, error) {
	storeName, logins, err := s.Logins(ctx, providerName)
	if err != nil {
		return nil, err
	}
	status := &Status{Store: storeName, Accounts: []LoginStatus{}}
	for _, c := range logins {
		scopes := c.Scopes
		if scopes == nil {
			scopes = []string{}
		}
		status.Accounts = append(status.Accounts, LoginStatus{Provider: c.Provider, Account: c.Account, UserID: c.UserID, User: c.UserName,
			Scopes: scopes, Expiry: ui.NullTime(c.Expiry), Expired: Expired(c, now), Refreshable: Refreshable(c, now),
			RefreshExpiry: ui.NullTime(c.RefreshExpiry), Store: storeName})
		if s.Getenv(EnvVar(c.Provider)) != "" && !slices.Contains(status.Overridden, c.Provider) {
			status.Overridden = append(status.Overridden, c.Provider)
		}
	}
	if len(logins) == 0 && providerName != "" {
		status.Missing = s.NotLoggedIn(providerName, "", store.ErrNotFound)
	}
	return status, nil
}

// AppTokenStatus is one integration token as `app status` shows it: never the token.
type AppTokenStatus struct {
	Key     string `json:"key"`
	Expires string `json:"expires"` // RFC 3339 in UTC, or "never"
	Valid   bool   `json:"valid"`

	AppKey AppKey    `json:"-"`
	Expiry time.Time `json:"-"` // zero: never
}

// AppStatus lists the integrations' tokens in the store as they stand at now.
func (s *Source) AppStatus(ctx context.Context, now time.Time) ([]AppTokenStatus, error) {
	tokens, err := s.AppTokens(ctx)
	if err != nil {
		return nil, err
	}
	entries := []AppTokenStatus{}
	for _, t := range tokens {
		e := AppTokenStatus{Key: t.Key.String(), Expires: "never", Valid: store.Fresh(t.Credential, now, 0), AppKey: t.Key, Expiry: t.Credential.Expiry}
		if !e.Expiry.IsZero() {
			e.Expires = e.Expiry.UTC().Format(time.RFC3339)
		}
		entries = append(entries, e)
	}
	return entries, nil
}
