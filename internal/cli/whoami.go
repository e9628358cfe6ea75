package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/ui"
)

func init() { subcommands = append(subcommands, newCmdWhoami) }

// WhoamiOptions are the inputs of `authctl whoami`.
type WhoamiOptions struct {
	Provider string
	Account  string
}

func newCmdWhoami(f *Factory) *cobra.Command {
	opts := &WhoamiOptions{}
	cmd := &cobra.Command{
		Use:   "whoami PROVIDER",
		Short: "Ask PROVIDER who the token belongs to",
		Long: `Ask the provider's identity endpoint who the current token belongs to and print
"NAME (ID)", or {"provider","account","id","name"} with -o json.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProviderNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = args[0]
			return whoamiRun(cmd, f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Account, "account", "", "account to use (default: the provider's default account)")
	return cmd
}

// whoamiResult is the -o json answer of `authctl whoami`.
type whoamiResult struct {
	Provider string `json:"provider"`
	Account  string `json:"account"`
	ID       string `json:"id"`
	Name     string `json:"name"`
}

func whoamiRun(cmd *cobra.Command, f *Factory, opts *WhoamiOptions) error {
	ctx := cmd.Context()
	p, err := f.apiProvider(ctx, opts.Provider)
	if err != nil {
		return err
	}
	var id provider.Identity
	var account string
	err = f.WithToken(ctx, opts.Provider, opts.Account, DefaultMinTTL, func(ctx context.Context, cred *provider.Credential) error {
		account = cred.Account
		id, err = p.Identity(ctx, cred.AccessToken)
		return err
	})
	if err != nil {
		return err
	}
	if f.Global.JSON() {
		return ui.WriteJSON(f.IO.Out, whoamiResult{Provider: opts.Provider, Account: account, ID: id.ID, Name: id.Name})
	}
	_, err = fmt.Fprintf(f.IO.Out, "%s (%s)\n", id.Name, id.ID)
	return err
}
