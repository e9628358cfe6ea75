package cli

import (
	"slices"
	"testing"

	"github.com/spf13/pflag"

	"github.com/authctl/authctl/internal/cmdutil"
)

func TestCalledCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"token", "discord"}, "token"},
		{[]string{"-o", "json", "token"}, "token"},
		{[]string{"--output", "json", "status"}, "status"},
		{[]string{"--output=json", "token"}, "token"},
		{[]string{"-ojson", "token"}, "token"},
		{[]string{"-o=json", "token"}, "token"},
		{[]string{"-vo", "json", "webhook", "verify"}, "webhook"},
		{[]string{"--config", "token", "--store", "file", "version"}, "version"},
		{[]string{"--no-color", "-v", "--verbose", "app", "token"}, "app"},
		{[]string{"--verbose=false", "guild"}, "guild"},
		{[]string{"--bogus", "token"}, ""},
		{[]string{"-x", "token"}, ""},
		{[]string{"-v=false", "token"}, ""},
		{[]string{"-h", "token"}, ""},
		{[]string{"--help", "token"}, ""},
		{[]string{"--", "token"}, ""},
		{[]string{"-", "token"}, ""},
		{[]string{"-o"}, ""},
		{[]string{"--config"}, ""},
		{[]string{"help", "token"}, "help"},
		{[]string{"tokn"}, "tokn"},
	}
	for _, tt := range tests {
		if got := calledCommand(tt.args); got != tt.want {
			t.Errorf("calledCommand(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}

// The names newRootCmdFor looks commands up by are the names they answer to,
// and the whole tree holds every command of the table and no other of ours.
func TestRootCommandsAreTheWholeTree(t *testing.T) {
	t.Parallel()
	var tree []string
	for _, c := range NewRootCmd(cmdutil.NewFactory()).Commands() {
		if c.Name() != "help" {
			tree = append(tree, c.Name())
		}
	}
	var table []string
	for _, c := range rootCommands {
		if got := c.build(cmdutil.NewFactory()); got.Name() != c.name || len(got.Aliases) != 0 {
			t.Errorf("rootCommands %q builds %q with aliases %q", c.name, got.Name(), got.Aliases)
		}
		table = append(table, c.name)
	}
	slices.Sort(tree)
	slices.Sort(table)
	if !slices.Equal(tree, table) {
		t.Errorf("whole tree %q, table %q", tree, table)
	}
}

// A command line that names a command builds that command alone; any other
// builds the whole tree.
func TestNewRootCmdForBuildsOnlyTheCalledCommand(t *testing.T) {
	t.Parallel()
	names := func(args ...string) []string {
		var got []string
		for _, c := range newRootCmdFor(cmdutil.NewFactory(), args).Commands() {
			got = append(got, c.Name())
		}
		return got
	}
	if got := names("-o", "json", "token", "discord"); !slices.Equal(got, []string{"token"}) {
		t.Errorf("token discord: root has %q, want only token", got)
	}
	for _, args := range [][]string{nil, {"help", "token"}, {"tokn"}, {"--bogus", "token"}, {"completion", "bash"}, {"__complete", "tok"}} {
		if got := names(args...); len(got) != len(rootCommands) {
			t.Errorf("%q: root has %q, want the whole tree", args, got)
		}
	}
}

// Only the commands that wait on nothing but their context start without
// listening for signals; everything else, and anything unclear, listens from the start.
func TestWaitsOnlyOnContext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"token", "discord"}, true},
		{[]string{"-o", "json", "token", "discord", "--account", "x"}, true},
		{[]string{"version"}, true},
		{[]string{"webhook", "verify", "github", "--body", "-"}, true},
		{[]string{"--no-color", "app", "token", "github"}, true},
		{nil, false},
		{[]string{"app", "status"}, false},
		{[]string{"webhook", "listen", "github"}, false},
		{[]string{"webhook", "--bogus", "verify"}, false},
		{[]string{"webhook"}, false},
		{[]string{"sandbox"}, false},
		{[]string{"login", "discord"}, false},
		{[]string{"exec", "discord", "--", "token"}, false},
		{[]string{"--bogus", "token"}, false},
		{[]string{"help", "token"}, false},
	}
	for _, tt := range tests {
		if got := waitsOnlyOnContext(tt.args); got != tt.want {
			t.Errorf("waitsOnlyOnContext(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}

// commandWords knows every persistent flag of the root (hidden ones too) and
// whether it takes a value: a flag added to the root fails here until
// commandWords reads it.
func TestCommandWordsKnowsTheRootFlags(t *testing.T) {
	t.Parallel()
	newRootCmd(cmdutil.NewFactory()).PersistentFlags().VisitAll(func(fl *pflag.Flag) {
		var value []string
		if fl.Value.Type() != "bool" {
			value = []string{"json"}
		}
		forms := [][]string{{"--" + fl.Name}}
		if fl.Shorthand != "" {
			forms = append(forms, []string{"-" + fl.Shorthand})
		}
		for _, form := range forms {
			args := append(append(form, value...), "token", "discord")
			if got := commandWords(args); !slices.Equal(got, []string{"token", "discord"}) {
				t.Errorf("commandWords(%q) = %q, want [token discord]", args, got)
			}
		}
	})
}
