// Package discord is `authctl guild` below the command line: Checker answers
// "is this user in the guild, with these roles?" for a user or a bot token
// (strategy from the token's scopes, fallbacks, refresh once after a 401),
// over a small REST client with Discord's error codes, rate limits and
// bounded retries, and never more requests than the answer needs.
package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultBaseURL is Discord's versioned REST API; unversioned paths reach an old API.
const DefaultBaseURL = "https://discord.com/api/v10"

// Defaults for a Client whose fields are left zero.
const (
	DefaultMaxWait        = 10 * time.Second
	DefaultMaxRetries     = 3
	DefaultBackoff        = 200 * time.Millisecond
	DefaultRequestTimeout = 15 * time.Second
)

// Discord JSON error codes that change the answer.
const (
	CodeUnknownGuild  = 10004 // not a member (user mode); no such guild, or the bot is not in it (bot mode)
	CodeUnknownMember = 10007 // the user is not a member of the guild (bot mode)
	CodeUnknownUser   = 10013 // no Discord user has that id (bot mode): not a member either
	CodeMissingAccess = 50001 // the bot is not in the guild (bot mode)
)

// guildsPageLimit is the largest page /users/@me/guilds serves.
const guildsPageLimit = 200

// Credentials authorize requests: a user's OAuth access token or a bot token.
type Credentials struct {
	Token string
	Bot   bool
}

func (c Credentials) header() string {
	if c.Bot {
		return "Bot " + c.Token
	}
	return "Bearer " + c.Token
}

// User is the part of a Discord user object that authctl reports.
type User struct {
	ID         string `json:"id"`
	Username   string `json:"username"`
	GlobalName string `json:"global_name"`
}

// Member is a guild member object. Roles are snowflake strings and never
// include @everyone.
type Member struct {
	User     *User    `json:"user,omitempty"`
	Nick     *string  `json:"nick"`
	Roles    []string `json:"roles"`
	JoinedAt string   `json:"joined_at"`
	Pending  bool     `json:"pending"`
	Flags    int      `json:"flags"`
}

// Guild is a partial guild object from /users/@me/guilds.
type Guild struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Owner       bool   `json:"owner"`
	Permissions string `json:"permissions"`
}

// APIError is an error answer from Discord, decided on its JSON code.
type APIError struct {
	Status  int
	Code    int
	Message string
}

func (e *APIError) Error() string {
	if e.Code != 0 || e.Message != "" {
		return fmt.Sprintf("discord: HTTP %d: %s (code %d)", e.Status, e.Message, e.Code)
	}
	return fmt.Sprintf("discord: HTTP %d", e.Status)
}

// IsAuth reports whether Discord refused the credentials or their scope (401 or 403).
func (e *APIError) IsAuth() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// RateLimitError is a rate limit whose wait would exceed the wait budget.
type RateLimitError struct {
	RetryAfter time.Duration
	At         time.Time // when a retry may succeed
	Global     bool
	// InARow is set when the client gave up after that many 429s in a row, however short their
	// waits; it is 0 when the wait alone was beyond the budget.
	InARow int
}

