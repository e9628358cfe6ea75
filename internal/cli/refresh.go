package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/ui"
)

func init() { subcommands = append(subcommands, newCmdRefresh) }

// RefreshOptions are the inputs of `authctl refresh`.
type RefreshOptions struct {
	Provider string
	Account  string
}

func newCmdRefresh(f *Factory) *cobra.Command {
	opts := &RefreshOptions{}
	cmd := &cobra.Command{
		Use:   "refresh PROVIDER",
		Short: "Refresh the stored token of PROVIDER now",
		Long: `Use the stored refresh token now and save the rotated credential. Prints the
new expiry, never a token. A rejected refresh token exits 3.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProviderNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = args[0]
			return refreshRun(cmd, f, opts)
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

func refreshRun(cmd *cobra.Command, f *Factory, opts *RefreshOptions) error {
	cred, err := f.ValidToken(cmd.Context(), opts.Provider, opts.Account, DefaultMinTTL, true)
	if err != nil {
		return err
	}
	if f.Global.JSON() {
		return ui.WriteJSON(f.IO.Out, refreshResult{Provider: cred.Provider, Account: cred.Account, Expiry: timeOrNil(cred.Expiry)})
	}
	f.IO.Infof("Refreshed the %s token%s; %s.", cred.Provider, accountSuffix(cred.Account, " of account %s"), expiryText(cred.Expiry, f.Now()))
	return nil
}

// expiryText describes an expiry for people.
func expiryText(expiry, now time.Time) string {
	if expiry.IsZero() {
		return "it does not expire"
	}
	if !expiry.After(now) {
		return "expired " + expiry.Local().Format(time.RFC3339)
	}
	return "valid until " + expiry.Local().Format(time.RFC3339) + " (" + expiry.Sub(now).Round(time.Second).String() + ")"
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
