package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/ui"
)

// appTokenMargin is how long before GitHub's expires_at a cached installation token is replaced.
const appTokenMargin = 5 * time.Minute

// AppTokenOptions are the inputs of `authctl app token github`.
type AppTokenOptions struct {
	IO *ui.IOStreams
	// GitHubAPI resolves the provider entry whose API the app calls.
	GitHubAPI func(ctx context.Context, name string) (*provider.Provider, error)
	// App is the app of the options on the GitHub whose API is apiURL.
	App func(apiURL string) *app.GitHubApp
	// CachedToken is the target's installation token from the cache, minted when needed.
	CachedToken func(ctx context.Context, apiURL string) (*provider.Credential, error)

	Provider       string
	AppID          string
	ClientID       string
	PrivateKeyFile string
	PrivateKeyEnv  string
	Installation   int64
	Repo           string
	Org            string
	Permissions    []string
	Repositories   []string
	JWT            bool

	request app.TokenRequest // from --permission and --repositories
}

func newCmdApp(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "app",
		Short: "Credentials of integrations: GitHub App installation tokens, Sentry integration tokens",
	}
	token := &cobra.Command{Use: "token", Short: "Print a valid integration token on stdout"}
	token.AddCommand(newCmdAppTokenGitHub(f, nil), newCmdAppTokenSentry(f, nil))
	login := &cobra.Command{Use: "login", Short: "Store an integration's token"}
	login.AddCommand(newCmdAppLoginSentry(f, nil))
	cmd.AddCommand(token, login, newCmdAppStatus(f, nil))
	return cmd
}

func newCmdAppTokenGitHub(f *Factory, runF func(context.Context, *AppTokenOptions) error) *cobra.Command {
	opts := &AppTokenOptions{IO: f.IO}
	opts.GitHubAPI = func(ctx context.Context, name string) (*provider.Provider, error) { return githubAppAPI(ctx, f, name) }
	opts.App = func(apiURL string) *app.GitHubApp { return githubApp(f, opts, apiURL) }
	opts.CachedToken = func(ctx context.Context, apiURL string) (*provider.Credential, error) {
		return cachedInstallationToken(ctx, f, opts, apiURL)
	}
	cmd := &cobra.Command{
		Use:   "github",
		Short: "Print a GitHub App installation token (cached per target until 5 minutes before it expires)",
		Long: `Print an installation token of a GitHub App on stdout, for GH_TOKEN in CI.

authctl signs an app JWT (RS256, iat 60 s back, 9 minutes of life) with the
private key from --private-key-file or the variable named by --private-key-env
(never from argv), finds the installation of --repo or --org (or takes
--installation), and mints a one-hour token. The token is cached in the
credential store per GitHub host, app and target until 5 minutes before it
expires: a later call for the same target prints it without reading the key or
making a request, and parallel calls mint once. --permission and --repositories
narrow a token to less than the installation has; narrowed tokens are never
cached. GitHub Enterprise: --provider names a config entry of kind github whose
URLs point at the server (api_url, or auth_url on its host), as for login.

Exit codes: 0 token printed; 2 bad flags or key file, app not installed on the
target, or narrowing beyond the installation's grant; 3 GitHub rejected the app
JWT (a clock that seems off is named); 4 network or GitHub failure; 5 the
credential store is unavailable.`,
		Example: `  GH_TOKEN=$(authctl app token github --app-id 424242 --private-key-file app.pem --repo OWNER/NAME)`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			return runCommand(cmd.Context(), opts, runF, appTokenGitHubRun)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Provider, "provider", "github", "config entry (kind github) whose URLs to use, e.g. a GitHub Enterprise server")
	fl.StringVar(&opts.AppID, "app-id", "", "the GitHub App's numeric id (or give --client-id)")
	fl.StringVar(&opts.ClientID, "client-id", "", "the GitHub App's client ID (Iv1.…, Iv23…), the JWT issuer GitHub recommends; instead of --app-id")
	fl.StringVar(&opts.PrivateKeyFile, "private-key-file", "", "file holding the app's RSA private key (PEM)")
	fl.StringVar(&opts.PrivateKeyEnv, "private-key-env", "", "environment variable holding the app's RSA private key (PEM)")
	fl.Int64Var(&opts.Installation, "installation", 0, "installation id")
	fl.StringVar(&opts.Repo, "repo", "", "find the installation of OWNER/NAME")
	fl.StringVar(&opts.Org, "org", "", "find the installation of an organization or a user account")
	fl.StringArrayVar(&opts.Permissions, "permission", nil, "narrow the token: name=level (repeatable)")
	fl.StringSliceVar(&opts.Repositories, "repositories", nil, "narrow the token to these repository names")
	fl.BoolVar(&opts.JWT, "jwt", false, "print the app JWT instead of an installation token")
	return cmd
}

