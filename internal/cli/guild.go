package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/build"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/discord"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/ui"
)

// Discord OAuth scopes that decide how membership can be checked.
const (
	scopeGuilds            = "guilds"
	scopeGuildsMembersRead = "guilds.members.read"
	discordLoginHint       = "authctl login discord --scopes identify,guilds,guilds.members.read"
)

// discordToken is the user token a guild command runs with.
type discordToken struct {
	AccessToken string
	Scopes      []string // empty when unknown (a token from the environment)
	UserID      string
	UserName    string
	Refreshable bool
}

// discordAccess is what guild commands need from the factory, as functions so
// that nothing is resolved before it is used.
type discordAccess struct {
	Client func() (*discord.Client, error)
	// Token returns a valid user token; force refreshes it even when it looks valid.
	// Token returns a valid token; rejected, when not empty, is one Discord answered 401 to.
	Token func(ctx context.Context, rejected string) (*discordToken, error)
}

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
	if o.MaxWait < 0 {
		return exitcode.Errorf(exitcode.Usage, "--max-wait must not be negative, not %s", o.MaxWait)
	}
	return nil
}

// checkSnowflake refuses anything but a Discord ID: decimal digits.
func checkSnowflake(flag, v string) error {
	if v == "" {
		return exitcode.Errorf(exitcode.Usage, "%s needs a Discord ID", flag)
	}
	if len(v) > 20 || strings.Trim(v, "0123456789") != "" {
		return exitcode.Errorf(exitcode.Usage, "%s must be a Discord ID (digits only), not %q", flag, v)
	}
	return nil
}

// guildCheckResult is the JSON object of CLI.md, printed on exit 0 and 1.
type guildCheckResult struct {
	Guild        string   `json:"guild"`
	User         string   `json:"user"`
	Username     string   `json:"username"`
	Member       bool     `json:"member"`
	Pending      bool     `json:"pending"`
	Roles        []string `json:"roles"`
	MatchedRoles []string `json:"matched_roles"`
	MissingRoles []string `json:"missing_roles"`

	rolesKnown bool // false when only the guilds scope was available
	reason     string
}

func guildCheckRun(ctx context.Context, opts *GuildCheckOptions) error {
	var (
		res *guildCheckResult
		err error
	)
	if opts.BotTokenEnv != "" {
		res, err = guildCheckBot(ctx, opts)
	} else {
		res, err = guildCheckUser(ctx, opts)
	}
	if err != nil {
		return err
	}
	return reportGuildCheck(opts, res)
}

func guildCheckBot(ctx context.Context, opts *GuildCheckOptions) (*guildCheckResult, error) {
	// Accept the value with or without the scheme, as bot tokens are often kept with it.
	token := strings.TrimPrefix(strings.TrimSpace(opts.Getenv(opts.BotTokenEnv)), "Bot ")
	if token == "" {
		return nil, exitcode.Errorf(exitcode.Usage, "missing bot token: environment variable %s is empty or unset", opts.BotTokenEnv)
	}
	client, err := opts.Access(opts.Provider, "", opts.MaxWait).Client()
	if err != nil {
		return nil, err
	}
	m, err := client.GuildMember(ctx, discord.Credentials{Token: token, Bot: true}, opts.GuildID, opts.UserID)
	var apiErr *discord.APIError
	switch {
	case errors.As(err, &apiErr) && (apiErr.Code == discord.CodeUnknownMember || apiErr.Code == discord.CodeUnknownUser):
		return notMember(opts, opts.UserID, ""), nil
	case errors.As(err, &apiErr) && apiErr.Code == discord.CodeUnknownGuild:
		return nil, exitcode.Errorf(exitcode.Usage, "the bot is not in guild %s: add it to the guild to look members up", opts.GuildID)
	case errors.As(err, &apiErr) && apiErr.IsAuth():
		return nil, exitcode.Errorf(exitcode.Auth, "discord refused the bot token from %s (HTTP %d): check the token and the bot's access to guild %s", opts.BotTokenEnv, apiErr.Status, opts.GuildID)
	case err != nil:
		return nil, discordFailure(err)
	}
	userID, name := opts.UserID, ""
	if m.User != nil {
		name = m.User.Username
	}
	return memberResult(opts, m, userID, name), nil
}

