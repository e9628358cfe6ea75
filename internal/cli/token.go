package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/ui"
)

// TokenOptions are the inputs of `authctl token`.
type TokenOptions struct {
	IO          *ui.IOStreams
	JSON        bool
	Credentials func() *credential.Source

	Provider string
	Account  string
	MinTTL   time.Duration
	Refresh  bool
}

func newCmdToken(f *cmdutil.Factory, runF func(context.Context, *TokenOptions) error) *cobra.Command {
	opts := &TokenOptions{IO: f.IO, Credentials: f.Credentials}
	cmd := &cobra.Command{
		Use:   "token PROVIDER",
		Short: "Print a valid access token for PROVIDER on stdout",
		Long: `Print a valid access token, and only that, on stdout.

The stored token is refreshed first when it expires within --min-ttl (under a
cross-process lock, saving the rotated refresh token before printing).
AUTHCTL_<PROVIDER>_TOKEN, when set, is printed as is and never stored.`,
		Example:           `  curl -H "Authorization: Bearer $(authctl token discord)" https://discord.com/api/v10/users/@me`,
		Args:              cmdutil.UsageArgs(cobra.ExactArgs(1)),
		ValidArgsFunction: completeProviderNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider, opts.JSON = args[0], f.Global.JSON()
			if err := cmdutil.NotNegative("--min-ttl", opts.MinTTL); err != nil {
				return err
			}
			return runCommand(cmd.Context(), opts, runF, tokenRun)
		},
	}
	cmd.Flags().StringVar(&opts.Account, "account", "", "account to use (default: the provider's default account)")
	cmd.Flags().DurationVar(&opts.MinTTL, "min-ttl", credential.DefaultMinTTL, "refresh when the token expires within this long")
	cmd.Flags().BoolVar(&opts.Refresh, "refresh", false, "refresh the token even when it is still valid")
	return cmd
}

func tokenRun(ctx context.Context, opts *TokenOptions) error {
	creds := opts.Credentials()
	token := creds.Token
	if opts.Refresh {
		token = creds.Refresh
	}
	cred, err := token(ctx, opts.Provider, opts.Account, opts.MinTTL)
	if err != nil {
		return err
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, tokenResult{Provider: opts.Provider, Account: cred.Account, Token: cred.AccessToken, Expiry: ui.NullTime(cred.Expiry)})
	}
	_, err = fmt.Fprintln(opts.IO.Out, cred.AccessToken)
	return err
}

// tokenResult is the -o json answer of `authctl token`.
type tokenResult struct {
	Provider string     `json:"provider"`
	Account  string     `json:"account"`
	Token    string     `json:"token"`
	Expiry   *time.Time `json:"expiry"`
}
