package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/ui"
)

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

// newCmdAppSentry is `app login|token sentry` with the flags both take; check runs on the
// options once --installation is known to be given.
func newCmdAppSentry(f *Factory, short string, check func(context.Context, *AppSentryOptions) error) (*cobra.Command, *AppSentryOptions) {
	opts := &AppSentryOptions{IO: f.IO, Credentials: f.Credentials}
	cmd := &cobra.Command{
		Use:   "sentry",
		Short: short,
		Args:  cobra.NoArgs,
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

func newCmdAppLoginSentry(f *Factory, runF func(context.Context, *AppSentryOptions) error) *cobra.Command {
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

func newCmdAppTokenSentry(f *Factory, runF func(context.Context, *AppSentryOptions) error) *cobra.Command {
	cmd, opts := newCmdAppSentry(f, "Print a valid Sentry integration token, refreshing it when needed", func(ctx context.Context, opts *AppSentryOptions) error {
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
