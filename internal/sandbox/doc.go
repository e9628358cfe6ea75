// Package sandbox is a local stand-in for Discord, GitHub, Slack, Sentry and
// a generic OpenID Connect issuer, served over real HTTP on loopback. Tests
// start it in-process (sandboxtest.Start); `authctl sandbox` runs it as a
// command. It imports none of the authctl packages it stands in for.
//
// Routes (every provider at its real paths on the one address):
//
//	Discord  GET  /oauth2/authorize                      consent page or auto-approve; exact redirect_uri
//	         POST /api/oauth2/token                       form only (JSON refused), Basic or form client auth
//	         POST /api/oauth2/token/revoke                RFC 7009; revokes the whole authorization
//	         GET  /api/v10/users/@me                      identify
//	         GET  /api/v10/users/@me/guilds               guilds; limit 1–200, before/after, with_counts
//	         GET  /api/v10/users/@me/guilds/{id}/member   guilds.members.read; 10004 when not a member
//	         GET  /api/v10/guilds/{id}/members/{user}     Bot token; 10004 bot not in guild, 10007 not a member, 10013 no such user
//	GitHub   GET  /login/oauth/authorize                  OAuth App: loopback redirect, any port; GitHub App: exact
//	         POST /login/oauth/access_token               HTTP-200 errors; form answer unless Accept: JSON;
//	                                                      device-flow tokens refresh without the secret
//	         POST /login/device/code, GET|POST /login/device
//	         GET  /user, DELETE /applications/{client_id}/token (also under /api/v3)
//	         POST /app/installations/{id}/access_tokens   RS256 app JWT (app's public_key_pem) → 201 ghs_ token
//	         GET  /repos/{owner}/{repo}/installation, /orgs/{org}/installation, /users/{username}/installation
//	                                                      JWT iss: app id or client ID; unknown app id 404
//	Git      GET  /{owner}/{repo}[.git]/info/refs, POST …/git-upload-pack, …/git-receive-pack
//	                                                      smart HTTP by git-http-backend; Basic auth, any
//	                                                      username, a live user or installation token
//	Slack    GET  /oauth/v2/authorize                     scope/user_scope comma-separated; localhost+PKCE, exact port
//	         POST /api/oauth.v2.access                    ok:false errors, authed_user; PKCE+localhost refreshes
//	                                                      without the secret, refresh tokens then live 30 days
//	         POST /api/auth.test, /api/auth.revoke
//	         Sign in with Slack: GET /.well-known/openid-configuration, /openid/connect/keys,
//	         /openid/connect/authorize; POST /api/openid.connect.token; /api/openid.connect.userInfo
//	Sentry   GET  /oauth/authorize/, POST /oauth/token/   user and expires_at; Basic+form double auth refused;
//	                                                      redirect URIs as is_valid_redirect_uri (strict_redirect_uri)
//	         POST /oauth/revoke/                          RFC 7009, client_id and client_secret in the form
//	         POST /oauth/device/code/, GET|POST /oauth/device/
//	         GET  /api/0/organizations/, /api/0/users/me/
//	         POST /api/0/sentry-app-installations/{uuid}/authorizations/   integration tokens, camelCase;
//	                                                      install codes expire 10 min after the sandbox starts
//	OIDC     GET  /oidc/.well-known/openid-configuration, /oidc/jwks, /oidc/authorize, /oidc/userinfo
//	         POST /oidc/token, /oidc/revoke               RS256 ID tokens (go-jose), nonce, iss on callback
//	Sandbox  POST /_sandbox/consent                       the consent page's form
//	         POST /_sandbox/webhooks/{name}               records a delivery (method, headers, raw body)
//	         GET  /_sandbox/webhooks/{name}               {"deliveries":[…]} with base64 bodies
//	         GET  /_sandbox/health
//
// Every Discord API response carries X-RateLimit-Limit, -Remaining, -Reset,
// -Reset-After and -Bucket. Buckets (per token and major parameter) are
// named users.me, users.me.guilds, users.me.guilds.member and
// guilds.members; their sizes come from the seed's rate_limits (default 50
// per rate_limit_window of 1 s); a "global" entry adds a global bucket.
// An exhausted bucket answers 429 with Retry-After, X-RateLimit-Scope and
// {"message","retry_after","global"}.
//
// Request counts (Count) are keyed by method and concrete path. Faults
// (SetFault, the seed's faults, `authctl sandbox --fault`) match
// "METHOD /path" or "/path", with a trailing "*" for a prefix; their rate
// limits and error bodies take the shape of the provider whose route it is.
//
// Time: every expiry, lifetime and polling interval reads Options.Now; tests
// pass a Clock and Advance it instead of sleeping. docs/fidelity.md lists each
// simulated behaviour with its source.
//
// The default seed (DefaultSeed; constants in seed.go):
//   - users alice (AliceID), bob (BobID) and carol (CarolID, in
//     ManyGuildsCount = 250 guilds for paging tests); alice is the default;
//   - guild GuildID with roles RoleAdminID, RoleMemberID, RoleGuestID:
//     alice has admin and member, bob is pending with no roles, the bot is
//     in it; OtherGuildID has alice only and not the bot;
//   - the bot BotUserID with token BotToken;
//   - apps: Discord DiscordClientID/DiscordClientSecret (redirect
//     DiscordRedirectURI, port 28682) and public DiscordPublicClientID;
//     GitHub OAuth App GitHubClientID (tokens never expire) and GitHub App
//     GitHubAppClientID (expiring, rotating; redirect GitHubAppRedirectURI);
//     Slack SlackClientID (redirect SlackRedirectURI); Sentry
//     SentryClientID; OIDC OIDCClientID (confidential) and
//     OIDCPublicClientID (public, PKCE);
//   - installations: GitHub App GitHubAppID installed on
//     GitHubInstallationOrg as GitHubInstallationID and on the personal
//     account GitHubUserInstallation as GitHubUserInstallationID (installation
//     tokens need the app's public_key_pem in the seed); Sentry integration
//     SentryIntegrationClient installed as SentryInstallationUUID with the
//     webhook code SentryInstallationCode;
//   - private Git repositories GitHubInstallationRepo and sandbox-org/gadgets
//     (alice is a collaborator), created under Options.GitRoot on first use.
//
// Device codes are approved on the verification page, by ApproveDevice, or
// with AutoApprove after their first poll (which answers
// authorization_pending).
package sandbox
