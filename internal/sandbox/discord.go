package sandbox

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	discordTokenLifetime = 604800 * time.Second
	discordOwnerPerms    = "2251799813685247" // every permission
	discordMemberPerms   = "1071698660929"
)

func (s *Server) discordRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth2/authorize", s.authorize(KindDiscord, KindDiscord, nil))
	mux.HandleFunc("GET /api/oauth2/authorize", s.authorize(KindDiscord, KindDiscord, nil))
	mux.HandleFunc("POST /api/oauth2/token", s.discordToken)
	mux.HandleFunc("POST /api/oauth2/token/revoke", s.discordRevoke)
	mux.HandleFunc("GET /api/v10/oauth2/@me", s.discordAuthorization)
	mux.HandleFunc("GET /api/v10/users/@me", s.discordMe)
	mux.HandleFunc("GET /api/v10/users/@me/guilds", s.discordMyGuilds)
	mux.HandleFunc("GET /api/v10/users/@me/guilds/{guild}/member", s.discordMyMember)
	mux.HandleFunc("GET /api/v10/guilds/{guild}/members/{user}", s.discordGuildMember)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		discordError(w, http.StatusNotFound, 0, "404: Not Found")
	})
}

func discordError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{"message": message, "code": code})
}

func discordOAuthError(w http.ResponseWriter, e *oauthError) {
	writeJSON(w, e.status, map[string]string{"error": e.code, "error_description": e.desc})
}

// discordClient authenticates a token or revoke request: form-encoded only,
// client credentials as Basic or in the form.
func (s *Server) discordClient(w http.ResponseWriter, r *http.Request) (*tokenRequest, *App, bool) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		// Discord reads only form bodies; a JSON body arrives as an empty form.
		discordOAuthError(w, &oauthError{http.StatusBadRequest, "unsupported_grant_type", "Grant type None is not supported"})
		return nil, nil, false
	}
	tr, err := parseTokenRequest(w, r)
	if err != nil {
		discordOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", err.Error()})
		return nil, nil, false
	}
	app := s.app(KindDiscord, tr.clientID())
	if app == nil || !tr.secretOK(app) {
		discordOAuthError(w, &oauthError{http.StatusUnauthorized, "invalid_client", "Invalid client credentials"})
		return nil, nil, false
	}
	return tr, app, true
}

func (s *Server) discordToken(w http.ResponseWriter, r *http.Request) {
	tr, app, ok := s.discordClient(w, r)
	if !ok {
		return
	}
	var g *grant
	switch gt := tr.form.Get("grant_type"); gt {
	case "authorization_code":
		c, oerr := s.redeemCode(app, tr)
		if oerr != nil {
			discordOAuthError(w, oerr)
			return
		}
		g = c.used
	case "refresh_token":
		var oerr *oauthError
		if g, oerr = s.rotate(app, tr.form.Get("refresh_token"), false); oerr != nil {
			discordOAuthError(w, oerr)
			return
		}
	default:
		discordOAuthError(w, &oauthError{http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("Grant type %s is not supported", gt)})
		return
	}
	t := s.issue(g, s.lifetime(discordTokenLifetime), "", "", 0)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": t.access.value, "token_type": "Bearer", "expires_in": int(t.lifetime.Seconds()),
		"refresh_token": t.refresh.value, "scope": strings.Join(g.scopes, " "),
	})
}

// discordRevoke is RFC 7009; revoking any token revokes the authorization.
func (s *Server) discordRevoke(w http.ResponseWriter, r *http.Request) {
	tr, app, ok := s.discordClient(w, r)
	if !ok {
		return
	}
	if tr.form.Get("token") == "" {
		discordOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", "token is required"})
		return
	}
	s.revokeToken(app, tr.form.Get("token"), true)
	writeJSON(w, http.StatusOK, map[string]any{})
}

// discordCaller is who a Discord API request comes from.
type discordCaller struct {
	grant  *grant    // user token
	expiry time.Time // of the user token
	bot    *Bot      // bot token
}

// discordAuth checks the Authorization header after the rate limit, like
// Discord: a bad token and a user token without the endpoint's scope are
// both answered 401 code 0.
func (s *Server) discordAuth(w http.ResponseWriter, r *http.Request, scope string) (discordCaller, bool) {
	scheme, value, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		t, state := s.lookupAccess(value)
		// fidelity: discord-user-missing-scope-401
		if state != tokenValid || t.grant.app.Kind != KindDiscord || (scope != "" && !hasScope(t.grant, scope)) {
			discordError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
			return discordCaller{}, false
		}
		return discordCaller{grant: t.grant, expiry: t.expiry}, true
	case scheme == "Bot":
		for i := range s.seed.Bots {
			b := &s.seed.Bots[i]
			if subtle.ConstantTimeCompare([]byte(value), []byte(b.Token)) == 1 {
				return discordCaller{bot: b}, true
			}
		}
	}
	discordError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
	return discordCaller{}, false
}