func (e *RateLimitError) Error() string {
	scope := "rate limited"
	if e.Global {
		scope = "globally rate limited"
	}
	if e.InARow > 0 {
		return fmt.Sprintf("discord: %s %d times in a row; retry after %s", scope, e.InARow, e.At.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("discord: %s for %s, beyond the wait budget; retry after %s", scope,
		e.RetryAfter.Round(time.Millisecond), e.At.UTC().Format(time.RFC3339))
}

// UnavailableError is a 5xx answer or a network failure that outlasted the retries.
type UnavailableError struct {
	Attempts int
	Err      error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("discord unavailable after %d attempts: %v", e.Attempts, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// MalformedError is an answer that is not the JSON Discord documents.
type MalformedError struct {
	Path string
	Err  error
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("discord: malformed response from %s: %v", e.Path, e.Err)
}

func (e *MalformedError) Unwrap() error { return e.Err }

// Client calls the Discord REST API. Zero fields other than MaxWait take their
// defaults; a Client is for one command run and safe for concurrent use.
type Client struct {
	HTTP      *http.Client
	BaseURL   string
	UserAgent string
	// MaxWait is the budget for waiting out rate limits over the client's
	// life; zero never waits.
	MaxWait        time.Duration
	MaxRetries     int
	Backoff        time.Duration // first retry delay; doubled on each retry
	RequestTimeout time.Duration
	Now            func() time.Time

	mu       sync.Mutex
	waited   time.Duration
	resetAt  map[string]time.Time // per route, when its exhausted bucket refills
	globalAt time.Time
}

// CurrentUser is the token's user (GET /users/@me, scope identify).
func (c *Client) CurrentUser(ctx context.Context, cred Credentials) (*User, error) {
	var u User
	if err := c.get(ctx, cred, "/users/@me", "/users/@me", &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// Authorization is what Discord says about a bearer token (GET /oauth2/@me):
// here only its scopes, which is all a check asks.
type Authorization struct {
	Scopes []string `json:"scopes"`
}

// CurrentAuthorization describes a user token, whatever its scopes: the way
// to tell a rejected token from one that lacks a scope, which Discord both
// answers with 401 code 0.
func (c *Client) CurrentAuthorization(ctx context.Context, cred Credentials) (*Authorization, error) {
	var a Authorization
	if err := c.get(ctx, cred, "/oauth2/@me", "/oauth2/@me", &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// CurrentUserGuildMember returns the token user's member object in guild
// (scope guilds.members.read). Not a member: *APIError with CodeUnknownGuild.
func (c *Client) CurrentUserGuildMember(ctx context.Context, cred Credentials, guildID string) (*Member, error) {
	var m Member
	path := "/users/@me/guilds/" + url.PathEscape(guildID) + "/member"
	if err := c.get(ctx, cred, "/users/@me/guilds/{guild}/member", path, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// GuildMember looks up any user in guild with a bot token. Not a member:
// CodeUnknownMember (CodeUnknownUser when no user has the id); the bot is not
// in the guild: 403 CodeMissingAccess, or CodeUnknownGuild as for a guild
// that does not exist.
func (c *Client) GuildMember(ctx context.Context, cred Credentials, guildID, userID string) (*Member, error) {
	var m Member
	path := "/guilds/" + url.PathEscape(guildID) + "/members/" + url.PathEscape(userID)
	if err := c.get(ctx, cred, "/guilds/{guild}/members/{user}", path, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// CurrentUserGuilds pages through all the token user's guilds (scope guilds).
// When stop is not nil, paging ends as soon as stop returns true for a guild.
func (c *Client) CurrentUserGuilds(ctx context.Context, cred Credentials, stop func(Guild) bool) ([]Guild, error) {
	var all []Guild
	after := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(guildsPageLimit)}}
		if after != "" {
			q.Set("after", after)
		}
		var page []Guild
		if err := c.get(ctx, cred, "/users/@me/guilds", "/users/@me/guilds?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		for _, g := range page {
			all = append(all, g)
			if stop != nil && stop(g) {
				return all, nil
			}
		}
		if len(page) < guildsPageLimit {
			return all, nil
		}
		// Pages come in ascending id order after `after`; an answer that does not move forward
		// would be fetched again and again.
		next := page[len(page)-1].ID
		if !snowflakeAfter(next, after) {
			return nil, &MalformedError{Path: "/users/@me/guilds", Err: fmt.Errorf("a full page after %q ends at guild %q, which does not move forward", after, next)}
		}
		after = next
	}
}

// get performs one logical GET: it waits out rate limits within the budget,
// retries 5xx and network failures with backoff, and decodes JSON into out.
func (c *Client) get(ctx context.Context, cred Credentials, route, path string, out any) error {
	var lastErr error
	attempts, limited := 0, 0
	for {
		if err := c.waitForBucket(ctx, route); err != nil {
			return err
		}
		attempts++
		resp, body, err := c.do(ctx, cred, path)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return err
			}
			lastErr = err
		case resp.StatusCode == http.StatusTooManyRequests:
			limited++
			if err := c.noteRateLimit(route, resp, body, limited); err != nil {
				return err
			}
			continue // a rate limit is waited out, not counted as a failed attempt
		case resp.StatusCode >= 500:
			c.noteBucket(route, resp)
			lastErr = fmt.Errorf("HTTP %d", resp.StatusCode)
		default:
			c.noteBucket(route, resp)
			return decode(resp, body, path, out)
		}
		if attempts > c.maxRetries() {
			return &UnavailableError{Attempts: attempts, Err: lastErr}
		}
		if err := sleep(ctx, c.backoff()<<(attempts-1)); err != nil {
			return err
		}
	}
}

func (c *Client) do(ctx context.Context, cred Credentials, path string) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.requestTimeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL()+path, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", cred.header())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent())
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", path, stripURL(err))
	}
	defer resp.Body.Close()
	// Member and guild pages are small; the cap keeps a broken server from exhausting memory.
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return resp, body, nil
}

// stripURL drops the URL from a *url.Error: the path is already in the message.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func decode(resp *http.Response, body []byte, path string, out any) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err := json.Unmarshal(body, out); err != nil {
			return &MalformedError{Path: path, Err: err}
		}
		return nil
	}
	apiErr := &APIError{Status: resp.StatusCode}
	var payload struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &payload); err != nil && !apiErr.IsAuth() {
			return &MalformedError{Path: path, Err: fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)}
		}
	}
	apiErr.Code, apiErr.Message = payload.Code, payload.Message
	return apiErr
}

