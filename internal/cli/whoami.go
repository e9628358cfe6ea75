package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/ui"
)

// WhoamiOptions are the inputs of `authctl whoami`.
type WhoamiOptions struct {
	IO          *ui.IOStreams
	JSON        bool
	APIProvider func(ctx context.Context, name string) (*provider.Provider, error)
	Credentials func() *credential.Source

	Provider string
	Account  string
}

func newCmdWhoami(f *cmdutil.Factory, runF func(context.Context, *WhoamiOptions) error) *cobra.Command {
	opts := &WhoamiOptions{IO: f.IO, APIProvider: f.APIProvider, Credentials: f.Credentials}
	cmd := &cobra.Command{
		Use:   "whoami PROVIDER",
		Short: "Ask PROVIDER who the token belongs to",
		Long: `Ask the provider's identity endpoint who the current token belongs to and print
"NAME (ID)", or {"provider","account","id","name"} with -o json.`,
		Args:              cmdutil.UsageArgs(cobra.ExactArgs(1)),
		ValidArgsFunction: completeProviderNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider, opts.JSON = args[0], f.Global.JSON()
			return runCommand(cmd.Context(), opts, runF, whoamiRun)
		},
	}
	cmd.Flags().StringVar(&opts.Account, "account", "", "account to use (default: the provider's default account)")
	return cmd
}

func whoamiRun(ctx context.Context, opts *WhoamiOptions) error {
	p, err := opts.APIProvider(ctx, opts.Provider)
	if err != nil {
		return err
	}
	who, err := opts.Credentials().Whoami(ctx, p, opts.Account)
	if err != nil {
		return err
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, who)
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s (%s)\n", ui.Sanitize(who.Name), ui.Sanitize(who.ID))
	return err
}
