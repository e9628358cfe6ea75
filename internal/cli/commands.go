package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
)

// rootCommands are the commands of the root, each under the name it is called by.
var rootCommands = []struct {
	name  string
	build func(*cmdutil.Factory) *cobra.Command
}{
	{"login", func(f *cmdutil.Factory) *cobra.Command { return newCmdLogin(f, nil) }},
	{"logout", func(f *cmdutil.Factory) *cobra.Command { return newCmdLogout(f, nil) }},
	{"token", func(f *cmdutil.Factory) *cobra.Command { return newCmdToken(f, nil) }},
	{"refresh", func(f *cmdutil.Factory) *cobra.Command { return newCmdRefresh(f, nil) }},
	{"status", func(f *cmdutil.Factory) *cobra.Command { return newCmdStatus(f, nil) }},
	{"whoami", func(f *cmdutil.Factory) *cobra.Command { return newCmdWhoami(f, nil) }},
	{"guild", newCmdGuild},
	{"app", newCmdApp},
	{"webhook", newCmdWebhook},
	{"sandbox", func(f *cmdutil.Factory) *cobra.Command { return newCmdSandbox(f, nil) }},
	{"exec", func(f *cmdutil.Factory) *cobra.Command { return newCmdExec(f, nil) }},
	{"git-credential", func(f *cmdutil.Factory) *cobra.Command { return newCmdGitCredential(f, nil) }},
	{"setup-git", func(f *cmdutil.Factory) *cobra.Command { return newCmdSetupGit(f, nil) }},
	{"version", func(f *cmdutil.Factory) *cobra.Command { return newCmdVersion(f, nil) }},
}

// newRootCmdFor builds the root with only the command args call, when they
// call one by its name; otherwise (help, completion, no command, an unknown
// word or flag) the whole tree, which help, suggestions and completion list.
// Building one command instead of all is most of what a short run such as
// `authctl token` costs beyond the process start.
func newRootCmdFor(f *cmdutil.Factory, args []string) *cobra.Command {
	name := calledCommand(args)
	for _, c := range rootCommands {
		if c.name == name {
			root := newRootCmd(f)
			root.AddCommand(c.build(f))
			root.CompletionOptions.DisableDefaultCmd = true // only the whole tree's help lists it, and "completion" is no command of the table
			return root
		}
	}
	return NewRootCmd(f)
}

// calledCommand is the first word of args that is neither a persistent flag
// of the root nor the value of one, or "" when a word before it is not such a
// flag (cobra then reports it on the whole tree).
func calledCommand(args []string) string {
	if words := commandWords(args); len(words) > 0 {
		return words[0]
	}
	return ""
}

// commandWords are the words of args that are neither persistent flags of the
// root nor their values, up to the first other flag.
func commandWords(args []string) []string {
	var words []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case !strings.HasPrefix(a, "-"):
			words = append(words, a)
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			switch {
			case name == "no-color" || name == "verbose":
			case name == "output" || name == "config" || name == "store":
				if !hasValue {
					i++
				}
			default:
				return words
			}
		default:
			valueNext, ok := rootShorthands(a[1:])
			if !ok {
				return words
			}
			if valueNext {
				i++
			}
		}
	}
	return words
}

// rootShorthands reads a group of the root's one-letter flags (-v, -o, -vo,
// -ojson), telling whether the next word is the value of -o.
func rootShorthands(group string) (valueNext, ok bool) {
	for j := 0; j < len(group); j++ {
		switch group[j] {
		case 'v':
		case 'o':
			return j == len(group)-1, true
		default:
			return false, false
		}
	}
	return false, group != ""
}

// waitOnlyOnContext are the commands that listen for SIGINT and SIGTERM only
// once they wait on their context (HTTP calls, lock waits): before that — in a
// keyring call or a read of verify's --body - too — a signal ends them as any
// process, which the shell reports as 130 and 143 all the same. Every other
// command listens from the start, so that a server that said it is ready ends
// with authctl's own exit code and message.
var waitOnlyOnContext = map[string]bool{
	"version":        true,
	"token":          true,
	"app token":      true,
	"webhook verify": true,
}

// waitsOnlyOnContext tells whether args call one of waitOnlyOnContext.
func waitsOnlyOnContext(args []string) bool {
	words := commandWords(args)
	for n := 1; n <= min(2, len(words)); n++ {
		if waitOnlyOnContext[strings.Join(words[:n], " ")] {
			return true
		}
	}
	return false
}

// runCommand ends every command's RunE: runF, a test's stand-in for the run, when set, else run.
func runCommand[O any](ctx context.Context, opts *O, runF, run func(context.Context, *O) error) error {
	if runF != nil {
		return runF(ctx, opts)
	}
	return run(ctx, opts)
}