// maxRateLimited bounds 429s in a row, so that a server answering 429 with a
// zero wait is not hammered.
const maxRateLimited = 5

// noteRateLimit records the n-th 429 in a row and returns an error when
// waiting it out would exceed the budget.
func (c *Client) noteRateLimit(route string, resp *http.Response, body []byte, n int) error {
	var payload struct {
		RetryAfter *float64 `json:"retry_after"`
		Global     bool     `json:"global"`
	}
	_ = json.Unmarshal(body, &payload) // the headers below carry the same figure when the body is not JSON
	wait, ok := time.Duration(0), false
	if payload.RetryAfter != nil {
		wait, ok = seconds(*payload.RetryAfter)
	}
	if !ok {
		wait, ok = headerSeconds(resp.Header, "Retry-After")
	}
	if !ok {
		wait, ok = headerSeconds(resp.Header, "X-RateLimit-Reset-After")
	}
	if !ok {
		wait = time.Second // a 429 without a figure: wait a second rather than hammer
	}
	global := payload.Global || strings.EqualFold(resp.Header.Get("X-RateLimit-Global"), "true")
	at := c.now().Add(wait)
	c.mu.Lock()
	defer c.mu.Unlock()
	if global {
		c.globalAt = laterOf(c.globalAt, at)
	} else {
		c.setReset(route, at)
	}
	if n > maxRateLimited {
		return &RateLimitError{RetryAfter: wait, At: at, Global: global, InARow: n}
	}
	if c.waited+wait > c.maxWait() {
		return &RateLimitError{RetryAfter: wait, At: at, Global: global}
	}
	return nil
}

// noteBucket remembers an exhausted bucket so that the next request to the
// route waits for its reset instead of drawing a 429.
func (c *Client) noteBucket(route string, resp *http.Response) {
	if resp.Header.Get("X-RateLimit-Remaining") != "0" {
		return
	}
	wait, ok := headerSeconds(resp.Header, "X-RateLimit-Reset-After")
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setReset(route, c.now().Add(wait))
}

func (c *Client) setReset(route string, at time.Time) {
	if c.resetAt == nil {
		c.resetAt = map[string]time.Time{}
	}
	c.resetAt[route] = laterOf(c.resetAt[route], at)
}

// waitForBucket sleeps until route's bucket (and the global limit) allow a
// request, charging the wait to the budget; beyond the budget it fails at once.
func (c *Client) waitForBucket(ctx context.Context, route string) error {
	c.mu.Lock()
	at := laterOf(c.resetAt[route], c.globalAt)
	wait := at.Sub(c.now())
	if wait <= 0 {
		c.mu.Unlock()
		return nil
	}
	if c.waited+wait > c.maxWait() {
		c.mu.Unlock()
		return &RateLimitError{RetryAfter: wait, At: at, Global: !c.globalAt.Before(at)}
	}
	c.waited += wait
	c.mu.Unlock()
	return sleep(ctx, wait)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

func headerSeconds(h http.Header, name string) (time.Duration, bool) {
	v := h.Get(name)
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, false
	}
	return seconds(f)
}

// seconds converts Discord's float seconds, refusing negative and absurd values.
func seconds(f float64) (time.Duration, bool) {
	if math.IsNaN(f) || f < 0 || f > 1e6 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) baseURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return DefaultBaseURL
}

func (c *Client) userAgent() string {
	if c.UserAgent != "" {
		return c.UserAgent
	}
	return UserAgent("dev")
}

// UserAgent is the User-Agent Discord asks API clients to send.
func UserAgent(version string) string {
	return "DiscordBot (https://github.com/authctl/authctl, " + version + ")"
}

func (c *Client) maxWait() time.Duration { return c.MaxWait }

func (c *Client) maxRetries() int {
	if c.MaxRetries > 0 {
		return c.MaxRetries
	}
	return DefaultMaxRetries
}

func (c *Client) backoff() time.Duration {
	if c.Backoff > 0 {
		return c.Backoff
	}
	return DefaultBackoff
}

func (c *Client) requestTimeout() time.Duration {
	if c.RequestTimeout > 0 {
		return c.RequestTimeout
	}
	return DefaultRequestTimeout
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// snowflakeAfter tells whether the snowflake next is greater than after ("" is before every id).
func snowflakeAfter(next, after string) bool {
	n, err := strconv.ParseUint(next, 10, 64)
	if err != nil {
		return false
	}
	if after == "" {
		return true
	}
	a, err := strconv.ParseUint(after, 10, 64)
	return err == nil && n > a
}
