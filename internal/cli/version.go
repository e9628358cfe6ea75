package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/build"
	"github.com/authctl/authctl/internal/ui"
)

func newCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print authctl's version, commit and build date",
		Args:    cobra.NoArgs,
		Example: "  authctl version\n  authctl version -o json",
		RunE: func(cmd *cobra.Command, args []string) error {
			version, commit, date := build.Info()
			if f.Global.JSON() {
				return ui.WriteJSON(f.IO.Out, map[string]string{"version": version, "commit": commit, "date": date})
			}
			_, err := fmt.Fprintf(f.IO.Out, "authctl %s (commit %s, built %s)\n", version, commit, date)
			return err
		},
	}
}
