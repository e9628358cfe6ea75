package sandbox

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Provider kinds the sandbox speaks.
const (
	KindDiscord = "discord"
	KindGitHub  = "github"
	KindSlack   = "slack"
	KindSentry  = "sentry"
	KindOIDC    = "oidc"
)

// Seeded values of DefaultSeed, for tests to refer to.
const (
	AliceID       = "80351110224678912"
	AliceUsername = "alice"
	AliceEmail    = "alice@example.test"
	BobID         = "80351110224678913"
	BobUsername   = "bob"
	CarolID       = "80351110224678914" // member of ManyGuildsCount guilds, for paging tests
	CarolUsername = "carol"

	GuildID      = "1100000000000000001" // alice (roles admin, member) and bob (pending, no roles)
	OtherGuildID = "1100000000000000002" // alice only; the bot is not in it
	RoleAdminID  = "1200000000000000001"
	RoleMemberID = "1200000000000000002"
	RoleGuestID  = "1200000000000000003"

	BotUserID = "1300000000000000001"
	BotToken  = "sandbox-bot-token" // a Discord bot token, member of GuildID only

	ManyGuildsCount = 250
	ManyGuildsFirst = 1400000000000000001 // carol's guild ids are consecutive from here

	DiscordClientID       = "1234567890"
	DiscordClientSecret   = "discord-sandbox-secret"
	DiscordRedirectPort   = 28682 // below every OS's ephemeral range, so no outgoing connection can hold it
	DiscordRedirectURI    = "http://127.0.0.1:28682/callback"
	DiscordPublicClientID = "1234567891" // "Public Client": no secret, PKCE required

	GitHubClientID        = "Iv1.sandboxoauthapp" // OAuth App: tokens never expire
	GitHubClientSecret    = "github-sandbox-secret"
	GitHubAppClientID     = "Iv23.sandboxghapp" // GitHub App: expiring user tokens, rotation kills both
	GitHubAppClientSecret = "github-app-sandbox-secret"
	GitHubAppRedirectPort = 28683 // a GitHub App's callback URL matches exactly, port included
	GitHubAppRedirectURI  = "http://127.0.0.1:28683/callback"

	SlackClientID     = "1111111111.2222222222"
	SlackClientSecret = "slack-sandbox-secret"
	SlackTeamID       = "T0SANDBOX"
	SlackRedirectPort = 28684 // Slack's localhost port matching is undocumented: registered exactly
	SlackRedirectURI  = "http://localhost:28684/callback"

	SentryClientID     = "sentry-sandbox-client"
	SentryClientSecret = "sentry-sandbox-secret"

	GitHubAppID              = 424242 // the GitHub App's id (JWT iss)
	GitHubInstallationID     = 5150
	GitHubInstallationOrg    = "sandbox-org"
	GitHubInstallationRepo   = "sandbox-org/widgets" // a repository the org installation covers
	GitHubUserInstallationID = 5151
	GitHubUserInstallation   = "sandbox-user" // a personal account the GitHub App is installed on
	SentryIntegrationClient  = "sentry-integration-client"
	SentryIntegrationSecret  = "sentry-integration-secret"
	SentryInstallationUUID   = "b1f3c0de-5a4d-4b0c-9e57-000000000001"
	SentryInstallationCode   = "sentry-install-code" // as sent in the installation webhook

	OIDCClientID       = "authctl-confidential"
	OIDCClientSecret   = "oidc-sandbox-secret"
	OIDCPublicClientID = "authctl-public" // no secret, PKCE required
)

// Seed is the sandbox's world: users, OAuth apps, Discord guilds and bots,
// token lifetimes, rate-limit bucket sizes and faults. It is read from YAML
// by LoadSeed; field names below are the YAML keys.
type Seed struct {
	// DefaultUser is the username signed in when the consent page is
	// auto-approved and no login_hint names another (default: first user).
	DefaultUser string  `yaml:"default_user,omitempty"`
	Users       []User  `yaml:"users,omitempty"`
	Apps        []App   `yaml:"apps,omitempty"`
	Guilds      []Guild `yaml:"guilds,omitempty"`
	Bots        []Bot   `yaml:"bots,omitempty"`
	// Installations of GitHub Apps and Sentry integrations.
	Installations []Installation `yaml:"installations,omitempty"`
	// Repositories are served over Git's smart HTTP protocol (githttp.go).
	Repositories []Repository `yaml:"repositories,omitempty"`
	// TokenLifetime is the access-token lifetime in seconds for kinds whose
	// tokens expire (Discord, GitHub Apps, Slack, Sentry, OIDC); 0 means
	// each provider's real default.
	TokenLifetime int `yaml:"token_lifetime,omitempty"`
	// DeviceCodeLifetime (seconds; default the provider's: GitHub 900,
	// Sentry 600) and DeviceInterval
	// (seconds, default 5) shape the device flow.
	DeviceCodeLifetime int `yaml:"device_code_lifetime,omitempty"`
	DeviceInterval     int `yaml:"device_interval,omitempty"`
	// RateLimits sets Discord bucket sizes by bucket name (see the package
	// documentation); a bucket not listed allows DefaultRateLimit requests
	// per RateLimitWindow seconds.
	RateLimits       map[string]int `yaml:"rate_limits,omitempty"`
	DefaultRateLimit int            `yaml:"default_rate_limit,omitempty"`
	RateLimitWindow  float64        `yaml:"rate_limit_window,omitempty"`
	// Faults are injected per route from the start; see Fault.
	Faults map[string]Fault `yaml:"faults,omitempty"`
}

