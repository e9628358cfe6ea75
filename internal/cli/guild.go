package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/discord"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/ui"
)

func newCmdGuild(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "guild",
		Short: "Check Discord guild membership and roles",
		Long: `Check whether a Discord user is in a guild (server), with given roles, for CI jobs,
deploy gates and scripts. Exit 0 yes, 1 no, 2 usage or a bot that is not in the guild,
3 authentication needed, 4 Discord failed or rate-limited us beyond --max-wait.`,
	}
	cmd.AddCommand(newCmdGuildCheck(f, nil), newCmdGuildList(f, nil))
	return cmd
}

// GuildCheckOptions are the inputs of `guild check`.
type GuildCheckOptions struct {
	IO     *ui.IOStreams
	JSON   bool
	Access func(provider, account string, maxWait time.Duration) *discord.Session

	Provider string
	Account  string
	// Request is the question: --guild, --role, --all-roles, --require-verified and, in bot mode, --user.
	Request     discord.Request
	BotTokenEnv string
	MaxWait     time.Duration
}

func newCmdGuildCheck(f *cmdutil.Factory, runF func(context.Context, *GuildCheckOptions) error) *cobra.Command {
	opts := &GuildCheckOptions{IO: f.IO, Access: f.DiscordSession}
	cmd := &cobra.Command{
		Use:   "check --guild ID [--role ID]... [--all-roles] | --guild ID --user ID --bot-token-env VAR",
		Short: "Exit 0 when a user is in a guild (with the given roles), 1 when not",
		Example: `  authctl guild check --guild 456 --role 789
  authctl guild check --guild 456 --role 789,790 --all-roles -o json
  DISCORD_BOT_TOKEN=… authctl guild check --guild 456 --user 123 --bot-token-env DISCORD_BOT_TOKEN`,
		Args: cmdutil.UsageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.JSON = f.Global.JSON()
			if err := opts.validate(); err != nil {
				return err
			}
			return runCommand(cmd.Context(), opts, runF, guildCheckRun)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Request.GuildID, "guild", "", "guild (server) ID")
	fl.StringSliceVar(&opts.Request.Roles, "role", nil, "role ID the member must hold; repeat or comma-separate for several (any of them, or all with --all-roles)")
	fl.BoolVar(&opts.Request.AllRoles, "all-roles", false, "require every --role, not just one")
	fl.BoolVar(&opts.Request.RequireVerified, "require-verified", false, "answer no for members still pending membership screening")
	fl.StringVar(&opts.Account, "account", "", "stored account to use (default: the provider's default account)")
	fl.StringVar(&opts.Request.UserID, "user", "", "bot mode: the user ID to look up (needs --bot-token-env)")
	fl.StringVar(&opts.BotTokenEnv, "bot-token-env", "", "bot mode: name of the environment variable holding the bot token")
	fl.DurationVar(&opts.MaxWait, "max-wait", discord.DefaultMaxWait, "longest total wait for Discord rate limits before giving up with exit 4")
	fl.StringVar(&opts.Provider, "provider", "discord", "configured provider entry of kind discord")
	_ = cmd.MarkFlagRequired("guild")
	for _, id := range []string{"guild", "role", "user"} { // Discord IDs: nothing on disk to complete
		_ = cmd.RegisterFlagCompletionFunc(id, cobra.NoFileCompletions)
	}
	cmd.MarkFlagsRequiredTogether("user", "bot-token-env")
	cmd.MarkFlagsMutuallyExclusive("account", "user")
	return cmd
}

func (o *GuildCheckOptions) validate() error {
	if err := discord.CheckID("--guild", o.Request.GuildID); err != nil {
		return err
	}
	roles, err := discord.RoleIDs(o.Request.Roles)
	if err != nil {
		return err
	}
	o.Request.Roles = roles
	if o.Request.UserID != "" {
		if err := discord.CheckID("--user", o.Request.UserID); err != nil {
			return err
		}
	}
	return discord.CheckMaxWait(o.MaxWait)
}

func guildCheckRun(ctx context.Context, opts *GuildCheckOptions) error {
	res, err := opts.Access(opts.Provider, opts.Account, opts.MaxWait).Check(ctx, opts.Request, opts.BotTokenEnv)
	if err != nil {
		return err
	}
	if opts.JSON {
		if err := ui.WriteJSON(opts.IO.Out, res); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(opts.IO.ErrOut, opts.IO.ErrStyles().Mark(res.OK()), res.Summary())
	}
	if !res.OK() {
		return &exitcode.Silent{Code: exitcode.No}
	}
	return nil
}

// GuildListOptions are the inputs of `guild list`.
type GuildListOptions struct {
	IO       *ui.IOStreams
	JSON     bool
	Access   func(provider, account string, maxWait time.Duration) *discord.Session
	Provider string
	Account  string
	MaxWait  time.Duration
}

func newCmdGuildList(f *cmdutil.Factory, runF func(context.Context, *GuildListOptions) error) *cobra.Command {
	opts := &GuildListOptions{IO: f.IO, Access: f.DiscordSession}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the guilds you are in (all pages)",
		Args:  cmdutil.UsageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.JSON = f.Global.JSON()
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
		fmt.Fprintf(tw, "%s\t%s\t%t\t%s\n", g.ID, ui.Sanitize(ui.OneLine(g.Name)), g.Owner, g.Permissions)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write guild table: %w", err)
	}
	return nil
}
