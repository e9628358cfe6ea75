package cli

import (
	"context"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

// StatusOptions are the inputs of `authctl status`.
type StatusOptions struct {
	IO          *ui.IOStreams
	JSON        bool
	Now         func() time.Time
	Credentials func() *credential.Source

	Provider string // empty: every provider
}

func newCmdStatus(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Now: f.Now, Credentials: f.Credentials}
	cmd := &cobra.Command{
		Use:   "status [PROVIDER]",
		Short: "Show stored accounts: provider, account, user, scopes, expiry (never a token)",
		Long: `Show the stored credentials: provider, account, user, scopes, expiry and store.
Token values are never shown. With PROVIDER and nothing stored for it, exits 3.`,
		Args:              cmdutil.UsageArgs(cobra.MaximumNArgs(1)),
		ValidArgsFunction: completeProviderNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Provider = args[0]
			}
			opts.JSON = f.Global.JSON()
			return runCommand(cmd.Context(), opts, runF, statusRun)
		},
	}
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	now := opts.Now()
	status, err := opts.Credentials().Status(ctx, opts.Provider, now)
	if err != nil {
		return err
	}
	if opts.JSON {
		if err := ui.WriteJSON(opts.IO.Out, status); err != nil {
			return err
		}
	} else if len(status.Accounts) > 0 {
		renderStatusTable(opts.IO, status.Accounts, now)
	}
	for _, name := range status.Overridden {
		opts.IO.Infof("note: %s is set: commands use it instead of the stored %s token", credential.EnvVar(name), name)
	}
	if status.Missing != nil {
		return status.Missing
	}
	if len(status.Accounts) == 0 {
		opts.IO.Infof("No stored credentials in the %s store; run authctl login PROVIDER.", status.Store)
	}
	return nil
}

func renderStatusTable(io *ui.IOStreams, accounts []credential.LoginStatus, now time.Time) {
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	_, _ = tw.Write([]byte("PROVIDER\tACCOUNT\tUSER\tSCOPES\tEXPIRES\tSTORE\n"))
	for _, a := range accounts {
		user := ui.Sanitize(a.User)
		if a.UserID != "" {
			user += " (" + a.UserID + ")"
		}
		expires := ui.Expires(a.Expiry, now)
		if a.Expired && a.Refreshable {
			expires += " (refreshable)"
		}
		storeName := a.Store
		if storeName == store.KindFile {
			storeName += " (unencrypted)" // the file store's warning, once per entry instead of on every read
		}
		_, _ = tw.Write([]byte(ui.OrDash(a.Provider) + "\t" + ui.OrDash(ui.Sanitize(a.Account)) + "\t" + ui.OrDash(user) + "\t" + ui.ListCell(a.Scopes) + "\t" + expires + "\t" + storeName + "\n"))
	}
}
