package cli

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/golden"
)

// TestHelpGolden holds every command's --help text to testdata/golden/help.
func TestHelpGolden(t *testing.T) {
	t.Parallel()
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if c.Hidden || c.Name() == "help" || strings.HasPrefix(c.Name(), "__") {
			return
		}
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	walk(NewRootCmd(cmdutil.NewFactory()), nil)
	if len(paths) < 20 {
		t.Fatalf("found %d commands, expected the whole tree", len(paths))
	}
	for _, path := range paths {
		name := "authctl"
		if len(path) > 0 {
			name += "_" + strings.Join(path, "_")
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, nil, append(path, "--help")...)
			if code != 0 || stdout != "" {
				t.Fatalf("--help: exit %d, stdout %q", code, stdout)
			}
			golden.AssertString(t, "help/"+name+".txt", stderr)
		})
	}
}
