package cli

import (
	"context"
	"time"

	"github.com/authctl/authctl/internal/build"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/discord"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
)

// discordAccess is what guild commands need from the factory, as functions so
// that nothing is resolved before it is used.
type discordAccess struct {
	Client func() (*discord.Client, error)
	Tokens discord.TokenSource
}

// discordAccess wires guild commands to the configuration, the HTTP client
// and the credential store.
func (f *Factory) discordAccess(providerName, account string, maxWait time.Duration) discordAccess {
	return discordAccess{
		Client: func() (*discord.Client, error) {
			base, err := f.discordAPIURL(providerName)
			if err != nil {
				return nil, err
			}
			version, _, _ := build.Info()
			return &discord.Client{
				HTTP:      f.HTTPClient(),
				BaseURL:   base,
				UserAgent: discord.UserAgent(version),
				MaxWait:   maxWait,
			}, nil
		},
		Tokens: discord.TokenFunc(func(ctx context.Context, rejected string) (*discord.UserToken, error) {
			creds := f.Credentials()
			var cred *provider.Credential
			var err error
			if rejected == "" {
				cred, err = creds.Token(ctx, providerName, account, credential.DefaultMinTTL)
			} else {
				cred, err = creds.Replace(ctx, providerName, account, credential.DefaultMinTTL, rejected)
			}
			if err != nil {
				return nil, err
			}
			base, err := f.discordAPIURL(providerName)
			if err != nil {
				return nil, err
			}
			if err := credential.CheckURL(cred, base); err != nil {
				return nil, err
			}
			return &discord.UserToken{
				AccessToken: cred.AccessToken,
				Scopes:      cred.Scopes,
				UserID:      cred.UserID,
				UserName:    cred.UserName,
				Refreshable: cred.RefreshToken != "",
			}, nil
		}),
	}
}

// discordAPIURL is the provider entry's api_url, else Discord's; bot mode
// needs no client id, so the entry is read without resolving OAuth settings.
func (f *Factory) discordAPIURL(providerName string) (string, error) {
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	p, ok := cfg.Provider(providerName, f.Getenv)
	if kind := p.Kind; kind != "" && kind != "discord" {
		return "", exitcode.Errorf(exitcode.Usage, "provider %q is of kind %q, not discord", providerName, kind)
	}
	if !ok && providerName != "discord" {
		return "", exitcode.Errorf(exitcode.Usage, "unknown provider %q: add it to the config with kind: discord", providerName)
	}
	if p.Kind == "" && providerName != "discord" {
		return "", exitcode.Errorf(exitcode.Usage, "provider %q needs kind: discord for guild commands", providerName)
	}
	if p.APIURL != nil && *p.APIURL != "" {
		return *p.APIURL, nil
	}
	return discord.DefaultBaseURL, nil
}
