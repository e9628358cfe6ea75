package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/ui"
)

// LogoutOptions are the inputs of `authctl logout`.
type LogoutOptions struct {
	IO          *ui.IOStreams
	Credentials func() *credential.Source

	ProviderName string // empty only with --all: every provider
	Account      string
	LocalOnly    bool
	All          bool
}

func newCmdLogout(f *cmdutil.Factory, runF func(context.Context, *LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IO, Credentials: f.Credentials}
	cmd := &cobra.Command{
		Use:   "logout PROVIDER",
		Short: "Revoke the token at PROVIDER where it can, then delete it locally",
		Long: `Revoke the stored token at the provider where it can (Discord, Sentry and
OIDC by RFC 7009, GitHub through the Applications API, Slack by auth.revoke; a
Sentry public client without its secret cannot), then delete it from the store.

When the remote revocation fails the local copy is deleted anyway, the failure
is reported, and the command exits 4 so a script knows the token may still be
live. A config that would send the token elsewhere than the server it was
issued by is refused first (exit 2), and nothing is deleted. --local-only skips
the revocation. --all logs out of every account of PROVIDER, or of every
provider when PROVIDER is omitted.`,
		Args:              cmdutil.UsageArgs(cobra.MaximumNArgs(1)),
		ValidArgsFunction: completeProviderNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ProviderName = args[0]
			}
			if opts.ProviderName == "" && !opts.All {
				return exitcode.Errorf(exitcode.Usage, "logout needs PROVIDER (or --all for every provider)")
			}
			if opts.All && opts.Account != "" {
				return exitcode.Errorf(exitcode.Usage, "--all and --account cannot be used together")
			}
			return runCommand(cmd.Context(), opts, runF, logoutRun)
		},
	}
	cmd.Flags().StringVar(&opts.Account, "account", "", "account to log out (default: the provider's default account)")
	cmd.Flags().BoolVar(&opts.LocalOnly, "local-only", false, "delete the local copy without revoking at the provider")
	cmd.Flags().BoolVar(&opts.All, "all", false, "log out of every account (of PROVIDER, or of every provider)")
	return cmd
}

func logoutRun(ctx context.Context, opts *LogoutOptions) error {
	return opts.Credentials().Logout(ctx, credential.Logout{
		Provider: opts.ProviderName, Account: opts.Account, All: opts.All, LocalOnly: opts.LocalOnly,
		Warnf: opts.IO.Warnf,
		Done: func(c *provider.Credential, outcome string) {
			opts.IO.Infof("Logged out of %s%s; %s.", provider.DisplayName(c.Provider), ui.Optional(" (account %s)", ui.Sanitize(c.Account)), outcome)
		},
	})
}