func discordUser(u *User, withEmail bool) map[string]any {
	m := map[string]any{
		"id": u.ID, "username": u.Username, "global_name": u.Name, "discriminator": "0",
		"avatar": nil, "bot": false, "mfa_enabled": false, "locale": "en-US", "flags": 0, "public_flags": 0,
	}
	if withEmail {
		m["email"] = u.Email
		m["verified"] = true
	}
	return m
}

func botUser(b *Bot) map[string]any {
	return map[string]any{"id": b.UserID, "username": "sandbox-bot", "global_name": nil, "discriminator": "0", "avatar": nil, "bot": true}
}

// discordAuthorization is GET /oauth2/@me: the bearer token's application,
// scopes, expiry and, with identify, user; any valid bearer token may ask.
func (s *Server) discordAuthorization(w http.ResponseWriter, r *http.Request) {
	if !s.rateLimit(w, r, "oauth2.me", "") {
		return
	}
	c, ok := s.discordAuth(w, r, "")
	if !ok {
		return
	}
	if c.bot != nil {
		// fidelity: discord-oauth2-me-bot-401
		discordError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
		return
	}
	out := map[string]any{
		"application": map[string]any{"id": c.grant.app.ClientID, "name": "Sandbox App", "icon": nil, "description": "",
			"bot_public": false, "bot_require_code_grant": false},
		"scopes":  c.grant.scopes,
		"expires": c.expiry.UTC().Format("2006-01-02T15:04:05.000000+00:00"),
	}
	if hasScope(c.grant, "identify") {
		out["user"] = discordUser(c.grant.user, false)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) discordMe(w http.ResponseWriter, r *http.Request) {
	if !s.rateLimit(w, r, "users.me", "") {
		return
	}
	c, ok := s.discordAuth(w, r, "identify")
	if !ok {
		return
	}
	if c.bot != nil {
		writeJSON(w, http.StatusOK, botUser(c.bot))
		return
	}
	writeJSON(w, http.StatusOK, discordUser(c.grant.user, hasScope(c.grant, "email")))
}

// discordMyGuilds pages the caller's guilds in id order: limit 1–200
// (default 200), before/after snowflakes, with_counts.
func (s *Server) discordMyGuilds(w http.ResponseWriter, r *http.Request) {
	if !s.rateLimit(w, r, "users.me.guilds", "") {
		return
	}
	c, ok := s.discordAuth(w, r, "guilds")
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := 200
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			invalidFormBody(w, "limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 200.")
			return
		}
		limit = n
	}
	var before, after uint64
	for _, p := range []struct {
		name string
		dst  *uint64
	}{{"before", &before}, {"after", &after}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				invalidFormBody(w, p.name, "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not snowflake.", v))
				return
			}
			*p.dst = n
		}
	}
	userID := ""
	if c.bot != nil {
		userID = c.bot.UserID
	} else {
		userID = c.grant.user.ID
	}
	type entry struct {
		id uint64
		g  *Guild
	}
	var mine []entry
	for i := range s.seed.Guilds {
		g := &s.seed.Guilds[i]
		if memberOf(g, userID) == nil {
			continue
		}
		id, _ := strconv.ParseUint(g.ID, 10, 64)
		if (after == 0 || id > after) && (before == 0 || id < before) {
			mine = append(mine, entry{id, g})
		}
	}
	slices.SortFunc(mine, func(a, b entry) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	if len(mine) > limit {
		if before != 0 && after == 0 {
			mine = mine[len(mine)-limit:] // the guilds just before `before`
		} else {
			mine = mine[:limit]
		}
	}
	out := make([]map[string]any, 0, len(mine))
	for _, e := range mine {
		perms := discordMemberPerms
		if e.g.OwnerID == userID {
			perms = discordOwnerPerms
		}
		m := map[string]any{"id": e.g.ID, "name": e.g.Name, "icon": nil, "banner": nil, "owner": e.g.OwnerID == userID, "permissions": perms, "features": []string{}}
		if q.Get("with_counts") == "true" {
			m["approximate_member_count"] = len(e.g.Members)
			m["approximate_presence_count"] = 0
		}
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, out)
}

