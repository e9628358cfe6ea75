package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/authctl/authctl/internal/ui"
)

// OAuth scopes that decide how membership can be checked.
const (
	ScopeGuilds            = "guilds"
	ScopeGuildsMembersRead = "guilds.members.read"
)

// UserToken is the user token a check runs with.
type UserToken struct {
	AccessToken string
	Scopes      []string // empty when unknown (a token from the environment)
	UserID      string
	UserName    string
	Refreshable bool
}

// TokenSource hands out the user token. Token returns a valid token;
// rejected, when not empty, is one Discord answered 401 to, to be replaced.
type TokenSource interface {
	Token(ctx context.Context, rejected string) (*UserToken, error)
}

// Request is one membership question. Bot mode (BotToken set) looks UserID
// up with the bot's token; user mode asks about the token's own user.
type Request struct {
	GuildID         string
	Roles           []string // any of them, or all with AllRoles; none: membership alone
	AllRoles        bool
	RequireVerified bool // a member still pending membership screening is a "no"

	BotToken string
	UserID   string

	Tokens TokenSource // user mode
}

func (r Request) needsMemberObject() bool { return len(r.Roles) > 0 || r.RequireVerified }

// Result is the answer, in the JSON shape of CLI.md.
type Result struct {
	Guild        string   `json:"guild"`
	User         string   `json:"user"`
	Username     string   `json:"username"`
	Member       bool     `json:"member"`
	Pending      bool     `json:"pending"`
	Roles        []string `json:"roles"`
	MatchedRoles []string `json:"matched_roles"`
	MissingRoles []string `json:"missing_roles"`

	// GuildName is the guild's name when an answer carried it (the guild
	// list does; a member object does not), for people; JSON keeps the id.
	GuildName string `json:"-"`
	// RolesKnown is false when membership was answered from the guild list
	// (a token with only the guilds scope), which carries no roles.
	RolesKnown bool `json:"-"`
	// Reason says why the answer is "no"; empty when the check passed.
	Reason string `json:"-"`
}

// OK reports whether the check passed.
func (r *Result) OK() bool { return r.Reason == "" }

// Summary is the answer in words for people: who is, or is not, in which guild, with which
// role, or why the answer is no. Names from Discord are escaped.
func (r *Result) Summary() string {
	who, guild := r.who(), r.guild()
	switch {
	case !r.Member:
		return who + " is not in guild " + guild
	case !r.OK():
		return fmt.Sprintf("%s is in guild %s but %s", who, guild, r.Reason)
	}
	line := fmt.Sprintf("%s is in guild %s", who, guild)
	if len(r.MatchedRoles) > 0 {
		line += " with role " + strings.Join(r.MatchedRoles, ", ")
	}
	if r.Pending {
		line += " (pending membership screening)"
	}
	if !r.RolesKnown {
		line += " (roles not checked: the token has only the guilds scope)"
	}
	return line
}

// guild names the guild by name and id where Discord's answer gave the name.
func (r *Result) guild() string {
	if r.GuildName == "" {
		return r.Guild
	}
	return fmt.Sprintf("%s (%s)", ui.Sanitize(ui.OneLine(r.GuildName)), r.Guild)
}

func (r *Result) who() string {
	switch {
	case r.Username != "" && r.User != "":
		return fmt.Sprintf("%s (%s)", ui.Sanitize(r.Username), r.User)
	case r.User != "":
		return "user " + r.User
	case r.Username != "":
		return ui.Sanitize(r.Username)
	}
	return "the token's user" // a token from the environment, not a member: no identity to name
}

// ScopeError is a token that lacks the scope the question needs.
type ScopeError struct {
	For     string // what needed it: "checking roles", "listing guilds"
	Missing string // the scopes that would do, in words
	Scope   string // the scope to log in with
	// Refused is Discord's answer when Discord refused, and Has the token's
	// scopes as /oauth2/@me listed them; Refused is nil when the stored
	// token's scopes told before any request.
	Refused *APIError
	Has     []string
}

func (e *ScopeError) Error() string {
	if e.Refused == nil {
		return fmt.Sprintf("%s needs the %s scope, which the stored token lacks", e.For, e.Missing)
	}
	has := strings.Join(e.Has, ", ")
	if has == "" {
		has = "none"
	}
	return fmt.Sprintf("%s needs the %s scope, which the token lacks (discord answered HTTP %d; the token's scopes: %s)", e.For, e.Missing, e.Refused.Status, has)
}

// TokenRejectedError is a token Discord refused that no refresh could replace.
type TokenRejectedError struct {
	Status int
	Bot    bool
}

func (e *TokenRejectedError) Error() string {
	if e.Bot {
		return fmt.Sprintf("discord refused the bot token (HTTP %d)", e.Status)
	}
	return fmt.Sprintf("discord rejected the token (HTTP %d)", e.Status)
}

