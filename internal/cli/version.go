package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/build"
	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/ui"
)

// VersionOptions are the inputs of `authctl version`.
type VersionOptions struct {
	IO   *ui.IOStreams
	JSON bool
}

func newCmdVersion(f *cmdutil.Factory, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IO}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print authctl's version, commit and build date",
		Args:    cmdutil.UsageArgs(cobra.NoArgs),
		Example: "  authctl version\n  authctl version -o json",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON = f.Global.JSON()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return versionRun(opts)
		},
	}
}

func versionRun(opts *VersionOptions) error {
	version, commit, date := build.Info()
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, map[string]string{"version": version, "commit": commit, "date": date})
	}
	_, err := fmt.Fprintf(opts.IO.Out, "authctl %s (commit %s, built %s)\n", version, commit, date)
	return err
}