func guildCheckUser(ctx context.Context, opts *GuildCheckOptions) (*guildCheckResult, error) {
	access := opts.Access(opts.Provider, opts.Account, opts.MaxWait)
	tok, err := access.Token(ctx, "")
	if err != nil {
		return nil, err
	}
	needRoles := len(opts.Roles) > 0 || opts.RequireVerified
	scopesKnown := len(tok.Scopes) > 0 // a token from the environment comes without scopes
	useMember := !scopesKnown || slices.Contains(tok.Scopes, scopeGuildsMembersRead)
	if !useMember {
		if needRoles {
			return nil, exitcode.Errorf(exitcode.Auth, "checking roles needs the %s scope, which the stored token lacks; re-login with scope %s: %s", scopeGuildsMembersRead, scopeGuildsMembersRead, discordLoginHint)
		}
		if !slices.Contains(tok.Scopes, scopeGuilds) {
			return nil, exitcode.Errorf(exitcode.Auth, "checking membership needs the %s or %s scope, which the stored token lacks; re-login with scope %s: %s", scopeGuildsMembersRead, scopeGuilds, scopeGuildsMembersRead, discordLoginHint)
		}
	}
	client, err := access.Client()
	if err != nil {
		return nil, err
	}
	refreshed := false
	for {
		cred := discord.Credentials{Token: tok.AccessToken}
		var res *guildCheckResult
		if useMember {
			res, err = userMemberCheck(ctx, opts, client, cred, tok)
		} else {
			res, err = userGuildListCheck(ctx, opts, client, cred, tok)
		}
		var apiErr *discord.APIError
		if !errors.As(err, &apiErr) || !apiErr.IsAuth() {
			if err == nil && res.User == "" {
				// A token from the environment does not say whose it is, and Discord's answer
				// named nobody: ask, so that "user" holds the id as the JSON contract says.
				if u, uerr := client.CurrentUser(ctx, cred); uerr == nil {
					res.User, res.Username = u.ID, u.Username
				}
			}
			return res, err
		}
		switch {
		case apiErr.Status == http.StatusUnauthorized && tok.Refreshable && !refreshed:
			// The token was revoked or expired early: refresh once and ask again.
			if tok, err = access.Token(ctx, tok.AccessToken); err != nil {
				return nil, err
			}
			refreshed = true
		case apiErr.Status == http.StatusForbidden && useMember && !scopesKnown && !needRoles:
			// The token may hold only the guilds scope: membership alone can still be answered.
			useMember = false
		case apiErr.Status == http.StatusForbidden:
			scope := scopeGuildsMembersRead
			if !useMember {
				scope = scopeGuilds
			}
			return nil, exitcode.Errorf(exitcode.Auth, "discord refused the request (HTTP 403, code %d): the token lacks the %s scope; re-login with scope %s: %s", apiErr.Code, scope, scope, discordLoginHint)
		default:
			return nil, exitcode.Errorf(exitcode.Auth, "discord rejected the token (HTTP %d): run authctl login %s", apiErr.Status, opts.Provider)
		}
	}
}

func userMemberCheck(ctx context.Context, opts *GuildCheckOptions, client *discord.Client, cred discord.Credentials, tok *discordToken) (*guildCheckResult, error) {
	m, err := client.CurrentUserGuildMember(ctx, cred, opts.GuildID)
	var apiErr *discord.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == discord.CodeUnknownGuild:
		return notMember(opts, tok.UserID, tok.UserName), nil
	case errors.As(err, &apiErr) && apiErr.IsAuth():
		return nil, err
	case err != nil:
		return nil, discordFailure(err)
	}
	userID, name := tok.UserID, tok.UserName
	if m.User != nil {
		userID, name = m.User.ID, m.User.Username
	}
	return memberResult(opts, m, userID, name), nil
}

// userGuildListCheck answers membership from the user's guild list, for
// tokens with only the guilds scope; it stops paging at the guild.
func userGuildListCheck(ctx context.Context, opts *GuildCheckOptions, client *discord.Client, cred discord.Credentials, tok *discordToken) (*guildCheckResult, error) {
	found := false
	_, err := client.CurrentUserGuilds(ctx, cred, func(g discord.Guild) bool {
		found = g.ID == opts.GuildID
		return found
	})
	var apiErr *discord.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.IsAuth():
		return nil, err
	case err != nil:
		return nil, discordFailure(err)
	case !found:
		return notMember(opts, tok.UserID, tok.UserName), nil
	}
	return &guildCheckResult{
		Guild: opts.GuildID, User: tok.UserID, Username: tok.UserName, Member: true,
		Roles: []string{}, MatchedRoles: []string{}, MissingRoles: []string{},
	}, nil
}