// User is a person who can sign in on the consent page. The same user
// exists at every provider; ID is their Discord snowflake and, as a number,
// their GitHub id.
type User struct {
	ID       string `yaml:"id"`
	Username string `yaml:"username"`
	Name     string `yaml:"name,omitempty"`
	Email    string `yaml:"email,omitempty"`
}

// App is a registered OAuth client.
type App struct {
	Kind         string   `yaml:"kind"`
	ClientID     string   `yaml:"client_id"`
	ClientSecret string   `yaml:"client_secret,omitempty"`
	Public       bool     `yaml:"public,omitempty"`
	RedirectURIs []string `yaml:"redirect_uris,omitempty"`
	// ExpiringTokens is GitHub App semantics for kind github: tokens expire
	// and come with a rotating refresh token. Other kinds always expire.
	ExpiringTokens bool `yaml:"expiring_tokens,omitempty"`
	// AppID and PublicKeyPEM (PKIX or PKCS#1 RSA) let a GitHub App sign
	// the RS256 JWTs that create installation tokens.
	AppID        int64  `yaml:"app_id,omitempty"`
	PublicKeyPEM string `yaml:"public_key_pem,omitempty"`
	// DeviceFlowOff switches a GitHub app's device flow off and says how
	// POST /login/device/code answers: DeviceFlowOffError or DeviceFlowOffNoURI.
	DeviceFlowOff string `yaml:"device_flow_off,omitempty"`
	// StrictRedirect is a Sentry application of version 1 (strict-redirect-uri):
	// no prefix matching of redirect URIs.
	StrictRedirect bool `yaml:"strict_redirect_uri,omitempty"`
}

// The two answers seen from GitHub for an app whose device flow is off (the
// cli/oauth device package handles both).
const (
	DeviceFlowOffError = "error"  // 400 {"error": "device_flow_disabled"}
	DeviceFlowOffNoURI = "no_uri" // 200 without verification_uri
)

// Installation is a GitHub App installation on an account (an org login,
// or owner/repo for a repository installation), or a Sentry integration
// installation (UUID, with the code its installation webhook carries).
type Installation struct {
	Kind     string `yaml:"kind"`
	ID       int64  `yaml:"id,omitempty"`
	UUID     string `yaml:"uuid,omitempty"`
	ClientID string `yaml:"client_id"`
	Account  string `yaml:"account,omitempty"`
	// AccountType of a GitHub installation: Organization (default) or User.
	AccountType string `yaml:"account_type,omitempty"`
	Code        string `yaml:"code,omitempty"`
	// Repositories are the names (without the owner) a GitHub installation
	// covers; empty means all of the account's repositories.
	Repositories []string `yaml:"repositories,omitempty"`
	// Permissions are what a GitHub installation was granted, by name:
	// read, write or admin (default contents and metadata: read).
	Permissions map[string]string `yaml:"permissions,omitempty"`
	// LegacyErrors makes a Sentry installation refuse grants as Sentry did
	// before sentry_apps/token_exchange: 403 {"error": …} instead of 401/400
	// {"detail": …}.
	LegacyErrors bool `yaml:"legacy_errors,omitempty"`
}

// Guild is a Discord guild.
type Guild struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"name,omitempty"`
	OwnerID string   `yaml:"owner_id,omitempty"`
	Roles   []Role   `yaml:"roles,omitempty"`
	Members []Member `yaml:"members,omitempty"`
}

// Role is a Discord role.
type Role struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name,omitempty"`
}

// Member is a user's membership of a guild.
type Member struct {
	UserID   string    `yaml:"user_id"`
	Nick     string    `yaml:"nick,omitempty"`
	Roles    []string  `yaml:"roles,omitempty"`
	Pending  bool      `yaml:"pending,omitempty"`
	JoinedAt time.Time `yaml:"joined_at,omitempty"`
}

