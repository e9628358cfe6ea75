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
)

// AppSentryOptions are the inputs of `authctl app login|token sentry`.
type AppSentryOptions struct {
	Provider     string
	Installation string
	Code         string
	CodeEnv      string
	MinTTL       time.Duration
}

func newCmdAppLoginSentry(f *Factory) *cobra.Command {
	opts := &AppSentryOptions{}
	cmd := &cobra.Command{
		Use:   "sentry",
		Short: "Exchange a Sentry integration's installation code for a stored token",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return appLoginSentryRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Installation, "installation", "", "the installation UUID")
	cmd.Flags().StringVar(&opts.Code, "code", "", "the code from the installation webhook (visible in ps: prefer --code-env)")
	cmd.Flags().StringVar(&opts.CodeEnv, "code-env", "", "environment variable holding the code")
	cmd.Flags().StringVar(&opts.Provider, "provider", "sentry", sentryProviderUsage)
	return cmd
}

func newCmdAppTokenSentry(f *Factory) *cobra.Command {
	opts := &AppSentryOptions{}
	cmd := &cobra.Command{
		Use:   "sentry",
		Short: "Print a valid Sentry integration token, refreshing it when needed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return appTokenSentryRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Installation, "installation", "", "the installation UUID")
	cmd.Flags().DurationVar(&opts.MinTTL, "min-ttl", credential.DefaultMinTTL, "refresh when the token expires within this long")
	cmd.Flags().StringVar(&opts.Provider, "provider", "sentry", sentryProviderUsage)
	return cmd
}

// sentryProviderUsage explains --provider of the Sentry integration commands.
const sentryProviderUsage = "config entry (kind sentry) with the integration's client id and secret and, for self-hosted Sentry, its URLs"

// sentryClient uses the named provider entry's URLs and the integration's client credentials.
func sentryClient(ctx context.Context, f *Factory, name string) (*app.SentryClient, error) {
	p, err := f.Provider(ctx, name)
	if err != nil {
		return nil, err
	}
	if p.Kind != provider.KindSentry {
		return nil, exitcode.Errorf(exitcode.Usage, "--provider %s is of kind %s, not sentry", name, p.Kind)
	}
	return &app.SentryClient{APIURL: p.APIURL, ClientID: p.ClientID, ClientSecret: p.ClientSecret, HTTP: f.HTTPClient()}, nil
}

func appLoginSentryRun(ctx context.Context, f *Factory, opts *AppSentryOptions) error {
	if opts.Installation == "" {
		return exitcode.Errorf(exitcode.Usage, "--installation is required")
	}
	code := opts.Code
	if opts.CodeEnv != "" {
		if code != "" {
			return exitcode.Errorf(exitcode.Usage, "give --code or --code-env, not both")
		}
		code = f.Getenv(opts.CodeEnv)
	}
	if code == "" {
		return exitcode.Errorf(exitcode.Usage, "give the installation code with --code or --code-env")
	}
	creds := f.Credentials()
	if _, err := creds.Store(); err != nil {
		return err // a missing store fails before the one-time code is spent
	}
	client, err := sentryClient(ctx, f, opts.Provider)
	if err != nil {
		return err
	}
	tok, err := client.Authorize(ctx, opts.Installation, "authorization_code", "code", code)
	if err != nil {
		return err
	}
	cred := &provider.Credential{AccessToken: tok.Token, TokenType: "Bearer", RefreshToken: tok.RefreshToken, Expiry: tok.ExpiresAt}
	if err := creds.SaveAppToken(ctx, credential.SentryAppKey(opts.Installation), cred); err != nil {
		return fmt.Errorf("store sentry integration token: %w", err)
	}
	f.IO.Infof("stored the token of Sentry installation %s (expires %s)", opts.Installation, tok.ExpiresAt.Format(time.RFC3339))
	return nil
}

func appTokenSentryRun(ctx context.Context, f *Factory, opts *AppSentryOptions) error {
	if opts.Installation == "" {
		return exitcode.Errorf(exitcode.Usage, "--installation is required")
	}
	key := credential.SentryAppKey(opts.Installation)
	missing := fmt.Sprintf("no token for Sentry installation %s; run authctl app login sentry --installation %s --code-env VAR", opts.Installation, opts.Installation)
	cred, err := f.Credentials().RefreshedAppToken(ctx, key, opts.MinTTL, missing, func(ctx context.Context, cur *provider.Credential) (*provider.Credential, error) {
		client, err := sentryClient(ctx, f, opts.Provider)
		if err != nil {
			return nil, err
		}
		tok, err := client.Authorize(ctx, opts.Installation, "refresh_token", "refresh_token", cur.RefreshToken)
		if err != nil {
			return nil, err
		}
		return &provider.Credential{AccessToken: tok.Token, TokenType: "Bearer", RefreshToken: tok.RefreshToken, Expiry: tok.ExpiresAt}, nil
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f.IO.Out, cred.AccessToken)
	return err
}
