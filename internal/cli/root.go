// Package cli holds the authctl command tree. Commands are thin: each parses
// flags into an options struct (newCmdX(f, runF)), and its run function — which
// never sees cobra — calls a package below and renders the result.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/interrupt"
	"github.com/authctl/authctl/internal/ui"
)

// NewRootCmd builds the whole command tree on f.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := newRootCmd(f)
	for _, c := range rootCommands {
		root.AddCommand(c.build(f))
	}
	return root
}

// newRootCmd is the root command without its commands.
func newRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "authctl",
		Short: "Log in to OAuth providers, keep tokens, check Discord guilds and verify webhooks",
		Long: `authctl logs in to Discord, GitHub, Slack, Sentry and any OpenID Connect issuer,
keeps the tokens in the OS keyring and prints them for scripts, checks Discord
guild and role membership for CI, and verifies, signs, replays and listens for
signed webhooks. Data goes to stdout, everything for people to stderr, and the
exit code always tells "no" (1) from "could not tell" (3, 4, 5).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if !ui.ValidFormat(f.Global.Output) {
				return exitcode.Errorf(exitcode.Usage, "--output must be %q or %q, not %q", ui.FormatText, ui.FormatJSON, f.Global.Output)
			}
			if f.Global.NoColor {
				f.IO.NoColor = true
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return exitcode.New(exitcode.Usage, err)
	})
	pf := root.PersistentFlags()
	pf.StringVarP(&f.Global.Output, "output", "o", ui.FormatText, "output format: text or json")
	pf.BoolVar(&f.Global.NoColor, "no-color", false, "never colour or style output (also NO_COLOR)")
	pf.BoolVarP(&f.Global.Verbose, "verbose", "v", false, "log HTTP requests to stderr, secrets redacted")
	pf.StringVar(&f.Global.ConfigPath, "config", "", "config file (default $XDG_CONFIG_HOME/authctl/config.yaml, or AUTHCTL_CONFIG)")
	pf.StringVar(&f.Global.Store, "store", "", "credential store: keyring or file (default from config, AUTHCTL_STORE, else keyring)")

	root.SetIn(f.IO.In)
	root.SetOut(f.IO.ErrOut) // cobra's own messages are for people
	root.SetErr(f.IO.ErrOut)

	root.SetHelpCommand(newCmdHelp(root))
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{ui.FormatText, ui.FormatJSON}, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("store", cobra.FixedCompletions([]string{"keyring", "file"}, cobra.ShellCompDirectiveNoFileComp))
	return root
}

// Main runs authctl on the process's streams and returns the exit code.
func Main() int {
	args := os.Args[1:]
	ctx := interrupt.New()
	defer ctx.Stop()
	if !waitsOnlyOnContext(args) {
		ctx.Listen()
	}
	return Run(ctx, cmdutil.NewFactory(), args)
}

// Run executes the command tree with args and returns the exit code. Errors
// are printed here, once.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	root := newRootCmdFor(f, args)
	ran := markRuns(root)
	if len(args) > 0 && (strings.HasPrefix(args[0], cobra.ShellCompRequestCmd) || args[0] == "completion") {
		root.SetOut(f.IO.Out) // completion scripts and candidates are data for the shell
	}
	if argsSay(args, "--no-color") {
		f.IO.NoColor = true // before cobra parses flags: a usage error obeys it too
	}
	root.SetArgs(args)
	cmd, err := root, checkCommandPath(root, args)
	if err == nil {
		cmd, err = root.ExecuteContextC(ctx)
	}
	if err == nil {
		return exitcode.OK
	}
	var child *childExitError
	if errors.As(err, &child) {
		return child.code // exec: the command's own exit code, even when a forwarded signal ended it
	}
	if cause := context.Cause(ctx); cause != nil && exitcode.Of(cause) >= exitcode.Interrupted {
		fmt.Fprintln(f.IO.ErrOut, cause)
		return exitcode.Of(cause)
	}
	if exitcode.IsSilent(err) {
		return exitcode.Of(err)
	}
	// An error that no command's run returned was raised by cobra while it
	// parsed and checked the command line: always a usage error.
	var unknown *unknownCommandError
	commandLineError := errors.As(err, &unknown) || !*ran
	code := exitcode.Of(err)
	if commandLineError {
		code = exitcode.Usage
	}
	if report := usageErrorReports[strings.TrimPrefix(commandPath(cmd), root.Name()+" ")]; report != nil &&
		commandLineError && (f.Global.JSON() || argsWantJSON(args)) {
		if werr := ui.WriteJSON(f.IO.Out, report(cmd.Flags().Args(), ui.OneLine(err.Error()))); werr != nil {
			fmt.Fprintln(f.IO.ErrOut, "error:", werr)
		}
	}
	fmt.Fprintln(f.IO.ErrOut, f.IO.ErrStyles().Failure.Render("error:"), ui.Sanitize(ui.OneLine(err.Error())))
	if unknown != nil {
		if s := unknown.suggestion(); s != "" {
			fmt.Fprintln(f.IO.ErrOut, s)
		}
		cmd = unknown.parent
	}
	if commandLineError && cmd != nil {
		fmt.Fprintf(f.IO.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// usageErrorReports give, for the commands that promise one JSON object on stdout in every case,
// that object for a usage error cobra raised before the command ran (a bad flag, a wrong number
// of arguments), from the positional arguments it parsed and the error.
var usageErrorReports = map[string]func(args []string, reason string) any{
	"webhook verify": func(args []string, reason string) any {
		report := verifyReport{Reason: reason}
		if len(args) > 0 {
			report.Provider = args[0]
		}
		return report
	},
}

// argsSay tells whether flag stands on the command line before "--".
func argsSay(args []string, flag string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == flag || a == flag+"=true" {
			return true
		}
	}
	return false
}

// argsWantJSON tells whether the command line asks for -o json, for when cobra stopped parsing
// flags before it reached --output.
func argsWantJSON(args []string) bool {
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case a == "-ojson" || a == "--output=json" || a == "-o=json":
			return true
		case (a == "-o" || a == "--output") && i+1 < len(args) && args[i+1] == ui.FormatJSON:
			return true
		}
	}
	return false
}

// markRuns wraps the RunE of every command under root so that the returned
// flag tells whether a command's run was reached: errors from before that
// point are cobra's, about the command line.
func markRuns(root *cobra.Command) *bool {
	ran := new(bool)
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if run := c.RunE; run != nil {
			c.RunE = func(cmd *cobra.Command, args []string) error {
				*ran = true
				return run(cmd, args)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return ran
}

func commandPath(cmd *cobra.Command) string {
	if cmd == nil {
		return ""
	}
	return cmd.CommandPath()
}