// Bot is a Discord bot: its token and the guilds it has joined.
type Bot struct {
	UserID string   `yaml:"user_id"`
	Token  string   `yaml:"token"`
	Guilds []string `yaml:"guilds,omitempty"`
	// OutsideGuild is how Discord answers the bot about a guild it is not
	// in: BotOutsideMissingAccess (the default) or BotOutsideUnknownGuild.
	OutsideGuild string `yaml:"outside_guild,omitempty"`
}

// Discord's two answers to a bot asking about a guild it is not in.
const (
	BotOutsideMissingAccess = "missing_access" // 403 50001
	BotOutsideUnknownGuild  = "unknown_guild"  // 404 10004, which hides whether the guild exists
)

// DefaultSeed returns the built-in world described in the package
// documentation. Each call returns a fresh copy.
func DefaultSeed() *Seed {
	joined := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	s := &Seed{
		DefaultUser: AliceUsername,
		Users: []User{
			{ID: AliceID, Username: AliceUsername, Name: "Alice Example", Email: AliceEmail},
			{ID: BobID, Username: BobUsername, Name: "Bob Example", Email: "bob@example.test"},
			{ID: CarolID, Username: CarolUsername, Name: "Carol Example", Email: "carol@example.test"},
		},
		Apps: []App{
			{Kind: KindDiscord, ClientID: DiscordClientID, ClientSecret: DiscordClientSecret, RedirectURIs: []string{DiscordRedirectURI}},
			{Kind: KindDiscord, ClientID: DiscordPublicClientID, Public: true, RedirectURIs: []string{DiscordRedirectURI}},
			{Kind: KindGitHub, ClientID: GitHubClientID, ClientSecret: GitHubClientSecret, RedirectURIs: []string{"http://127.0.0.1/callback"}},
			{Kind: KindGitHub, ClientID: GitHubAppClientID, ClientSecret: GitHubAppClientSecret, RedirectURIs: []string{GitHubAppRedirectURI}, ExpiringTokens: true, AppID: GitHubAppID, PublicKeyPEM: gitHubAppPublicKeyPEM()},
			{Kind: KindSlack, ClientID: SlackClientID, ClientSecret: SlackClientSecret, RedirectURIs: []string{SlackRedirectURI}},
			{Kind: KindSentry, ClientID: SentryClientID, ClientSecret: SentryClientSecret, RedirectURIs: []string{"http://127.0.0.1/callback"}},
			{Kind: KindSentry, ClientID: SentryIntegrationClient, ClientSecret: SentryIntegrationSecret},
			{Kind: KindOIDC, ClientID: OIDCClientID, ClientSecret: OIDCClientSecret, RedirectURIs: []string{"http://127.0.0.1/callback"}},
			{Kind: KindOIDC, ClientID: OIDCPublicClientID, Public: true, RedirectURIs: []string{"http://127.0.0.1/callback"}},
		},
		Guilds: []Guild{
			{ID: GuildID, Name: "Sandbox Guild", OwnerID: AliceID,
				Roles: []Role{{ID: RoleAdminID, Name: "admin"}, {ID: RoleMemberID, Name: "member"}, {ID: RoleGuestID, Name: "guest"}},
				Members: []Member{
					{UserID: AliceID, Nick: "ali", Roles: []string{RoleAdminID, RoleMemberID}, JoinedAt: joined},
					{UserID: BobID, Pending: true, JoinedAt: joined},
					{UserID: BotUserID, JoinedAt: joined},
				}},
			{ID: OtherGuildID, Name: "Other Guild", OwnerID: BobID,
				Members: []Member{{UserID: AliceID, JoinedAt: joined}}},
		},
		Bots: []Bot{{UserID: BotUserID, Token: BotToken, Guilds: []string{GuildID}}},
		Installations: []Installation{
			{Kind: KindGitHub, ID: GitHubInstallationID, ClientID: GitHubAppClientID, Account: GitHubInstallationOrg,
				Repositories: []string{"widgets", "gadgets"}, Permissions: map[string]string{"contents": "read", "metadata": "read", "issues": "write"}},
			{Kind: KindGitHub, ID: GitHubUserInstallationID, ClientID: GitHubAppClientID, Account: GitHubUserInstallation, AccountType: "User"},
			{Kind: KindSentry, UUID: SentryInstallationUUID, ClientID: SentryIntegrationClient, Code: SentryInstallationCode},
		},
		Repositories: []Repository{
			{FullName: GitHubInstallationRepo, Private: true, Collaborators: []string{AliceUsername}},
			{FullName: GitHubInstallationOrg + "/gadgets", Private: true, Collaborators: []string{AliceUsername}},
		},
	}
	for i := range ManyGuildsCount {
		id := strconv.FormatInt(ManyGuildsFirst+int64(i), 10)
		s.Guilds = append(s.Guilds, Guild{ID: id, Name: fmt.Sprintf("Guild %03d", i+1), OwnerID: CarolID,
			Members: []Member{{UserID: CarolID, JoinedAt: joined}}})
	}
	return s
}

