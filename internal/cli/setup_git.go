package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/gitcred"
	"github.com/authctl/authctl/internal/ui"
)

// SetupGitOptions are the inputs of `authctl setup-git`.
type SetupGitOptions struct {
	IO     *ui.IOStreams
	Hosts  []string
	DryRun bool
	JSON   bool // -o json: one object on stdout instead of the text
	// Executable is the authctl git runs as its helper.
	Executable func() (string, error)
	// GitConfig is the user's global git configuration.
	GitConfig *gitcred.GlobalConfig
	// Defaults are the host URLs to set up when no --host is given, and whether a host's
	// installation mappings need the repository path.
	Defaults func(ctx context.Context) (hostURLs []string, needsPath func(string) bool, err error)
}

func newCmdSetupGit(f *Factory, runF func(context.Context, *SetupGitOptions) error) *cobra.Command {
	opts := &SetupGitOptions{
		IO:         f.IO,
		Executable: executablePath,
		Defaults:   func(ctx context.Context) ([]string, func(string) bool, error) { return setupGitDefaults(ctx, f) },
	}
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
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON = f.Global.JSON()
			opts.GitConfig = &gitcred.GlobalConfig{Env: gitEnviron(f)}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return setupGitRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Hosts, "host", nil, "host to set up, e.g. github.com or ghe.example.com (repeatable; default: every configured GitHub host)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the git config commands instead of running them")
	return cmd
}

func setupGitRun(ctx context.Context, opts *SetupGitOptions) error {
	var hostURLs []string
	needsPath := func(string) bool { return false }
	for _, h := range opts.Hosts {
		u, err := gitcred.HostURL(h)
		if err != nil {
			return exitcode.New(exitcode.Usage, fmt.Errorf("--host: %w", err))
		}
		hostURLs = append(hostURLs, u)
	}
	if opts.Defaults != nil {
		defaults, paths, err := opts.Defaults(ctx)
		if err != nil {
			return err
		}
		needsPath = paths
		if len(hostURLs) == 0 {
			hostURLs = defaults
		}
	}
	if len(hostURLs) == 0 {
		return exitcode.Errorf(exitcode.Usage, "no GitHub host is configured; give --host")
	}
	exe, err := opts.Executable()
	if err != nil {
		return err
	}
	changes, err := gitcred.Setup(ctx, opts.GitConfig, hostURLs, gitcred.HelperValue(exe), needsPath, opts.DryRun)
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	if opts.JSON {
		report := setupGitReport{Hosts: hostURLs, Changes: []string{}, DryRun: opts.DryRun}
		for _, c := range changes {
			report.Changes = append(report.Changes, c.String())
		}
		return ui.WriteJSON(opts.IO.Out, report)
	}
	if opts.DryRun {
		for _, c := range changes {
			if _, err := fmt.Fprintln(opts.IO.Out, c.String()); err != nil {
				return err
			}
		}
		return nil
	}
	if len(changes) == 0 {
		_, err = fmt.Fprintln(opts.IO.ErrOut, "git already uses authctl for", strings.Join(hostURLs, ", "))
		return err
	}
	_, err = fmt.Fprintln(opts.IO.ErrOut, "git now uses authctl for", strings.Join(hostURLs, ", "))
	return err
}

// setupGitReport is setup-git's -o json answer: the host URLs set up and the git config
// commands run (or, with dry_run, due); no change means the hosts were set up already.
type setupGitReport struct {
	Hosts   []string `json:"hosts"`
	Changes []string `json:"changes"`
	DryRun  bool     `json:"dry_run"`
}

// setupGitDefaults are the configured GitHub hosts and the config's need for paths.
func setupGitDefaults(ctx context.Context, f *Factory) ([]string, func(string) bool, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, nil, err
	}
	gitCfg, err := gitcred.LoadConfig(cfg.Path)
	if err != nil {
		return nil, nil, exitcode.New(exitcode.Usage, err)
	}
	entries, err := githubEntries(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	return gitcred.HostURLs(entries, gitCfg), gitCfg.NeedsPath, nil
}

// executablePath is this authctl's absolute path, symlinks resolved, for git to run.
func executablePath() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find authctl's own path: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return exe, nil
}

// gitEnviron is the process environment with the variables that locate git's global config
// taken from the factory's environment, so that git writes where authctl's caller means.
func gitEnviron(f *Factory) []string {
	env := os.Environ()
	for _, k := range []string{"HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL"} {
		if v := f.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}
