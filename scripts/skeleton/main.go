// Command skeleton is the start-up floor of scripts/bench-startup.sh: a
// binary that links the libraries authctl is built on — cobra, viper,
// go-keyring, pkg/browser, lipgloss and x/oauth2 — and does nothing else. Each
// library is reached from a command that the benchmark never runs, so the
// linker keeps it (and its package initialisation runs) as in authctl.
package main

import (
	"fmt"
	"os"

	"github.com/charmbracelet/lipgloss"
	"github.com/pkg/browser"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"
	"github.com/zalando/go-keyring"
	"golang.org/x/oauth2"
)

func main() {
	root := &cobra.Command{Use: "skeleton", SilenceUsage: true}
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "print a line, like authctl version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "skeleton")
			return err
		},
	}, &cobra.Command{
		Use:   "libraries",
		Short: "touch every library (never run by the benchmark)",
		RunE: func(cmd *cobra.Command, args []string) error {
			v := viper.New()
			v.SetConfigFile(args[0])
			if err := v.ReadInConfig(); err != nil {
				return err
			}
			if _, err := keyring.Get("skeleton", "user"); err != nil {
				return err
			}
			conf := &oauth2.Config{ClientID: v.GetString("client_id")}
			fmt.Fprintln(cmd.OutOrStdout(), lipgloss.NewStyle().Bold(true).Render(conf.AuthCodeURL("state")))
			return browser.OpenURL(conf.AuthCodeURL("state"))
		},
	})
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}
