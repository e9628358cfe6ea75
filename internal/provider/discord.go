package provider

import (
	"context"
	"net/http"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/endpoints"

	"github.com/authctl/authctl/internal/build"
)

// discordUserAgent follows Discord's required form "DiscordBot (url, version)".
func discordUserAgent() string {
	version, _, _ := build.Info()
	return "DiscordBot (https://github.com/authctl/authctl, " + version + ")"
}

var discordDefaults = builtin{
	endpoint: oauth2.Endpoint{
		AuthURL:   endpoints.Discord.AuthURL,
		TokenURL:  endpoints.Discord.TokenURL,
		AuthStyle: oauth2.AuthStyleInParams, // Discord takes client_id/client_secret in the form
	},
	revokeURL: "https://discord.com/api/oauth2/token/revoke",
	apiURL:    "https://discord.com/api/v10",
	scopes:    []string{"identify"},
	behaviour: discord{},
}

// discord is RFC 6749 and RFC 7009 as standard, with /users/@me for identity.
type discord struct{ standard }

func (discord) identity(ctx context.Context, p *Provider, accessToken string) (Identity, error) {
	var user struct {
		ID         string `json:"id"`
		Username   string `json:"username"`
		GlobalName string `json:"global_name"`
	}
	if err := getJSON(ctx, p, p.APIURL+"/users/@me", accessToken, "identify", &user); err != nil {
		return Identity{}, err
	}
	return Identity{ID: user.ID, Name: user.Username}, nil
}

// withUserAgent returns a copy of client whose requests carry agent.
func withUserAgent(client *http.Client, agent string) *http.Client {
	c := *client
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = userAgentTransport{base: base, agent: agent}
	return &c
}

type userAgentTransport struct {
	base  http.RoundTripper
	agent string
}

func (t userAgentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", t.agent)
	return t.base.RoundTrip(req)
}
