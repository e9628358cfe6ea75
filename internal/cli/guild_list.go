package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/discord"
	"github.com/authctl/authctl/internal/ui"
)

// GuildListOptions are the inputs of `guild list`.
type GuildListOptions struct {
	IO       *ui.IOStreams
	JSON     bool
	Access   func(provider, account string, maxWait time.Duration) *discord.Session
	Provider string
	Account  string
	MaxWait  time.Duration
}

func newCmdGuildList(f *Factory, runF func(context.Context, *GuildListOptions) error) *cobra.Command {
	opts := &GuildListOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the guilds you are in (all pages)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.JSON = f.Global.JSON()
			opts.Access = f.discordSession
			if err := discord.CheckMaxWait(opts.MaxWait); err != nil {
				return err
			}
			return runCommand(cmd.Context(), opts, runF, guildListRun)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Account, "account", "", "stored account to use (default: the provider's default account)")
	fl.DurationVar(&opts.MaxWait, "max-wait", discord.DefaultMaxWait, "longest total wait for Discord rate limits before giving up with exit 4")
	fl.StringVar(&opts.Provider, "provider", "discord", "configured provider entry of kind discord")
	return cmd
}

func guildListRun(ctx context.Context, opts *GuildListOptions) error {
	guilds, err := opts.Access(opts.Provider, opts.Account, opts.MaxWait).Guilds(ctx)
	if err != nil {
		return err
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, map[string]any{"guilds": guilds})
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tOWNER\tPERMISSIONS")
	for _, g := range guilds {
		fmt.Fprintf(tw, "%s\t%s\t%t\t%s\n", g.ID, oneLine(g.Name), g.Owner, g.Permissions)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write guild table: %w", err)
	}
	return nil
}