// GuildNotVisibleError is a bot that cannot see the guild: Discord answers
// 403 50001 or 404 10004 alike for a guild the bot is not in and for one that
// does not exist.
type GuildNotVisibleError struct {
	Guild   string
	Refused *APIError
}

func (e *GuildNotVisibleError) Error() string {
	msg := fmt.Sprintf("the bot cannot see guild %s: the bot is not in it, or no guild has that id", e.Guild)
	if e.Refused != nil {
		msg += fmt.Sprintf(" (discord: HTTP %d, code %d %s)", e.Refused.Status, e.Refused.Code, e.Refused.Message)
	}
	return msg
}

// Checker answers guild questions with Client.
type Checker struct {
	Client *Client
}

// Check answers req: membership, roles and screening of one user in one guild.
// A "no" is a Result with a Reason; errors are for answers that could not be had.
func (c *Checker) Check(ctx context.Context, req Request) (*Result, error) {
	if req.BotToken != "" {
		return c.checkBot(ctx, req)
	}
	if req.Tokens == nil {
		return nil, errors.New("discord: a check needs a bot token or a user token source")
	}
	return c.checkUser(ctx, req)
}

func (c *Checker) checkBot(ctx context.Context, req Request) (*Result, error) {
	m, err := c.Client.GuildMember(ctx, Credentials{Token: req.BotToken, Bot: true}, req.GuildID, req.UserID)
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && (apiErr.Code == CodeUnknownMember || apiErr.Code == CodeUnknownUser):
		return notMember(req, req.UserID, ""), nil
	case errors.As(err, &apiErr) && (apiErr.Code == CodeUnknownGuild || apiErr.Status == http.StatusForbidden && apiErr.Code == CodeMissingAccess):
		return nil, &GuildNotVisibleError{Guild: req.GuildID, Refused: apiErr}
	case errors.As(err, &apiErr) && apiErr.IsAuth():
		return nil, &TokenRejectedError{Status: apiErr.Status, Bot: true}
	case err != nil:
		return nil, err
	}
	name := ""
	if m.User != nil {
		name = m.User.Username
	}
	return memberResult(req, m, req.UserID, name), nil
}

// strategy is how a user token's membership is found.
type strategy int

const (
	memberLookup strategy = iota // GET /users/@me/guilds/{guild}/member: roles too (guilds.members.read)
	guildPaging                  // GET /users/@me/guilds until the guild shows up (guilds)
)

