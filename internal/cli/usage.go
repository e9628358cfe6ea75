package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/exitcode"
)

// unknownCommandError is a command line that names a command the tree does
// not have: exit 2, with the closest commands suggested on a line of their
// own (cobra's own message puts them on one line with a tab, and for a
// subcommand it prints the group's help and exits 0, which a CI script would
// take for success).
type unknownCommandError struct {
	parent      *cobra.Command
	name        string
	suggestions []string
}

func (e *unknownCommandError) Error() string {
	return fmt.Sprintf("unknown command %q for %q", e.name, e.parent.CommandPath())
}

func (e *unknownCommandError) ExitCode() int { return exitcode.Usage }

// newUnknownCommand names the commands of parent close to name (cobra's
// Levenshtein distance of 2, or a prefix).
func newUnknownCommand(parent *cobra.Command, name string) *unknownCommandError {
	if parent.SuggestionsMinimumDistance <= 0 {
		parent.SuggestionsMinimumDistance = 2
	}
	return &unknownCommandError{parent: parent, name: name, suggestions: parent.SuggestionsFor(name)}
}

// suggestion is the "did you mean" line, or "" when nothing is close.
func (e *unknownCommandError) suggestion() string {
	if len(e.suggestions) == 0 {
		return ""
	}
	paths := make([]string, len(e.suggestions))
	for i, s := range e.suggestions {
		paths[i] = "'" + e.parent.CommandPath() + " " + s + "'"
	}
	return "Did you mean " + strings.Join(paths, " or ") + "?"
}

// checkCommandPath finds the command args name and refuses a word where a
// group (a command that only holds subcommands) expects a subcommand.
func checkCommandPath(root *cobra.Command, args []string) error {
	if len(args) > 0 && (strings.HasPrefix(args[0], "__complete") || args[0] == "completion") {
		return nil // cobra adds these commands itself when it runs
	}
	cmd, rest, err := root.Find(args)
	if err != nil {
		cmd, rest = root, args // a word that is no command of authctl itself
	}
	if cmd.Runnable() || !cmd.HasAvailableSubCommands() {
		return nil // runnable commands check their own arguments
	}
	// A group has only the persistent flags (strings and booleans), so parsing
	// them here and again when the command runs gives the same values.
	if cmd.ParseFlags(rest) != nil {
		return nil
	}
	words := cmd.Flags().Args()
	if len(words) == 0 || words[0] == "help" {
		return nil
	}
	return newUnknownCommand(cmd, words[0])
}

// newCmdHelp is `authctl help [command]`: like cobra's, but a topic that is no
// command is exit 2 with suggestions, not a line of text and exit 0.
func newCmdHelp(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			var names []string
			cmd, _, err := root.Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					names = append(names, sub.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				parent, name := root, args[0]
				if err == nil {
					parent, name = cmd, rest[0]
				}
				return newUnknownCommand(parent, name)
			}
			return cmd.Help()
		},
	}
}
