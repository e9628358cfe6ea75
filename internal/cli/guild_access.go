package cli

import (
	"context"
	"time"

	"github.com/authctl/authctl/internal/build"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/discord"
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
	apiURL := func() (string, error) {
		cfg, err := f.Config()
		if err != nil {
			return "", err
		}
		return discord.APIURL(cfg, providerName, f.Getenv)
	}
	return discordAccess{
		Client: func() (*discord.Client, error) {
			base, err := apiURL()
			if err != nil {
				return nil, err
			}
			version, _, _ := build.Info()
			return &discord.Client{HTTP: f.HTTPClient(), BaseURL: base, UserAgent: discord.UserAgent(version), MaxWait: maxWait}, nil
		},
		Tokens: discord.CredentialFunc(func(ctx context.Context, rejected string) (*provider.Credential, error) {
			base, err := apiURL()
			if err != nil {
				return nil, err
			}
			return f.Credentials().TokenTo(ctx, providerName, account, credential.DefaultMinTTL, rejected, base)
		}),
	}
}