func (c *Checker) checkUser(ctx context.Context, req Request) (*Result, error) {
	tok, err := req.Tokens.Token(ctx, "")
	if err != nil {
		return nil, err
	}
	how, err := strategyFor(tok.Scopes, req.needsMemberObject(), nil)
	if err != nil {
		return nil, err
	}
	var res *Result
	err = c.withUserToken(ctx, req.Tokens, tok, func(t *UserToken) error {
		tok = t // the token Discord last answered, refreshed or not
		var err error
		if how == memberLookup {
			res, err = c.memberLookup(ctx, req, tok)
		} else {
			res, err = c.guildPaging(ctx, req, tok)
		}
		return err
	}, func(refused *APIError, has []string) (bool, error) {
		next, err := strategyFor(has, req.needsMemberObject(), refused)
		switch {
		case err != nil:
			return false, err
		case next == how:
			return false, nil // the scope is there, yet Discord refused: the token itself
		}
		how = next // the token lacks guilds.members.read: membership alone can still be answered
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if res.User == "" {
		// A token from the environment does not say whose it is, and Discord's answer
		// named nobody: ask, so that the result names the user.
		if u, err := c.Client.CurrentUser(ctx, Credentials{Token: tok.AccessToken}); err == nil {
			res.User, res.Username = u.ID, u.Username
		}
	}
	return res, nil
}

// strategyFor picks how to find membership from the token's scopes (none
// known: try the member lookup first). refused is Discord's answer when has
// came from /oauth2/@me after it, nil when has are the stored scopes.
func strategyFor(has []string, needMember bool, refused *APIError) (strategy, error) {
	switch {
	case (len(has) == 0 && refused == nil) || slices.Contains(has, ScopeGuildsMembersRead):
		return memberLookup, nil
	case needMember:
		return 0, &ScopeError{For: "checking roles", Missing: ScopeGuildsMembersRead, Scope: ScopeGuildsMembersRead, Refused: refused, Has: has}
	case !slices.Contains(has, ScopeGuilds):
		return 0, &ScopeError{For: "checking membership", Missing: ScopeGuildsMembersRead + " or " + ScopeGuilds, Scope: ScopeGuildsMembersRead, Refused: refused, Has: has}
	}
	return guildPaging, nil
}

// withUserToken runs call with tok. When Discord refuses (401 or 403), one
// call to /oauth2/@me tells a rejected token from one that lacks a scope,
// which Discord answers alike: a rejected token is replaced once from src
// and call runs again; for a valid one, refused decides from the token's
// scopes whether call, changed, runs again (true) or what the error is.
func (c *Checker) withUserToken(ctx context.Context, src TokenSource, tok *UserToken, call func(*UserToken) error, refused func(*APIError, []string) (bool, error)) error {
	refreshed := false
	for {
		err := call(tok)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || !apiErr.IsAuth() {
			return err
		}
		auth, err := c.Client.CurrentAuthorization(ctx, Credentials{Token: tok.AccessToken})
		var probeErr *APIError
		switch {
		case errors.As(err, &probeErr) && probeErr.IsAuth() && tok.Refreshable && !refreshed:
			// The token was revoked or expired early: refresh once and ask again.
			if tok, err = src.Token(ctx, tok.AccessToken); err != nil {
				return err
			}
			refreshed = true
			continue
		case errors.As(err, &probeErr) && probeErr.IsAuth():
			return &TokenRejectedError{Status: apiErr.Status}
		case err != nil:
			return err
		}
		retry, err := refused(apiErr, auth.Scopes)
		switch {
		case err != nil:
			return err
		case !retry:
			return &TokenRejectedError{Status: apiErr.Status}
		}
	}
}

func (c *Checker) memberLookup(ctx context.Context, req Request, tok *UserToken) (*Result, error) {
	m, err := c.Client.CurrentUserGuildMember(ctx, Credentials{Token: tok.AccessToken}, req.GuildID)
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == CodeUnknownGuild:
		return notMember(req, tok.UserID, tok.UserName), nil
	case err != nil:
		return nil, err
	}
	userID, name := tok.UserID, tok.UserName
	if m.User != nil {
		userID, name = m.User.ID, m.User.Username
	}
	return memberResult(req, m, userID, name), nil
}

// guildPaging answers membership from the user's guild list, for tokens
// with only the guilds scope; it stops paging at the guild.
func (c *Checker) guildPaging(ctx context.Context, req Request, tok *UserToken) (*Result, error) {
	found, name := false, ""
	_, err := c.Client.CurrentUserGuilds(ctx, Credentials{Token: tok.AccessToken}, func(g Guild) bool {
		found, name = g.ID == req.GuildID, g.Name
		return found
	})
	switch {
	case err != nil:
		return nil, err
	case !found:
		return notMember(req, tok.UserID, tok.UserName), nil
	}
	return &Result{
		Guild: req.GuildID, GuildName: name, User: tok.UserID, Username: tok.UserName, Member: true,
		Roles: []string{}, MatchedRoles: []string{}, MissingRoles: []string{},
	}, nil
}

// ListGuilds returns all the guilds of the source's user (scope guilds).
func (c *Checker) ListGuilds(ctx context.Context, src TokenSource) ([]Guild, error) {
	tok, err := src.Token(ctx, "")
	if err != nil {
		return nil, err
	}
	if len(tok.Scopes) > 0 && !slices.Contains(tok.Scopes, ScopeGuilds) {
		return nil, &ScopeError{For: "listing guilds", Missing: ScopeGuilds, Scope: ScopeGuilds}
	}
	var guilds []Guild
	err = c.withUserToken(ctx, src, tok, func(tok *UserToken) error {
		var err error
		guilds, err = c.Client.CurrentUserGuilds(ctx, Credentials{Token: tok.AccessToken}, nil)
		return err
	}, func(refused *APIError, has []string) (bool, error) {
		if slices.Contains(has, ScopeGuilds) {
			return false, nil
		}
		return false, &ScopeError{For: "listing guilds", Missing: ScopeGuilds, Scope: ScopeGuilds, Refused: refused, Has: has}
	})
	return guilds, err
}

func notMember(req Request, userID, name string) *Result {
	return &Result{
		Guild: req.GuildID, User: userID, Username: name,
		Roles: []string{}, MatchedRoles: []string{}, MissingRoles: append([]string{}, req.Roles...), // [] not null
		Reason: "not a member",
	}
}

func memberResult(req Request, m *Member, userID, name string) *Result {
	rc := CheckRoles(req.GuildID, m, req.Roles, req.AllRoles)
	roles := m.Roles
	if roles == nil {
		roles = []string{}
	}
	res := &Result{
		Guild: req.GuildID, User: userID, Username: name, Member: true, Pending: m.Pending,
		Roles: roles, MatchedRoles: rc.Matched, MissingRoles: rc.Missing, RolesKnown: true,
	}
	switch {
	case !rc.OK && req.AllRoles:
		res.Reason = "lacks role " + strings.Join(rc.Missing, ", ")
	case !rc.OK:
		res.Reason = "has none of the roles " + strings.Join(req.Roles, ", ")
	case m.Pending && req.RequireVerified:
		res.Reason = "has not passed membership screening yet (pending)"
	}
	return res
}