func notMember(opts *GuildCheckOptions, userID, name string) *guildCheckResult {
	return &guildCheckResult{
		Guild: opts.GuildID, User: userID, Username: name,
		Roles: []string{}, MatchedRoles: []string{}, MissingRoles: append([]string{}, opts.Roles...), // [] not null
		reason: "not a member",
	}
}

func memberResult(opts *GuildCheckOptions, m *discord.Member, userID, name string) *guildCheckResult {
	rc := discord.CheckRoles(opts.GuildID, m, opts.Roles, opts.AllRoles)
	roles := m.Roles
	if roles == nil {
		roles = []string{}
	}
	res := &guildCheckResult{
		Guild: opts.GuildID, User: userID, Username: name, Member: true, Pending: m.Pending,
		Roles: roles, MatchedRoles: rc.Matched, MissingRoles: rc.Missing, rolesKnown: true,
	}
	switch {
	case !rc.OK && opts.AllRoles:
		res.reason = "lacks role " + strings.Join(rc.Missing, ", ")
	case !rc.OK:
		res.reason = "has none of the roles " + strings.Join(opts.Roles, ", ")
	case m.Pending && opts.RequireVerified:
		res.reason = "has not passed membership screening yet (pending)"
	}
	return res
}

// discordFailure maps what Discord could not answer to exit 4, the cause in words.
func discordFailure(err error) error {
	var rl *discord.RateLimitError
	var unavailable *discord.UnavailableError
	var malformed *discord.MalformedError
	var apiErr *discord.APIError
	switch {
	case errors.As(err, &rl) && rl.InARow > 0:
		return exitcode.Errorf(exitcode.Provider, "discord rate limit: %d answers in a row were 429; retry after %s", rl.InARow, rl.At.UTC().Format(time.RFC3339))
	case errors.As(err, &rl):
		return exitcode.Errorf(exitcode.Provider, "discord rate limit: wait %s exceeds --max-wait; retry after %s",
			rl.RetryAfter.Round(time.Millisecond), rl.At.UTC().Format(time.RFC3339))
	case errors.As(err, &unavailable), errors.As(err, &malformed), errors.As(err, &apiErr):
		return exitcode.New(exitcode.Provider, err)
	}
	return err // cancellation: the root command reports the signal
}

func reportGuildCheck(opts *GuildCheckOptions, res *guildCheckResult) error {
	if opts.JSON {
		if err := ui.WriteJSON(opts.IO.Out, res); err != nil {
			return err
		}
	}
	st := opts.IO.ErrStyles()
	who := describeUser(res.User, res.Username)
	if res.reason != "" {
		if !opts.JSON {
			fmt.Fprintf(opts.IO.ErrOut, "%s %s %s\n", st.Failure.Render("✗"), who, failureLine(res))
		}
		return &exitcode.Silent{Code: exitcode.No}
	}
	if !opts.JSON {
		line := fmt.Sprintf("%s %s is in guild %s", st.Success.Render("✓"), who, res.Guild)
		if len(res.MatchedRoles) > 0 {
			line += " with role " + strings.Join(res.MatchedRoles, ", ")
		}
		if res.Pending {
			line += " (pending membership screening)"
		}
		if !res.rolesKnown {
			line += " (roles not checked: the token has only the guilds scope)"
		}
		fmt.Fprintln(opts.IO.ErrOut, line)
	}
	return nil
}

func failureLine(res *guildCheckResult) string {
	if !res.Member {
		return "is not in guild " + res.Guild
	}
	return fmt.Sprintf("is in guild %s but %s", res.Guild, res.reason)
}

func describeUser(id, name string) string {
	switch {
	case name != "" && id != "":
		return fmt.Sprintf("%s (%s)", name, id)
	case id != "":
		return "user " + id
	case name != "":
		return name
	}
	return "the token's user" // a token from the environment, not a member: no identity to name
}

// GuildListOptions are the inputs of `guild list`.
type GuildListOptions struct {
	IO       *ui.IOStreams
	JSON     bool
	Access   func(provider, account string, maxWait time.Duration) discordAccess
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
			opts.Access = f.discordAccess
			if opts.MaxWait < 0 {
				return exitcode.Errorf(exitcode.Usage, "--max-wait must not be negative, not %s", opts.MaxWait)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return guildListRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Account, "account", "", "stored account to use (default: the provider's default account)")
	fl.DurationVar(&opts.MaxWait, "max-wait", discord.DefaultMaxWait, "longest total wait for Discord rate limits before giving up with exit 4")
	fl.StringVar(&opts.Provider, "provider", "discord", "configured provider entry of kind discord")
	return cmd
}

