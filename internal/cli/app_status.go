package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/ui"
)

// AppStatusOptions are the inputs of `authctl app status`.
type AppStatusOptions struct {
	IO          *ui.IOStreams
	JSON        bool
	Now         func() time.Time
	Credentials func() *credential.Source
}

func newCmdAppStatus(f *Factory, runF func(context.Context, *AppStatusOptions) error) *cobra.Command {
	opts := &AppStatusOptions{IO: f.IO, Now: f.Now, Credentials: f.Credentials}
	return &cobra.Command{
		Use:   "status",
		Short: "List cached app credentials with their expiry (never the tokens)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON = f.Global.JSON()
			return runCommand(cmd.Context(), opts, runF, appStatusRun)
		},
	}
}

func appStatusRun(ctx context.Context, opts *AppStatusOptions) error {
	now := opts.Now()
	entries, err := opts.Credentials().AppStatus(ctx, now)
	if err != nil {
		return err
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, map[string]any{"credentials": entries})
	}
	if len(entries) == 0 {
		opts.IO.Infof("No cached app credentials.")
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APP\tHOST\tID\tTARGET\tEXPIRES")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.AppKey.Kind, orDash(e.AppKey.Host), orDash(ui.Sanitize(e.AppKey.App)), ui.Sanitize(e.AppKey.Target), ui.Expires(&e.Expiry, now))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write app status table: %w", err)
	}
	return nil
}
