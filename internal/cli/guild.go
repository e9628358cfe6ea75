package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/discord"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/ui"
)

func newCmdGuild(f *Factory) *cobra.Command {
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
	Getenv func(string) string
	Access func(provider, account string, maxWait time.Duration) discordAccess

	Provider        string
	Account         string
	GuildID         string
	Roles           []string
	AllRoles        bool
	RequireVerified bool
	UserID          string
	BotTokenEnv     string
	MaxWait         time.Duration
}

func newCmdGuildCheck(f *Factory, runF func(context.Context, *GuildCheckOptions) error) *cobra.Command {
	opts := &GuildCheckOptions{IO: f.IO, Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "check --guild ID [--role ID]... [--all-roles] | --guild ID --user ID --bot-token-env VAR",
		Short: "Exit 0 when a user is in a guild (with the given roles), 1 when not",
		Example: `  authctl guild check --guild 456 --role 789
  authctl guild check --guild 456 --role 789,790 --all-roles -o json
  DISCORD_BOT_TOKEN=… authctl guild check --guild 456 --user 123 --bot-token-env DISCORD_BOT_TOKEN`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.JSON = f.Global.JSON()
			opts.Access = f.discordAccess
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return guildCheckRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.GuildID, "guild", "", "guild (server) ID")
	fl.StringSliceVar(&opts.Roles, "role", nil, "role ID the member must hold; repeat or comma-separate for several (any of them, or all with --all-roles)")
	fl.BoolVar(&opts.AllRoles, "all-roles", false, "require every --role, not just one")
	fl.BoolVar(&opts.RequireVerified, "require-verified", false, "answer no for members still pending membership screening")
	fl.StringVar(&opts.Account, "account", "", "stored account to use (default: the provider's default account)")
	fl.StringVar(&opts.UserID, "user", "", "bot mode: the user ID to look up (needs --bot-token-env)")
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
	if err := checkSnowflake("--guild", o.GuildID); err != nil {
		return err
	}
	var roles []string
	for _, r := range o.Roles {
		r = strings.TrimSpace(r)
		if err := checkSnowflake("--role", r); err != nil {
			return err
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	o.Roles = roles
	if o.UserID != "" {
		if err := checkSnowflake("--user", o.UserID); err != nil {
			return err
		}
	}
	return checkMaxWait(o.MaxWait)
}

// checkMaxWait refuses a negative --max-wait, for every guild command.
func checkMaxWait(d time.Duration) error {
	if d < 0 {
		return exitcode.Errorf(exitcode.Usage, "--max-wait must not be negative, not %s", d)
	}
	return nil
}

// checkSnowflake refuses anything but a Discord ID: decimal digits.
func checkSnowflake(flag, v string) error {
	if v == "" {
		return exitcode.Errorf(exitcode.Usage, "%s needs a Discord ID", flag)
	}
	if !discord.IsID(v) {
		return exitcode.Errorf(exitcode.Usage, "%s must be a Discord ID (digits only), not %q", flag, v)
	}
	return nil
}

func guildCheckRun(ctx context.Context, opts *GuildCheckOptions) error {
	access := opts.Access(opts.Provider, opts.Account, opts.MaxWait)
	req := discord.Request{GuildID: opts.GuildID, Roles: opts.Roles, AllRoles: opts.AllRoles, RequireVerified: opts.RequireVerified}
	if opts.BotTokenEnv != "" {
		req.BotToken = discord.BotToken(opts.Getenv(opts.BotTokenEnv))
		if req.BotToken == "" {
			return exitcode.Errorf(exitcode.Usage, "missing bot token: environment variable %s is empty or unset", opts.BotTokenEnv)
		}
		req.UserID = opts.UserID
	} else {
		req.Tokens = access.Tokens
	}
	client, err := access.Client()
	if err != nil {
		return err
	}
	res, err := (&discord.Checker{Client: client}).Check(ctx, req)
	if err != nil {
		return guildCheckError(opts, err)
	}
	return reportGuildCheck(opts, res)
}

// guildCheckError gives what the check could not answer its exit code and a next step.
func guildCheckError(opts *GuildCheckOptions, err error) error {
	var rejected *discord.TokenRejectedError
	var hidden *discord.GuildNotVisibleError
	switch {
	case errors.As(err, &hidden):
		return exitcode.Errorf(exitcode.Usage, "%v; invite the bot to the guild, or check --guild", hidden)
	case errors.As(err, &rejected) && rejected.Bot:
		return exitcode.Errorf(exitcode.Auth, "discord refused the bot token from %s (HTTP %d): check the token and the bot's access to guild %s", opts.BotTokenEnv, rejected.Status, opts.GuildID)
	case errors.As(err, &rejected):
		return exitcode.Errorf(exitcode.Auth, "%v: run authctl login %s", rejected, opts.Provider)
	}
	return discord.Failure(err, opts.Provider)
}

func reportGuildCheck(opts *GuildCheckOptions, res *discord.Result) error {
	if opts.JSON {
		if err := ui.WriteJSON(opts.IO.Out, res); err != nil {
			return err
		}
	}
	st := opts.IO.ErrStyles()
	who := describeUser(res.User, res.Username)
	if !res.OK() {
		if !opts.JSON {
			fmt.Fprintf(opts.IO.ErrOut, "%s %s %s\n", st.Failure.Render("✗"), who, failureLine(res))
		}
		return &exitcode.Silent{Code: exitcode.No}
	}
	if !opts.JSON {
		line := fmt.Sprintf("%s %s is in guild %s", st.Success.Render("✓"), who, describeGuild(res))
		if len(res.MatchedRoles) > 0 {
			line += " with role " + strings.Join(res.MatchedRoles, ", ")
		}
		if res.Pending {
			line += " (pending membership screening)"
		}
		if !res.RolesKnown {
			line += " (roles not checked: the token has only the guilds scope)"
		}
		fmt.Fprintln(opts.IO.ErrOut, line)
	}
	return nil
}

func failureLine(res *discord.Result) string {
	if !res.Member {
		return "is not in guild " + describeGuild(res)
	}
	return fmt.Sprintf("is in guild %s but %s", describeGuild(res), res.Reason)
}

// describeGuild names the guild by name and id where Discord's answer gave the name.
func describeGuild(res *discord.Result) string {
	if res.GuildName == "" {
		return res.Guild
	}
	return fmt.Sprintf("%s (%s)", ui.Sanitize(oneLine(res.GuildName)), res.Guild)
}

func describeUser(id, name string) string {
	switch {
	case name != "" && id != "":
		return fmt.Sprintf("%s (%s)", ui.Sanitize(name), id)
	case id != "":
		return "user " + id
	case name != "":
		return ui.Sanitize(name)
	}
	return "the token's user" // a token from the environment, not a member: no identity to name
}