type guildListEntry struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Owner       bool   `json:"owner"`
	Permissions string `json:"permissions"`
}

func guildListRun(ctx context.Context, opts *GuildListOptions) error {
	access := opts.Access(opts.Provider, opts.Account, opts.MaxWait)
	tok, err := access.Token(ctx, "")
	if err != nil {
		return err
	}
	if len(tok.Scopes) > 0 && !slices.Contains(tok.Scopes, scopeGuilds) {
		return exitcode.Errorf(exitcode.Auth, "listing guilds needs the %s scope, which the stored token lacks; re-login with scope %s: %s", scopeGuilds, scopeGuilds, discordLoginHint)
	}
	client, err := access.Client()
	if err != nil {
		return err
	}
	var guilds []discord.Guild
	for attempt := 0; ; attempt++ {
		guilds, err = client.CurrentUserGuilds(ctx, discord.Credentials{Token: tok.AccessToken}, nil)
		var apiErr *discord.APIError
		if !errors.As(err, &apiErr) || !apiErr.IsAuth() {
			break
		}
		if apiErr.Status == http.StatusUnauthorized && tok.Refreshable && attempt == 0 {
			if tok, err = access.Token(ctx, tok.AccessToken); err != nil {
				return err
			}
			continue
		}
		return exitcode.Errorf(exitcode.Auth, "discord rejected the token (HTTP %d): run %s", apiErr.Status, discordLoginHint)
	}
	if err != nil {
		return discordFailure(err)
	}
	entries := make([]guildListEntry, len(guilds))
	for i, g := range guilds {
		entries[i] = guildListEntry(g)
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, map[string]any{"guilds": entries})
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tOWNER\tPERMISSIONS")
	for _, g := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%t\t%s\n", g.ID, oneLine(g.Name), g.Owner, g.Permissions)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write guild table: %w", err)
	}
	return nil
}

// discordAccess wires guild commands to the configuration, the HTTP client
// and the credential store.
func (f *Factory) discordAccess(providerName, account string, maxWait time.Duration) discordAccess {
	return discordAccess{
		Client: func() (*discord.Client, error) {
			base, err := f.discordAPIURL(providerName)
			if err != nil {
				return nil, err
			}
			version, _, _ := build.Info()
			return &discord.Client{
				HTTP:      f.HTTPClient(),
				BaseURL:   base,
				UserAgent: discord.UserAgent(version),
				MaxWait:   maxWait,
			}, nil
		},
		Token: func(ctx context.Context, rejected string) (*discordToken, error) {
			creds := f.Credentials()
			var cred *provider.Credential
			var err error
			if rejected == "" {
				cred, err = creds.Token(ctx, providerName, account, credential.DefaultMinTTL)
			} else {
				cred, err = creds.Replace(ctx, providerName, account, credential.DefaultMinTTL, rejected)
			}
			if err != nil {
				return nil, err
			}
			return &discordToken{
				AccessToken: cred.AccessToken,
				Scopes:      cred.Scopes,
				UserID:      cred.UserID,
				UserName:    cred.UserName,
				Refreshable: cred.RefreshToken != "",
			}, nil
		},
	}
}

// discordAPIURL is the provider entry's api_url, else Discord's; bot mode
// needs no client id, so the entry is read without resolving OAuth settings.
func (f *Factory) discordAPIURL(providerName string) (string, error) {
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	p, ok := cfg.Provider(providerName, f.Getenv)
	if kind := p.Kind; kind != "" && kind != "discord" {
		return "", exitcode.Errorf(exitcode.Usage, "provider %q is of kind %q, not discord", providerName, kind)
	}
	if !ok && providerName != "discord" {
		return "", exitcode.Errorf(exitcode.Usage, "unknown provider %q: add it to the config with kind: discord", providerName)
	}
	if p.Kind == "" && providerName != "discord" {
		return "", exitcode.Errorf(exitcode.Usage, "provider %q needs kind: discord for guild commands", providerName)
	}
	if p.APIURL != nil && *p.APIURL != "" {
		return *p.APIURL, nil
	}
	return discord.DefaultBaseURL, nil
}