// LoadSeed reads a YAML seed file. Lists it leaves out are empty, not
// defaulted: a seed file describes the whole world.
func LoadSeed(path string) (*Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read seed: %w", err)
	}
	var s Seed
	if err := yaml.Unmarshal(data, &s); err != nil {
		// yaml lists its errors on several lines; errors here are one line.
		return nil, fmt.Errorf("seed %s: %s", path, strings.Join(strings.Fields(err.Error()), " "))
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	return &s, nil
}

// YAML renders the seed in the form LoadSeed reads, for users to start a
// seed file from (authctl sandbox --print-seed).
func (s *Seed) YAML() ([]byte, error) {
	return yaml.Marshal(s)
}

// validate rejects seeds the server could not serve sensibly.
func (s *Seed) validate() error {
	users := map[string]bool{}
	for _, u := range s.Users {
		if u.ID == "" || u.Username == "" {
			return fmt.Errorf("every user needs id and username")
		}
		users[u.ID] = true
	}
	for _, a := range s.Apps {
		switch a.Kind {
		case KindDiscord, KindGitHub, KindSlack, KindSentry, KindOIDC:
		default:
			return fmt.Errorf("app %q: unknown kind %q", a.ClientID, a.Kind)
		}
		if a.ClientID == "" {
			return fmt.Errorf("an app of kind %s has no client_id", a.Kind)
		}
		if !a.Public && a.ClientSecret == "" {
			return fmt.Errorf("app %q: confidential app needs client_secret (or public: true)", a.ClientID)
		}
		if a.DeviceFlowOff != "" && (a.Kind != KindGitHub || a.DeviceFlowOff != DeviceFlowOffError && a.DeviceFlowOff != DeviceFlowOffNoURI) {
			return fmt.Errorf("app %q: device_flow_off is for github apps: %s or %s", a.ClientID, DeviceFlowOffError, DeviceFlowOffNoURI)
		}
		if a.Public && (a.Kind == KindGitHub || a.Kind == KindSentry) {
			// PROVIDERS.md: both still require the client secret for the web flow.
			return fmt.Errorf("app %q: %s has no public clients (its web flow needs the client secret)", a.ClientID, a.Kind)
		}
	}
	for _, g := range s.Guilds {
		if g.ID == "" {
			return fmt.Errorf("a guild has no id")
		}
		for _, m := range g.Members {
			if !users[m.UserID] && !s.isBot(m.UserID) {
				return fmt.Errorf("guild %s: member %s is not a seeded user or bot", g.ID, m.UserID)
			}
		}
	}
	for _, b := range s.Bots {
		if b.OutsideGuild != "" && b.OutsideGuild != BotOutsideMissingAccess && b.OutsideGuild != BotOutsideUnknownGuild {
			return fmt.Errorf("bot %s: outside_guild must be %s or %s, not %q", b.UserID, BotOutsideMissingAccess, BotOutsideUnknownGuild, b.OutsideGuild)
		}
	}
	for _, in := range s.Installations {
		if in.Kind != KindGitHub && in.Kind != KindSentry {
			return fmt.Errorf("installation of kind %q: only github and sentry have installations", in.Kind)
		}
		if in.AccountType != "" && in.AccountType != "Organization" && in.AccountType != "User" {
			return fmt.Errorf("installation %d: account_type must be Organization or User, not %q", in.ID, in.AccountType)
		}
	}
	for _, r := range s.Repositories {
		if err := validateRepository(r); err != nil {
			return err
		}
	}
	for _, a := range s.Apps {
		if a.PublicKeyPEM == "" {
			continue
		}
		if _, err := parseRSAPublicKey(a.PublicKeyPEM); err != nil {
			return fmt.Errorf("app %q: public_key_pem: %w", a.ClientID, err)
		}
	}
	for name, f := range s.Faults {
		if err := f.validate(); err != nil {
			return fmt.Errorf("fault %q: %w", name, err)
		}
	}
	if s.TokenLifetime < 0 || s.DeviceCodeLifetime < 0 || s.DeviceInterval < 0 {
		return fmt.Errorf("lifetimes and intervals must not be negative")
	}
	return nil
}

func (s *Seed) isBot(id string) bool {
	for _, b := range s.Bots {
		if b.UserID == id {
			return true
		}
	}
	return false
}
