// Command gendocs writes the shell completions and man pages of authctl from
// the real command tree, so that they can never drift from the code.
package main

//go:generate go run . -root ../..

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/authctl/authctl/internal/cli"
	"github.com/authctl/authctl/internal/cmdutil"
)

// manDate is fixed so that regenerating unchanged help gives identical pages.
var manDate = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

func main() {
	root := flag.String("root", ".", "repository root to write completions/ and man/ under")
	flag.Parse()
	if err := generate(*root); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

// generate writes completions/ and man/ under dir, replacing what is there.
func generate(dir string) error {
	cmd := cli.NewRootCmd(cmdutil.NewFactory())
	cmd.DisableAutoGenTag = true

	compDir := filepath.Join(dir, "completions")
	manDir := filepath.Join(dir, "man")
	for _, d := range []string{compDir, manDir} {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("clean %s: %w", d, err)
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}

	completions := []struct {
		file string
		gen  func(cmd *cobra.Command, buf *bytes.Buffer) error
	}{
		{"authctl.bash", func(c *cobra.Command, b *bytes.Buffer) error { return c.GenBashCompletionV2(b, true) }},
		{"_authctl", func(c *cobra.Command, b *bytes.Buffer) error { return c.GenZshCompletion(b) }},
		{"authctl.fish", func(c *cobra.Command, b *bytes.Buffer) error { return c.GenFishCompletion(b, true) }},
		{"authctl.ps1", func(c *cobra.Command, b *bytes.Buffer) error { return c.GenPowerShellCompletionWithDesc(b) }},
	}
	for _, c := range completions {
		var buf bytes.Buffer
		if err := c.gen(cmd, &buf); err != nil {
			return fmt.Errorf("generate %s: %w", c.file, err)
		}
		if err := os.WriteFile(filepath.Join(compDir, c.file), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", c.file, err)
		}
	}

	header := &doc.GenManHeader{Title: "AUTHCTL", Section: "1", Source: "authctl", Manual: "authctl manual", Date: &manDate}
	if err := doc.GenManTree(cmd, header, manDir); err != nil {
		return fmt.Errorf("generate man pages: %w", err)
	}
	return nil
}