// validate checks the flags that name the app and the target, and parses --permission.
func (opts *AppTokenOptions) validate() error {
	targets := 0
	for _, set := range []bool{opts.Installation != 0, opts.Repo != "", opts.Org != ""} {
		if set {
			targets++
		}
	}
	if !opts.JWT && targets != 1 {
		return exitcode.Errorf(exitcode.Usage, "give exactly one of --installation, --repo or --org")
	}
	if opts.Installation < 0 {
		return exitcode.Errorf(exitcode.Usage, "--installation must be a positive number")
	}
	switch {
	case opts.AppID != "" && opts.ClientID != "":
		return exitcode.Errorf(exitcode.Usage, "give --app-id or --client-id, not both")
	case opts.AppID == "" && opts.ClientID == "":
		return exitcode.Errorf(exitcode.Usage, "give the app's --app-id or --client-id")
	case opts.ClientID != "":
		opts.AppID = opts.ClientID // the issuer of the app JWT, and the app in the cache key
	}
	if err := app.Issuer(opts.AppID); err != nil {
		return err
	}
	perms, err := app.ParsePermissions(opts.Permissions)
	opts.request = app.TokenRequest{Permissions: perms, Repositories: opts.Repositories}
	return err
}

func appTokenGitHubRun(ctx context.Context, opts *AppTokenOptions) error {
	if opts.JWT {
		jwt, err := opts.App("").JWT()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(opts.IO.Out, jwt)
		return err
	}
	gh, err := opts.GitHubAPI(ctx, opts.Provider)
	if err != nil {
		return err
	}
	var token string
	if len(opts.request.Permissions) > 0 || len(opts.request.Repositories) > 0 {
		// A narrowed token is minted for one use and never cached.
		tok, err := opts.App(gh.APIURL).Mint(ctx, opts.target(), opts.request)
		if err != nil {
			return err
		}
		token = tok.Token
	} else {
		cred, err := opts.CachedToken(ctx, gh.APIURL)
		if err != nil {
			return err
		}
		token = cred.AccessToken
	}
	_, err = fmt.Fprintln(opts.IO.Out, token)
	return err
}

func (opts *AppTokenOptions) target() app.Target {
	return app.Target{Installation: opts.Installation, Repo: opts.Repo, Org: opts.Org}
}

// cachedInstallationToken is the installation token for the target opts name on the GitHub
// whose API is apiURL: the cached one while it is valid for appTokenMargin (no key read, no
// request), else one minted once for all parallel callers and cached.
func cachedInstallationToken(ctx context.Context, f *Factory, opts *AppTokenOptions, apiURL string) (*provider.Credential, error) {
	return f.Credentials().CachedAppToken(ctx, installationKey(apiURL, opts), appTokenMargin, func(ctx context.Context) (*provider.Credential, error) {
		tok, err := githubApp(f, opts, apiURL).Mint(ctx, opts.target(), app.TokenRequest{})
		if err != nil {
			return nil, err
		}
		return &provider.Credential{AccessToken: tok.Token, TokenType: "token", Expiry: tok.ExpiresAt}, nil
	})
}

// installationKey is the cache key of the target opts name.
func installationKey(apiURL string, opts *AppTokenOptions) credential.AppKey {
	return credential.GitHubAppKey(apiURL, opts.AppID, opts.Installation, opts.Repo, opts.Org, "")
}

// githubAppAPI resolves the provider entry whose API the app calls; it must be of kind github.
func githubAppAPI(ctx context.Context, f *Factory, name string) (*provider.Provider, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	p, err := provider.ResolveAPI(ctx, cfg, name, f.Getenv, f.HTTPClient())
	if err != nil {
		return nil, err
	}
	if p.Kind != provider.KindGitHub {
		return nil, exitcode.Errorf(exitcode.Usage, "--provider %s is of kind %s, not github", name, p.Kind)
	}
	return p, nil
}

// githubApp is the app opts name, with the factory's environment, HTTP client and clock.
func githubApp(f *Factory, opts *AppTokenOptions, apiURL string) *app.GitHubApp {
	key := app.PrivateKey{File: opts.PrivateKeyFile, Env: opts.PrivateKeyEnv, Getenv: f.Getenv, Warn: f.IO.Warnf}
	return &app.GitHubApp{ID: opts.AppID, Key: key, APIURL: apiURL, HTTP: f.HTTPClient(), Now: f.Now}
}
