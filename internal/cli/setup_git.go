package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/gitcred"
	"github.com/authctl/authctl/internal/ui"
)

// SetupGitOptions are the inputs of `authctl setup-git`.
type SetupGitOptions struct {
	IO   *ui.IOStreams
	JSON bool // -o json: one object on stdout instead of the text
	// Setup is what to set up: --host and --dry-run, the configured hosts, the authctl git runs.
	Setup gitcred.SetupOptions
	// GitConfig is the user's global git configuration.
	GitConfig *gitcred.GlobalConfig
}

func newCmdSetupGit(f *cmdutil.Factory, runF func(context.Context, *SetupGitOptions) error) *cobra.Command {
	opts := &SetupGitOptions{IO: f.IO, Setup: gitcred.SetupOptions{Executable: gitcred.HelperExecutable, Defaults: gitSources(f).SetupHosts}}
	cmd := &cobra.Command{
		Use:   "setup-git",
		Short: "Make git use authctl as its credential helper for GitHub hosts",
		Long: `Write authctl into the user's global git config as the credential helper
for each GitHub host, as 'gh auth setup-git' does: credential.URL.helper is
reset to the empty value (dropping helpers configured before it for that
host) and then set to '!/path/to/authctl git-credential'. Where the config's
git section maps owners of the host to App installations, credential.URL.useHttpPath
is set too, so git sends the repository path.

Without --host: the web host of every configured entry of kind github
(github.com for the built-in one) and every host of the git section. A host
already set up is left alone; --dry-run prints the git config commands on
stdout and changes nothing. -o json prints {"hosts","changes","dry_run"},
changes being the git config commands run (or due).`,
		Example: `  authctl setup-git --dry-run
  authctl setup-git --host ghe.example.com`,
		Args: cmdutil.UsageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON = f.Global.JSON()
			opts.GitConfig = gitcred.NewGlobalConfig(os.Environ(), f.Getenv)
			return runCommand(cmd.Context(), opts, runF, setupGitRun)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Setup.Hosts, "host", nil, "host to set up, e.g. github.com or ghe.example.com (repeatable; default: every configured GitHub host)")
	cmd.Flags().BoolVar(&opts.Setup.DryRun, "dry-run", false, "print the git config commands instead of running them")
	return cmd
}

func setupGitRun(ctx context.Context, opts *SetupGitOptions) error {
	result, err := opts.GitConfig.SetupHelper(ctx, opts.Setup)
	if err != nil {
		return err
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, result)
	}
	if opts.Setup.DryRun {
		for _, c := range result.Changes {
			if _, err := fmt.Fprintln(opts.IO.Out, c); err != nil {
				return err
			}
		}
		return nil
	}
	_, err = fmt.Fprintln(opts.IO.ErrOut, result.Summary())
	return err
}