func invalidFormBody(w http.ResponseWriter, field, code, message string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"code": 50035, "message": "Invalid Form Body",
		"errors": map[string]any{field: map[string]any{"_errors": []map[string]string{{"code": code, "message": message}}}},
	})
}

func (s *Server) guild(id string) *Guild {
	for i := range s.seed.Guilds {
		if s.seed.Guilds[i].ID == id {
			return &s.seed.Guilds[i]
		}
	}
	return nil
}

func memberOf(g *Guild, userID string) *Member {
	for i := range g.Members {
		if g.Members[i].UserID == userID {
			return &g.Members[i]
		}
	}
	return nil
}

// memberObject is Discord's guild member: roles are snowflake strings and
// never include @everyone.
// isBotUser tells whether id is the user of a seeded bot: Discord users too.
func (s *Server) isBotUser(id string) bool {
	for _, b := range s.seed.Bots {
		if b.UserID == id {
			return true
		}
	}
	return false
}

func (s *Server) memberObject(m *Member) map[string]any {
	roles := append([]string{}, m.Roles...) // [] rather than null when there are none
	var user map[string]any
	if u := s.user(m.UserID); u != nil {
		user = discordUser(u, false)
	} else {
		user = map[string]any{"id": m.UserID, "username": "sandbox-bot", "discriminator": "0", "avatar": nil, "bot": true}
	}
	var nick any
	if m.Nick != "" {
		nick = m.Nick
	}
	return map[string]any{
		"user": user, "nick": nick, "avatar": nil, "roles": roles, "joined_at": m.JoinedAt.UTC().Format("2006-01-02T15:04:05.000000+00:00"),
		"premium_since": nil, "deaf": false, "mute": false, "flags": 0, "pending": m.Pending, "communication_disabled_until": nil,
	}
}

// discordMyMember is GET /users/@me/guilds/{id}/member (guilds.members.read).
func (s *Server) discordMyMember(w http.ResponseWriter, r *http.Request) {
	guildID := r.PathValue("guild")
	if !s.rateLimit(w, r, "users.me.guilds.member", guildID) {
		return
	}
	c, ok := s.discordAuth(w, r, "guilds.members.read")
	if !ok {
		return
	}
	if c.bot != nil {
		discordError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
		return
	}
	g := s.guild(guildID)
	if g == nil {
		discordError(w, http.StatusNotFound, 10004, "Unknown Guild")
		return
	}
	m := memberOf(g, c.grant.user.ID)
	if m == nil {
		discordError(w, http.StatusNotFound, 10004, "Unknown Guild")
		return
	}
	writeJSON(w, http.StatusOK, s.memberObject(m))
}

// discordGuildMember is the bot lookup GET /guilds/{id}/members/{user}.
func (s *Server) discordGuildMember(w http.ResponseWriter, r *http.Request) {
	guildID := r.PathValue("guild")
	if !s.rateLimit(w, r, "guilds.members", guildID) {
		return
	}
	c, ok := s.discordAuth(w, r, "")
	if !ok {
		return
	}
	if c.bot == nil {
		// fidelity: discord-bot-member-bearer-401
		discordError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
		return
	}
	g := s.guild(guildID)
	switch {
	case g == nil:
		// fidelity: discord-bot-member-unknown-guild-404-10004
		discordError(w, http.StatusNotFound, 10004, "Unknown Guild")
		return
	case !slices.Contains(c.bot.Guilds, guildID) && c.bot.OutsideGuild == BotOutsideUnknownGuild:
		// fidelity: discord-bot-member-outside-404-10004
		discordError(w, http.StatusNotFound, 10004, "Unknown Guild")
		return
	case !slices.Contains(c.bot.Guilds, guildID):
		// fidelity: discord-bot-member-outside-403-50001
		discordError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	userID := r.PathValue("user")
	if _, err := strconv.ParseUint(userID, 10, 64); err != nil {
		invalidFormBody(w, "user_id", "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not snowflake.", userID))
		return
	}
	if s.user(userID) == nil && !s.isBotUser(userID) {
		discordError(w, http.StatusNotFound, 10013, "Unknown User")
		return
	}
	m := memberOf(g, userID)
	if m == nil {
		discordError(w, http.StatusNotFound, 10007, "Unknown Member")
		return
	}
	writeJSON(w, http.StatusOK, s.memberObject(m))
}
