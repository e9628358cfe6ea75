package discord

import (
	"context"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
)

// APIURL is the api_url of the provider entry name, else Discord's own. Bot
// mode needs no client id, so the entry is read without resolving its OAuth
// settings; it must be of kind discord ("discord" itself may be left out of
// the config).
func APIURL(cfg *config.Config, name string, getenv func(string) string) (string, error) {
	p, ok := cfg.Provider(name, getenv)
	if kind := p.Kind; kind != "" && kind != "discord" {
		return "", exitcode.Errorf(exitcode.Usage, "provider %q is of kind %q, not discord", name, kind)
	}
	if !ok && name != "discord" {
		return "", exitcode.Errorf(exitcode.Usage, "unknown provider %q: add it to the config with kind: discord", name)
	}
	if p.Kind == "" && name != "discord" {
		return "", exitcode.Errorf(exitcode.Usage, "provider %q needs kind: discord for guild commands", name)
	}
	if p.APIURL != nil && *p.APIURL != "" {
		return *p.APIURL, nil
	}
	return DefaultBaseURL, nil
}

// CredentialFunc serves a stored login's credential as the check's user
// token: it returns a valid credential, or one that replaces rejected.
type CredentialFunc func(ctx context.Context, rejected string) (*provider.Credential, error)

// Token calls f and hands on the parts of the credential a check uses.
func (f CredentialFunc) Token(ctx context.Context, rejected string) (*UserToken, error) {
	cred, err := f(ctx, rejected)
	if err != nil {
		return nil, err
	}
	return &UserToken{AccessToken: cred.AccessToken, Scopes: cred.Scopes, UserID: cred.UserID, UserName: cred.UserName, Refreshable: cred.RefreshToken != ""}, nil
}
