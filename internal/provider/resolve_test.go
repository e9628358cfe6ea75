package provider

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
)

func ptr(s string) *string { return &s }

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		entries  map[string]config.Provider
		env      map[string]string
		provider string
		wantMsg  string
	}{
		{"unknown provider", nil, nil, "gitlab", `unknown provider "gitlab"`},
		{"built-in without client_id", nil, nil, "discord", "set providers.discord.client_id in the config file or AUTHCTL_DISCORD_CLIENT_ID"},
		{"unknown kind", map[string]config.Provider{"x": {Kind: "okta", ClientID: "1"}}, nil, "x", `unknown kind "okta"`},
		{"secret env var unset", map[string]config.Provider{"discord": {ClientID: "1", ClientSecretEnv: "MY_DISCORD_SECRET"}}, nil, "discord", "client_secret_env names MY_DISCORD_SECRET, which is not set"},
		{"oauth2 without URLs", map[string]config.Provider{"corp": {Kind: "oauth2", ClientID: "1"}}, nil, "corp", "kind oauth2 needs auth_url and token_url"},
		{"oidc without issuer", map[string]config.Provider{"work": {Kind: "oidc", ClientID: "1"}}, nil, "work", "kind oidc needs issuer; set providers.work.issuer"},
		{"env names an unknown kind", nil, map[string]string{"AUTHCTL_FOO_KIND": "bogus", "AUTHCTL_FOO_CLIENT_ID": "1"}, "foo", `unknown kind "bogus"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := &config.Config{Providers: tt.entries}
			_, err := Resolve(context.Background(), cfg, tt.provider, envOf(tt.env), nil)
			if err == nil {
				t.Fatal("Resolve succeeded, want an error")
			}
			if code := exitcode.Of(err); code != exitcode.Usage {
				t.Errorf("exit code = %d, want %d (%v)", code, exitcode.Usage, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %q, want one line containing %q", err, tt.wantMsg)
			}
		})
	}
}

func TestResolveBuiltinsAndOverrides(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Providers: map[string]config.Provider{
		"discord": {ClientID: "d1", ClientSecretEnv: "DSECRET", RedirectPorts: []int{53682}},
		"github":  {ClientID: "g1"},
		"slack":   {ClientID: "s1", ClientSecret: "inline"},
		"sentry":  {ClientID: "e1", ClientSecret: "sec"},
		"ghe": {Kind: "github", ClientID: "g2", ClientSecret: "x",
			AuthURL: ptr("https://ghe.example/login/oauth/authorize"), TokenURL: ptr("https://ghe.example/login/oauth/access_token"),
			DeviceURL: ptr(""), APIURL: ptr("https://ghe.example/api/v3/"), Scopes: []string{"repo"}},
		"ghes":        {Kind: "github", ClientID: "g3", AuthURL: ptr("https://ghe.corp/login/oauth/authorize")},
		"sentry-self": {Kind: "sentry", ClientID: "e2", ClientSecret: "s", AuthURL: ptr("http://sentry.corp:9000/oauth/authorize/")},
		"corp":        {Kind: "oauth2", ClientID: "c1", ClientSecret: "cs", AuthURL: ptr("https://id/authorize"), TokenURL: ptr("https://id/token")},
		"pub":         {Kind: "oauth2", ClientID: "c2", AuthURL: ptr("https://id/authorize"), TokenURL: ptr("https://id/token")},
	}}
	env := envOf(map[string]string{"DSECRET": "from-env", "AUTHCTL_SLACK_API_URL": "http://127.0.0.1:9/api"})
	tests := []struct {
		name                         string
		authURL, tokenURL, deviceURL string
		apiURL, revokeURL            string
		style                        oauth2.AuthStyle
		secret, redirectHost         string
		scopes                       []string
	}{
		{"discord", "https://discord.com/oauth2/authorize", "https://discord.com/api/oauth2/token", "", "https://discord.com/api/v10", "https://discord.com/api/oauth2/token/revoke", oauth2.AuthStyleInParams, "from-env", "127.0.0.1", []string{"identify"}},
		{"github", "https://github.com/login/oauth/authorize", "https://github.com/login/oauth/access_token", "https://github.com/login/device/code", "https://api.github.com", "", oauth2.AuthStyleInParams, "", "127.0.0.1", []string{"read:user"}},
		{"slack", "https://slack.com/oauth/v2/authorize", "https://slack.com/api/oauth.v2.access", "", "http://127.0.0.1:9/api", "https://slack.com/api/auth.revoke", oauth2.AuthStyleInParams, "inline", "localhost", []string{"users:read"}},
		{"sentry", "https://sentry.io/oauth/authorize/", "https://sentry.io/oauth/token/", "https://sentry.io/oauth/device/code/", "https://sentry.io/api/0", "https://sentry.io/oauth/revoke/", oauth2.AuthStyleInParams, "sec", "127.0.0.1", []string{"org:read"}},
		{"ghe", "https://ghe.example/login/oauth/authorize", "https://ghe.example/login/oauth/access_token", "", "https://ghe.example/api/v3", "", oauth2.AuthStyleInParams, "x", "127.0.0.1", []string{"repo"}},
		{"ghes", "https://ghe.corp/login/oauth/authorize", "https://ghe.corp/login/oauth/access_token", "https://ghe.corp/login/device/code", "https://ghe.corp/api/v3", "", oauth2.AuthStyleInParams, "", "127.0.0.1", []string{"read:user"}},
		{"sentry-self", "http://sentry.corp:9000/oauth/authorize/", "http://sentry.corp:9000/oauth/token/", "http://sentry.corp:9000/oauth/device/code/", "http://sentry.corp:9000/api/0", "http://sentry.corp:9000/oauth/revoke/", oauth2.AuthStyleInParams, "s", "127.0.0.1", []string{"org:read"}},
		{"corp", "https://id/authorize", "https://id/token", "", "", "", oauth2.AuthStyleInHeader, "cs", "127.0.0.1", nil},
		{"pub", "https://id/authorize", "https://id/token", "", "", "", oauth2.AuthStyleInParams, "", "127.0.0.1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Resolve(context.Background(), cfg, tt.name, env, nil)
			if err != nil {
				t.Fatal(err)
			}
			e := p.Endpoint
			got := []string{e.AuthURL, e.TokenURL, e.DeviceAuthURL, p.APIURL, p.RevokeURL, p.ClientSecret, p.RedirectHost, strings.Join(p.Scopes, " ")}
			want := []string{tt.authURL, tt.tokenURL, tt.deviceURL, tt.apiURL, tt.revokeURL, tt.secret, tt.redirectHost, strings.Join(tt.scopes, " ")}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("field %d = %q, want %q", i, got[i], want[i])
				}
			}
			if e.AuthStyle != tt.style {
				t.Errorf("AuthStyle = %v, want %v", e.AuthStyle, tt.style)
			}
		})
	}
}

// Sentry and GitHub resolve without a client secret, for a public client's device flow; a login
// in the browser is then refused up front with the key to set (issue 13, point 7).
func TestWebLoginSecretOnlyForTheBrowser(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Providers: map[string]config.Provider{"sentry": {ClientID: "1"}, "github": {ClientID: "2"}, "discord": {ClientID: "3"}}}
	for name, wantErr := range map[string]bool{"sentry": true, "github": true, "discord": false} {
		p, err := Resolve(context.Background(), cfg, name, envOf(nil), nil)
		if err != nil {
			t.Fatalf("resolve %s without a secret: %v", name, err)
		}
		err = p.CheckWebLoginSecret()
		if !wantErr {
			if err != nil {
				t.Errorf("%s: %v, want nil", name, err)
			}
			continue
		}
		want := "provider " + name + ": a " + name + " login in the browser needs the client secret; set providers." + name + ".client_secret_env (or AUTHCTL_" + strings.ToUpper(name) + "_CLIENT_SECRET), or log in with --device"
		if exitcode.Of(err) != exitcode.Usage || err == nil || err.Error() != want {
			t.Errorf("%s: %v (exit %d), want exit 2 %q", name, err, exitcode.Of(err), want)
		}
	}
}

// Slack's localhost port matching is undocumented, so a browser login needs redirect_ports.
// fidelity: slack-localhost-port-exact
func TestSlackNeedsRedirectPorts(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Providers: map[string]config.Provider{"slack": {ClientID: "1"}, "slack2": {Kind: "slack", ClientID: "2", RedirectPorts: []int{53683}}, "github": {ClientID: "3"}}}
	for name, wantErr := range map[string]bool{"slack": true, "slack2": false, "github": false} {
		p, err := Resolve(context.Background(), cfg, name, envOf(nil), nil)
		if err != nil {
			t.Fatal(err)
		}
		err = p.CheckRedirectPorts()
		if wantErr != (err != nil) || wantErr && (exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "set providers.slack.redirect_ports: [PORT]")) {
			t.Errorf("%s: %v (exit %d), want error %v", name, err, exitcode.Of(err), wantErr)
		}
	}
}

func TestResolveAPIAllowsMissingClient(t *testing.T) {
	t.Parallel()
	p, err := ResolveAPI(context.Background(), &config.Config{}, "discord", envOf(nil), nil)
	if err != nil {
		t.Fatalf("ResolveAPI: %v", err)
	}
	if p.APIURL != "https://discord.com/api/v10" {
		t.Errorf("APIURL = %q", p.APIURL)
	}
	if _, err := ResolveAPI(context.Background(), &config.Config{}, "nope", envOf(nil), nil); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("unknown provider: err = %v, want exit 2", err)
	}
}

func TestSlackScopesGoToUserScope(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Providers: map[string]config.Provider{"slack": {ClientID: "s1", ClientSecret: "x", AuthURL: ptr("http://127.0.0.1:1/oauth/v2/authorize")}}}
	p, err := Resolve(context.Background(), cfg, "slack", envOf(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	authURL := p.OAuth2("http://localhost:5000/callback", []string{"users:read", "chat:write"}).AuthCodeURL("st")
	if !strings.Contains(authURL, "user_scope=users%3Aread%2Cchat%3Awrite") {
		t.Errorf("auth URL %q lacks comma-separated user_scope", authURL)
	}
	if strings.Contains(authURL, "&scope=") || strings.Contains(authURL, "?scope=") {
		t.Errorf("auth URL %q sends bot scopes", authURL)
	}
	if !strings.HasPrefix(authURL, "http://127.0.0.1:1/oauth/v2/authorize?user_scope=") || !strings.Contains(authURL, "&client_id=s1") {
		t.Errorf("auth URL %q is not well formed", authURL)
	}
}

func TestDisplayName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"discord": "Discord", "github": "GitHub", "slack": "Slack", "sentry": "Sentry", "ghe": "ghe", "oidc": "oidc"} {
		if got := DisplayName(name); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", name, got, want)
		}
	}
}

// Known: a built-in name needs no config; a configured or variable-defined
// one is known; anything else is exit 2 naming what there is.
func TestKnown(t *testing.T) {
	cfg := &config.Config{Providers: map[string]config.Provider{"corp": {Kind: KindOIDC}}}
	load := func() (*config.Config, error) { return cfg, nil }
	if err := Known("discord", func() (*config.Config, error) { t.Fatal("config read for a built-in"); return nil, nil }, envOf(nil)); err != nil {
		t.Errorf("discord: %v", err)
	}
	if err := Known("corp", load, envOf(nil)); err != nil {
		t.Errorf("corp: %v", err)
	}
	err := Known("crop", load, envOf(nil))
	if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), `did you mean "corp"?`) {
		t.Errorf("crop: %v (exit %d), want exit 2 suggesting corp", err, exitcode.Of(err))
	}
}
