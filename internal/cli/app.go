package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
)

// appTokenMargin is how long before GitHub's expires_at a cached installation token is replaced.
const appTokenMargin = 5 * time.Minute

// AppTokenOptions are the inputs of `authctl app token github`.
type AppTokenOptions struct {
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
}

func newCmdApp(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "app",
		Short: "Credentials of integrations: GitHub App installation tokens, Sentry integration tokens",
	}
	token := &cobra.Command{Use: "token", Short: "Print a valid integration token on stdout"}
	token.AddCommand(newCmdAppTokenGitHub(f), newCmdAppTokenSentry(f))
	login := &cobra.Command{Use: "login", Short: "Store an integration's token"}
	login.AddCommand(newCmdAppLoginSentry(f))
	cmd.AddCommand(token, login, newCmdAppStatus(f, nil))
	return cmd
}

func newCmdAppTokenGitHub(f *Factory) *cobra.Command {
	opts := &AppTokenOptions{}
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
			return appTokenGitHubRun(cmd, f, opts)
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

func appTokenGitHubRun(cmd *cobra.Command, f *Factory, opts *AppTokenOptions) error {
	ctx := cmd.Context()
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
		return exitcode.New(exitcode.Usage, err)
	}
	req := app.TokenRequest{Repositories: opts.Repositories}
	for _, p := range opts.Permissions {
		name, level, ok := strings.Cut(p, "=")
		if !ok || name == "" || level == "" {
			return exitcode.Errorf(exitcode.Usage, "--permission %q must be name=level", p)
		}
		if req.Permissions == nil {
			req.Permissions = map[string]string{}
		}
		req.Permissions[name] = level
	}

	if opts.JWT {
		jwt, err := signAppJWT(f, opts)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(f.IO.Out, jwt)
		return err
	}
	gh, err := githubAppAPI(ctx, f, opts.Provider)
	if err != nil {
		return err
	}
	// A narrowed token is minted for one use and never cached.
	if len(req.Permissions) > 0 || len(req.Repositories) > 0 {
		tok, err := mintGitHubToken(ctx, f, opts, gh.APIURL, req)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(f.IO.Out, tok.Token)
		return err
	}

	cred, err := cachedInstallationToken(ctx, f, opts, gh.APIURL)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f.IO.Out, cred.AccessToken)
	return err
}

// cachedInstallationToken is the installation token for the target opts name on the GitHub
// whose API is apiURL: the cached one while it is valid for appTokenMargin (no key read, no
// request), else one minted once for all parallel callers and cached.
func cachedInstallationToken(ctx context.Context, f *Factory, opts *AppTokenOptions, apiURL string) (*provider.Credential, error) {
	return f.Credentials().CachedAppToken(ctx, installationKey(apiURL, opts), appTokenMargin, func(ctx context.Context) (*provider.Credential, error) {
		tok, err := mintGitHubToken(ctx, f, opts, apiURL, app.TokenRequest{})
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

// signAppJWT reads the app's private key and signs an app JWT with it.
func signAppJWT(f *Factory, opts *AppTokenOptions) (string, error) {
	pemBytes, err := readPrivateKey(f, opts)
	if err != nil {
		return "", err
	}
	rsaKey, err := app.ParsePrivateKey(pemBytes)
	if err != nil {
		return "", err
	}
	return app.AppJWT(opts.AppID, rsaKey, f.Now())
}

// mintGitHubToken signs the app JWT, finds the installation when the options name a repo or an
// org, and mints an installation token.
func mintGitHubToken(ctx context.Context, f *Factory, opts *AppTokenOptions, apiURL string, req app.TokenRequest) (*app.InstallationToken, error) {
	jwt, err := signAppJWT(f, opts)
	if err != nil {
		return nil, err
	}
	client := &app.GitHubClient{APIURL: apiURL, HTTP: f.HTTPClient(), JWT: jwt, Now: f.Now}
	installation := opts.Installation
	if installation == 0 {
		if installation, err = client.FindInstallation(ctx, opts.Repo, opts.Org); err != nil {
			return nil, err
		}
	}
	return client.CreateToken(ctx, installation, req)
}

// readPrivateKey reads the app key from a file or an environment variable, never from argv.
func readPrivateKey(f *Factory, opts *AppTokenOptions) ([]byte, error) {
	switch {
	case opts.PrivateKeyFile != "" && opts.PrivateKeyEnv != "":
		return nil, exitcode.Errorf(exitcode.Usage, "give --private-key-file or --private-key-env, not both")
	case opts.PrivateKeyFile != "":
		b, err := os.ReadFile(opts.PrivateKeyFile)
		if err != nil {
			return nil, exitcode.Errorf(exitcode.Usage, "read private key: %v", err)
		}
		return b, nil
	case opts.PrivateKeyEnv != "":
		v := f.Getenv(opts.PrivateKeyEnv)
		if v == "" {
			return nil, exitcode.Errorf(exitcode.Usage, "private key: $%s is empty", opts.PrivateKeyEnv)
		}
		return []byte(v), nil
	}
	return nil, exitcode.Errorf(exitcode.Usage, "give --private-key-file or --private-key-env")
}
