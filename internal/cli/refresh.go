package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/ui"
)

// RefreshOptions are the inputs of `authctl refresh`.
type RefreshOptions struct {
	IO          *ui.IOStreams
	JSON        bool
	Now         func() time.Time
	Credentials func() *credential.Source

	Provider string
	Account  string
}

func newCmdRefresh(f *cmdutil.Factory, runF func(context.Context, *RefreshOptions) error) *cobra.Command {
	opts := &RefreshOptions{IO: f.IO, Now: f.Now, Credentials: f.Credentials}
	cmd := &cobra.Command{
		Use:   "refresh PROVIDER",
		Short: "Refresh the stored token of PROVIDER now",
		Long: `Use the stored refresh token now and save the rotated credential. Prints the
new expiry, never a token. A rejected refresh token exits 3.`,
		Args:              cmdutil.UsageArgs(cobra.ExactArgs(1)),
		ValidArgsFunction: completeProviderNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider, opts.JSON = args[0], f.Global.JSON()
			return runCommand(cmd.Context(), opts, runF, refreshRun)
		},
	}
	cmd.Flags().StringVar(&opts.Account, "account", "", "account to refresh (default: the provider's default account)")
	return cmd
}

// refreshResult is the -o json answer of `authctl refresh`.
type refreshResult struct {
	Provider string     `json:"provider"`
	Account  string     `json:"account"`
	Expiry   *time.Time `json:"expiry"`
}

func refreshRun(ctx context.Context, opts *RefreshOptions) error {
	cred, err := opts.Credentials().Refresh(ctx, opts.Provider, opts.Account, credential.DefaultMinTTL)
	if err != nil {
		return err
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, refreshResult{Provider: cred.Provider, Account: cred.Account, Expiry: ui.NullTime(cred.Expiry)})
	}
	opts.IO.Infof("Refreshed the %s token%s; %s.", cred.Provider, ui.Optional(" of account %s", cred.Account), ui.ExpiryPhrase(cred.Expiry, opts.Now()))
	return nil
}
