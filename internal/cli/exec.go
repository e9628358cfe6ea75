package cli

import (
	"context"
	"fmt"
	"github.com/authctl/authctl/internal/credential"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/childproc"
	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/gitcred"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/ui"
)

// ExecOptions are the inputs of `authctl exec`.
type ExecOptions struct {
	IO        *ui.IOStreams
	Providers []string // bare PROVIDER[:ACCOUNT] arguments
	Env       []string // --env NAME=PROVIDER[:ACCOUNT]
	AppEnv    []string // --app-env NAME=HOST/OWNER[/REPO]
	MinTTL    time.Duration
	Command   []string // COMMAND and its arguments

	// Check fails for a provider name authctl does not know (exit 2).
	Check func(providerName string) error
	// Token is a valid user token of a provider and account.
	Token func(ctx context.Context, providerName, account string, minTTL time.Duration) (string, error)
	// AppToken is an installation token for the git section's mapping of host and path.
	AppToken func(ctx context.Context, host, path string) (string, error)
	// Environ is the environment the child starts from.
	Environ func() []string
}

func newCmdExec(f *Factory, runF func(context.Context, *ExecOptions) error) *cobra.Command {
	opts := &ExecOptions{
		IO: f.IO,
		Check: func(name string) error {
			if f.Getenv(credential.EnvVar(name)) != "" {
				return nil // AUTHCTL_<NAME>_TOKEN supplies it, as for authctl token
			}
			return f.KnownProvider(name)
		},
		Token: func(ctx context.Context, name, account string, minTTL time.Duration) (string, error) {
			cred, err := f.Credentials().Token(ctx, name, account, minTTL)
			if err != nil {
				return "", err
			}
			return cred.AccessToken, nil
		},
		AppToken: func(ctx context.Context, host, path string) (string, error) { return execAppToken(ctx, f, host, path) },
		Environ:  os.Environ,
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
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return execRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Env, "env", nil, "set NAME to a token of PROVIDER[:ACCOUNT] (repeatable)")
	fl.StringArrayVar(&opts.AppEnv, "app-env", nil, "set NAME to a GitHub App installation token for HOST/OWNER[/REPO] (repeatable)")
	fl.DurationVar(&opts.MinTTL, "min-ttl", credential.DefaultMinTTL, "every token is valid for at least this long when COMMAND starts")
	return cmd
}

// execVar is one variable exec sets: from a provider's user token or an installation's token.
type execVar struct {
	name              string
	provider, account string
	host, path        string // an installation token when host is set
}

func execRun(ctx context.Context, opts *ExecOptions) error {
	if opts.MinTTL < 0 {
		return exitcode.Errorf(exitcode.Usage, "--min-ttl must not be negative")
	}
	vars, err := execVars(opts)
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	for _, v := range vars {
		if v.host == "" {
			if err := opts.Check(v.provider); err != nil {
				return err
			}
		}
	}
	// One token per provider and account, even when several variables carry it.
	tokens := map[execVar]string{}
	set := make(map[string]string, len(vars))
	for _, v := range vars {
		source := execVar{provider: v.provider, account: v.account, host: v.host, path: v.path}
		tok, ok := tokens[source]
		if !ok {
			if v.host != "" {
				tok, err = opts.AppToken(ctx, v.host, v.path)
			} else {
				tok, err = opts.Token(ctx, v.provider, v.account, opts.MinTTL)
			}
			if err != nil {
				return err
			}
			tokens[source] = tok
		}
		set[v.name] = tok
	}
	code, err := childproc.Run(childproc.Command{
		Name: opts.Command[0], Args: opts.Command[1:], Env: childEnv(opts.Environ(), set),
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

// execVars parses the provider arguments and flags into the variables to set; a name set
// twice is an error, so that no token silently replaces another.
func execVars(opts *ExecOptions) ([]execVar, error) {
	var vars []execVar
	add := func(v execVar) error {
		if !validEnvName(v.name) {
			return fmt.Errorf("%q is not a valid environment variable name", v.name)
		}
		if slices.ContainsFunc(vars, func(o execVar) bool { return o.name == v.name }) {
			return fmt.Errorf("%s would be set twice", v.name)
		}
		vars = append(vars, v)
		return nil
	}
	for _, arg := range opts.Providers {
		name, account, _ := strings.Cut(arg, ":")
		if name == "" {
			return nil, fmt.Errorf("%q: PROVIDER[:ACCOUNT] needs a provider", arg)
		}
		names := []string{config.EnvName(name) + "_TOKEN"} // GITHUB_TOKEN for github
		if name == provider.KindGitHub {
			names = append(names, "GH_TOKEN")
		}
		for _, n := range names {
			if err := add(execVar{name: n, provider: name, account: account}); err != nil {
				return nil, err
			}
		}
	}
	for _, e := range opts.Env {
		name, source, ok := strings.Cut(e, "=")
		providerName, account, _ := strings.Cut(source, ":")
		if !ok || providerName == "" {
			return nil, fmt.Errorf("--env %q must be NAME=PROVIDER[:ACCOUNT]", e)
		}
		if err := add(execVar{name: name, provider: providerName, account: account}); err != nil {
			return nil, fmt.Errorf("--env: %w", err)
		}
	}
	for _, e := range opts.AppEnv {
		name, target, ok := strings.Cut(e, "=")
		host, path, _ := strings.Cut(target, "/")
		if !ok || host == "" || path == "" {
			return nil, fmt.Errorf("--app-env %q must be NAME=HOST/OWNER[/REPO]", e)
		}
		if err := add(execVar{name: name, host: host, path: path}); err != nil {
			return nil, fmt.Errorf("--app-env: %w", err)
		}
	}
	if len(vars) == 0 {
		return nil, fmt.Errorf("name at least one PROVIDER, --env or --app-env before --")
	}
	return vars, nil
}

// validEnvName is a POSIX shell variable name.
func validEnvName(s string) bool {
	for i, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// childEnv is base with the variables of set replaced or added.
func childEnv(base []string, set map[string]string) []string {
	env := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if _, replaced := set[name]; !replaced {
			env = append(env, kv)
		}
	}
	for name, value := range set {
		env = append(env, name+"="+value)
	}
	return env
}

// execAppToken is the installation token the git section maps host and path to.
func execAppToken(ctx context.Context, f *Factory, host, path string) (string, error) {
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	gitCfg, err := gitcred.LoadConfig(cfg.Path)
	if err != nil {
		return "", exitcode.New(exitcode.Usage, err)
	}
	in, ok := gitCfg.Installation(host, path)
	if !ok {
		return "", exitcode.Errorf(exitcode.Usage, "--app-env: the config's git section maps no installation for %s/%s", host, path)
	}
	tok, _, err := installationTokens(f).Token(ctx, in)
	return tok, err
}

// childExitError is the exit code of the command exec ran, which authctl
// exits with as is (and prints nothing for), also when a signal authctl
// forwarded made the command end.
type childExitError struct{ code int }

func (e *childExitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
func (e *childExitError) ExitCode() int { return e.code }
