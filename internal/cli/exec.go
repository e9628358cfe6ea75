package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/childproc"
	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/tokenenv"
	"github.com/authctl/authctl/internal/ui"
)

// ExecOptions are the inputs of `authctl exec`.
type ExecOptions struct {
	IO        *ui.IOStreams
	Providers []string // bare PROVIDER[:ACCOUNT] arguments
	Env       []string // --env NAME=PROVIDER[:ACCOUNT]
	AppEnv    []string // --app-env NAME=HOST/OWNER[/REPO]
	Command   []string // COMMAND and its arguments

	// Tokens fetches the variables' tokens, each valid for --min-ttl.
	Tokens tokenenv.Tokens
	// Environ is the environment the child starts from.
	Environ func() []string
}

func newCmdExec(f *cmdutil.Factory, runF func(context.Context, *ExecOptions) error) *cobra.Command {
	opts := &ExecOptions{
		IO:      f.IO,
		Tokens:  tokenenv.Tokens{Credentials: f.Credentials(), App: gitSources(f).InstallationToken},
		Environ: os.Environ,
	}
	cmd := &cobra.Command{
		Use:   "exec [PROVIDER[:ACCOUNT]]... -- COMMAND [ARG]...",
		Short: "Run a command with valid tokens in its environment",
		Long: `Run COMMAND with valid access tokens in its environment, and nothing on disk.

A bare PROVIDER sets <PROVIDER>_TOKEN (upper-cased, '-' as '_'); github also
sets GH_TOKEN and GITHUB_TOKEN. --env NAME=PROVIDER[:ACCOUNT] chooses the
variable. --app-env NAME=HOST/OWNER[/REPO] sets a GitHub App installation
token, from the installation the config's git section maps the host and owner
(or repository) to (see authctl git-credential --help).

Every token is valid for at least --min-ttl when COMMAND starts (refreshed
under the usual cross-process lock first). An unknown provider (exit 2) or a
missing login (exit 3) fails before COMMAND starts. COMMAND gets authctl's
stdin, stdout and stderr, and SIGINT and SIGTERM sent to authctl; authctl
exits with COMMAND's exit code (128+N when signal N ended it, 127 when COMMAND
is not found). -v never shows a token.`,
		Example: `  # the token of 'authctl login discord', or in CI of AUTHCTL_DISCORD_TOKEN
  AUTHCTL_DISCORD_TOKEN=… authctl exec discord -- sh -c 'test -n "$DISCORD_TOKEN"'
  AUTHCTL_GITHUB_TOKEN=… authctl exec github --min-ttl 10m -- sh -c 'test "$GH_TOKEN" = "$GITHUB_TOKEN"'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			if dash < 0 || dash == len(args) {
				return exitcode.Errorf(exitcode.Usage, "give the command after --: authctl exec [PROVIDER]... -- COMMAND [ARG]...")
			}
			opts.Providers, opts.Command = args[:dash], args[dash:]
			return runCommand(cmd.Context(), opts, runF, execRun)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Env, "env", nil, "set NAME to a token of PROVIDER[:ACCOUNT] (repeatable)")
	fl.StringArrayVar(&opts.AppEnv, "app-env", nil, "set NAME to a GitHub App installation token for HOST/OWNER[/REPO] (repeatable)")
	fl.DurationVar(&opts.Tokens.MinTTL, "min-ttl", credential.DefaultMinTTL, "every token is valid for at least this long when COMMAND starts")
	return cmd
}

func execRun(ctx context.Context, opts *ExecOptions) error {
	if err := cmdutil.NotNegative("--min-ttl", opts.Tokens.MinTTL); err != nil {
		return err
	}
	set, err := opts.Tokens.Environment(ctx, opts.Providers, opts.Env, opts.AppEnv)
	if err != nil {
		return err
	}
	code, err := childproc.Run(childproc.Command{
		Name: opts.Command[0], Args: opts.Command[1:], Env: opts.Environ(), Set: set,
		Stdin: opts.IO.In, Stdout: opts.IO.Out, Stderr: opts.IO.ErrOut,
	})
	if err != nil {
		return err
	}
	if code != 0 {
		return &childExitError{code: code}
	}
	return nil
}

// childExitError is the exit code of the command exec ran, which authctl
// exits with as is (and prints nothing for), also when a signal authctl
// forwarded made the command end.
type childExitError struct{ code int }

func (e *childExitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
func (e *childExitError) ExitCode() int { return e.code }
