package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/ui"
)

// AppTokenOptions are the inputs of `authctl app token github`.
type AppTokenOptions struct {
	IO          *ui.IOStreams
	Apps        *app.GitHubApps
	Credentials func() *credential.Source

	Provider    string
	AppID       string
	ClientID    string
	Key         app.PrivateKey // --private-key-file or --private-key-env
	Target      app.Target     // --installation, --repo or --org
	Permissions []string
	JWT         bool

	request app.TokenRequest // --repositories, and --permission parsed
}

func newCmdApp(f *cmdutil.Factory) *cobra.Command {
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

func newCmdAppTokenGitHub(f *cmdutil.Factory, runF func(context.Context, *AppTokenOptions) error) *cobra.Command {
	opts := &AppTokenOptions{IO: f.IO, Apps: githubApps(f), Credentials: f.Credentials}
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
		Args:    cmdutil.UsageArgs(cobra.NoArgs),
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
	fl.StringVar(&opts.Key.File, "private-key-file", "", "file holding the app's RSA private key (PEM)")
	fl.StringVar(&opts.Key.Env, "private-key-env", "", "environment variable holding the app's RSA private key (PEM)")
	fl.Int64Var(&opts.Target.Installation, "installation", 0, "installation id")
	fl.StringVar(&opts.Target.Repo, "repo", "", "find the installation of OWNER/NAME")
	fl.StringVar(&opts.Target.Org, "org", "", "find the installation of an organization or a user account")
	fl.StringArrayVar(&opts.Permissions, "permission", nil, "narrow the token: name=level (repeatable)")
	fl.StringSliceVar(&opts.request.Repositories, "repositories", nil, "narrow the token to these repository names")
	fl.BoolVar(&opts.JWT, "jwt", false, "print the app JWT instead of an installation token")
	return cmd
}

// validate checks the flags that name the app and the target, and parses --permission.
func (opts *AppTokenOptions) validate() error {
	if err := opts.Target.Check(); err != nil && !opts.JWT {
		return err
	}
	if opts.Target.Installation < 0 {
		return exitcode.Errorf(exitcode.Usage, "--installation must be a positive number")
	}
	var err error
	if opts.AppID, err = app.IssuerOf(opts.AppID, opts.ClientID); err != nil { // the app in the cache key too
		return err
	}
	opts.request.Permissions, err = app.ParsePermissions(opts.Permissions)
	return err
}

func appTokenGitHubRun(ctx context.Context, opts *AppTokenOptions) error {
	if opts.JWT {
		jwt, err := opts.Apps.App(opts.AppID, opts.Key, "").JWT()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(opts.IO.Out, jwt)
		return err
	}
	gh, err := opts.Apps.On(ctx, opts.Provider, opts.AppID, opts.Key)
	if err != nil {
		return err
	}
	cred, err := opts.Credentials().InstallationToken(ctx, gh, opts.Target, opts.request)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(opts.IO.Out, cred.AccessToken)
	return err
}

// githubApps builds GitHub Apps with the factory's environment, HTTP client and clock.
func githubApps(f *cmdutil.Factory) *app.GitHubApps {
	return &app.GitHubApps{API: f.APIProvider, Getenv: f.Getenv, HTTP: f.HTTPClient, Now: f.Now, Warn: f.IO.Warnf}
}

// AppSentryOptions are the inputs of `authctl app login|token sentry`.
type AppSentryOptions struct {
	IO          *ui.IOStreams
	Credentials func() *credential.Source

	Provider     string
	Installation string
	Code         string // with --code-env, the variable's value
	CodeEnv      string
	MinTTL       time.Duration
}

// newCmdAppSentry is `app login|token sentry` with the flags both take; check runs once --installation is given.
func newCmdAppSentry(f *cmdutil.Factory, short string, check func(context.Context, *AppSentryOptions) error) (*cobra.Command, *AppSentryOptions) {
	opts := &AppSentryOptions{IO: f.IO, Credentials: f.Credentials}
	cmd := &cobra.Command{
		Use:   "sentry",
		Short: short,
		Args:  cmdutil.UsageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Installation == "" {
				return exitcode.Errorf(exitcode.Usage, "--installation is required")
			}
			return check(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Installation, "installation", "", "the installation UUID")
	cmd.Flags().StringVar(&opts.Provider, "provider", "sentry", "config entry (kind sentry) with the integration's client id and secret and, for self-hosted Sentry, its URLs")
	return cmd, opts
}

func newCmdAppLoginSentry(f *cmdutil.Factory, runF func(context.Context, *AppSentryOptions) error) *cobra.Command {
	cmd, opts := newCmdAppSentry(f, "Exchange a Sentry integration's installation code for a stored token", func(ctx context.Context, opts *AppSentryOptions) error {
		if opts.CodeEnv != "" {
			if opts.Code != "" {
				return exitcode.Errorf(exitcode.Usage, "give --code or --code-env, not both")
			}
			opts.Code = f.Getenv(opts.CodeEnv)
		}
		if opts.Code == "" {
			return exitcode.Errorf(exitcode.Usage, "give the installation code with --code or --code-env")
		}
		return runCommand(ctx, opts, runF, appLoginSentryRun)
	})
	cmd.Flags().StringVar(&opts.Code, "code", "", "the code from the installation webhook (visible in ps: prefer --code-env)")
	cmd.Flags().StringVar(&opts.CodeEnv, "code-env", "", "environment variable holding the code")
	return cmd
}

func newCmdAppTokenSentry(f *cmdutil.Factory, runF func(context.Context, *AppSentryOptions) error) *cobra.Command {
	cmd, opts := newCmdAppSentry(f, "Print a valid Sentry integration token, refreshing it when needed", func(ctx context.Context, opts *AppSentryOptions) error {
		if err := cmdutil.NotNegative("--min-ttl", opts.MinTTL); err != nil {
			return err
		}
		return runCommand(ctx, opts, runF, appTokenSentryRun)
	})
	cmd.Flags().DurationVar(&opts.MinTTL, "min-ttl", credential.DefaultMinTTL, "refresh when the token expires within this long")
	return cmd
}

func appLoginSentryRun(ctx context.Context, opts *AppSentryOptions) error {
	cred, err := opts.Credentials().SentryLogin(ctx, opts.Provider, opts.Installation, opts.Code)
	if err != nil {
		return err
	}
	opts.IO.Infof("stored the token of Sentry installation %s (expires %s)", opts.Installation, cred.Expiry.Format(time.RFC3339))
	return nil
}

func appTokenSentryRun(ctx context.Context, opts *AppSentryOptions) error {
	cred, err := opts.Credentials().SentryToken(ctx, opts.Provider, opts.Installation, opts.MinTTL)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(opts.IO.Out, cred.AccessToken)
	return err
}

// AppStatusOptions are the inputs of `authctl app status`.
type AppStatusOptions struct {
	IO          *ui.IOStreams
	JSON        bool
	Now         func() time.Time
	Credentials func() *credential.Source
}

func newCmdAppStatus(f *cmdutil.Factory, runF func(context.Context, *AppStatusOptions) error) *cobra.Command {
	opts := &AppStatusOptions{IO: f.IO, Now: f.Now, Credentials: f.Credentials}
	return &cobra.Command{
		Use:   "status",
		Short: "List cached app credentials with their expiry (never the tokens)",
		Args:  cmdutil.UsageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON = f.Global.JSON()
			return runCommand(cmd.Context(), opts, runF, appStatusRun)
		},
	}
}

func appStatusRun(ctx context.Context, opts *AppStatusOptions) error {
	now := opts.Now()
	entries, err := opts.Credentials().AppStatus(ctx, now)
	if err != nil {
		return err
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, map[string]any{"credentials": entries})
	}
	if len(entries) == 0 {
		opts.IO.Infof("No cached app credentials.")
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APP\tHOST\tID\tTARGET\tEXPIRES")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.AppKey.Kind, ui.OrDash(e.AppKey.Host), ui.OrDash(ui.Sanitize(e.AppKey.App)), ui.Sanitize(e.AppKey.Target), ui.Expires(&e.Expiry, now))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write app status table: %w", err)
	}
	return nil
}
