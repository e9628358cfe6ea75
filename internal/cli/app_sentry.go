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

// AppSentryOptions are the inputs of `authctl app login|token sentry`.
type AppSentryOptions struct {
	IO          *ui.IOStreams
	Credentials func() *credential.Source
	// Client uses the --provider entry's URLs and the integration's client credentials.
	Client func(ctx context.Context) (*app.SentryClient, error)

	Provider     string
	Installation string
	Code         string // with --code-env, the variable's value
	CodeEnv      string
	MinTTL       time.Duration
}

func newAppSentryOptions(f *Factory) *AppSentryOptions {
	opts := &AppSentryOptions{IO: f.IO, Credentials: f.Credentials}
	opts.Client = func(ctx context.Context) (*app.SentryClient, error) {
		p, err := f.Provider(ctx, opts.Provider)
		if err != nil {
			return nil, err
		}
		if p.Kind != provider.KindSentry {
			return nil, exitcode.Errorf(exitcode.Usage, "--provider %s is of kind %s, not sentry", opts.Provider, p.Kind)
		}
		return &app.SentryClient{APIURL: p.APIURL, ClientID: p.ClientID, ClientSecret: p.ClientSecret, HTTP: f.HTTPClient()}, nil
	}
	return opts
}

func newCmdAppLoginSentry(f *Factory, runF func(context.Context, *AppSentryOptions) error) *cobra.Command {
	opts := newAppSentryOptions(f)
	cmd := &cobra.Command{
		Use:   "sentry",
		Short: "Exchange a Sentry integration's installation code for a stored token",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Installation == "" {
				return exitcode.Errorf(exitcode.Usage, "--installation is required")
			}
			if opts.CodeEnv != "" {
				if opts.Code != "" {
					return exitcode.Errorf(exitcode.Usage, "give --code or --code-env, not both")
				}
				opts.Code = f.Getenv(opts.CodeEnv)
			}
			if opts.Code == "" {
				return exitcode.Errorf(exitcode.Usage, "give the installation code with --code or --code-env")
			}
			return runCommand(cmd.Context(), opts, runF, appLoginSentryRun)
		},
	}
	cmd.Flags().StringVar(&opts.Installation, "installation", "", "the installation UUID")
	cmd.Flags().StringVar(&opts.Code, "code", "", "the code from the installation webhook (visible in ps: prefer --code-env)")
	cmd.Flags().StringVar(&opts.CodeEnv, "code-env", "", "environment variable holding the code")
	cmd.Flags().StringVar(&opts.Provider, "provider", "sentry", sentryProviderUsage)
	return cmd
}

func newCmdAppTokenSentry(f *Factory, runF func(context.Context, *AppSentryOptions) error) *cobra.Command {
	opts := newAppSentryOptions(f)
	cmd := &cobra.Command{
		Use:   "sentry",
		Short: "Print a valid Sentry integration token, refreshing it when needed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Installation == "" {
				return exitcode.Errorf(exitcode.Usage, "--installation is required")
			}
			return runCommand(cmd.Context(), opts, runF, appTokenSentryRun)
		},
	}
	cmd.Flags().StringVar(&opts.Installation, "installation", "", "the installation UUID")
	cmd.Flags().DurationVar(&opts.MinTTL, "min-ttl", credential.DefaultMinTTL, "refresh when the token expires within this long")
	cmd.Flags().StringVar(&opts.Provider, "provider", "sentry", sentryProviderUsage)
	return cmd
}

// sentryProviderUsage explains --provider of the Sentry integration commands.
const sentryProviderUsage = "config entry (kind sentry) with the integration's client id and secret and, for self-hosted Sentry, its URLs"

func appLoginSentryRun(ctx context.Context, opts *AppSentryOptions) error {
	creds := opts.Credentials()
	if _, err := creds.Store(); err != nil {
		return err // a missing store fails before the one-time code is spent
	}
	client, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	cred, err := client.Exchange(ctx, opts.Installation, opts.Code)
	if err != nil {
		return err
	}
	if err := creds.SaveAppToken(ctx, credential.SentryAppKey(opts.Installation), cred); err != nil {
		return fmt.Errorf("store sentry integration token: %w", err)
	}
	opts.IO.Infof("stored the token of Sentry installation %s (expires %s)", opts.Installation, cred.Expiry.Format(time.RFC3339))
	return nil
}

func appTokenSentryRun(ctx context.Context, opts *AppSentryOptions) error {
	key := credential.SentryAppKey(opts.Installation)
	missing := fmt.Sprintf("no token for Sentry installation %s; run authctl app login sentry --installation %s --code-env VAR", opts.Installation, opts.Installation)
	cred, err := opts.Credentials().RefreshedAppToken(ctx, key, opts.MinTTL, missing, func(ctx context.Context, cur *provider.Credential) (*provider.Credential, error) {
		client, err := opts.Client(ctx)
		if err != nil {
			return nil, err
		}
		return client.Refresh(ctx, opts.Installation, cur.RefreshToken)
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(opts.IO.Out, cred.AccessToken)
	return err
}
