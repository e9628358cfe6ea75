package discord

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/authctl/authctl/internal/build"
	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
)

// Session reaches Discord for the guild commands through the provider entry Provider: its API
// URL, the HTTP client and the stored login's token, each resolved only when a call needs it.
type Session struct {
	Provider string // the entry, of kind discord
	Config   func() (*config.Config, error)
	Getenv   func(string) string
	HTTP     func() *http.Client
	MaxWait  time.Duration
	// Login is the stored login's token for a request to apiURL, or the one that replaces
	// rejected when it is not empty (credential.Source.TokenTo).
	Login func(ctx context.Context, rejected, apiURL string) (*provider.Credential, error)
}

func (s *Session) apiURL() (string, error) {
	cfg, err := s.Config()
	if err != nil {
		return "", err
	}
	return APIURL(cfg, s.Provider, s.Getenv)
}

func (s *Session) checker() (*Checker, error) {
	base, err := s.apiURL()
	if err != nil {
		return nil, err
	}
	version, _, _ := build.Info()
	return &Checker{Client: &Client{HTTP: s.HTTP(), BaseURL: base, UserAgent: UserAgent(version), MaxWait: s.MaxWait}}, nil
}

// tokens serves the stored login as the check's user token.
func (s *Session) tokens() TokenSource {
	return CredentialFunc(func(ctx context.Context, rejected string) (*provider.Credential, error) {
		base, err := s.apiURL()
		if err != nil {
			return nil, err
		}
		return s.Login(ctx, rejected, base)
	})
}

// Check answers req: with the bot token in the variable botTokenEnv when it is named (an
// empty one is exit 2), else with the stored login. What could not be answered comes back
// with its exit code and the next step.
func (s *Session) Check(ctx context.Context, req Request, botTokenEnv string) (*Result, error) {
	if botTokenEnv == "" {
		req.Tokens = s.tokens()
	} else if req.BotToken = BotToken(s.Getenv(botTokenEnv)); req.BotToken == "" {
		return nil, exitcode.Errorf(exitcode.Usage, "missing bot token: environment variable %s is empty or unset", botTokenEnv)
	}
	checker, err := s.checker()
	if err != nil {
		return nil, err
	}
	res, err := checker.Check(ctx, req)
	var rejected *TokenRejectedError
	var hidden *GuildNotVisibleError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &hidden):
		return nil, exitcode.Errorf(exitcode.Usage, "%v; invite the bot to the guild, or check --guild", hidden)
	case errors.As(err, &rejected) && rejected.Bot:
		return nil, exitcode.Errorf(exitcode.Auth, "discord refused the bot token from %s (HTTP %d): check the token and the bot's access to guild %s", botTokenEnv, rejected.Status, req.GuildID)
	case errors.As(err, &rejected):
		return nil, exitcode.Errorf(exitcode.Auth, "%v: run authctl login %s", rejected, s.Provider)
	}
	return nil, Failure(err, s.Provider)
}

// Guilds are all the guilds of the stored login's user, or what could not be answered with its
// exit code and the next step.
func (s *Session) Guilds(ctx context.Context) ([]Guild, error) {
	checker, err := s.checker()
	if err != nil {
		return nil, err
	}
	guilds, err := checker.ListGuilds(ctx, s.tokens())
	var rejected *TokenRejectedError
	switch {
	case errors.As(err, &rejected):
		return nil, exitcode.Errorf(exitcode.Auth, "%v: run %s", rejected, LoginHint(s.Provider))
	case err != nil:
		return nil, Failure(err, s.Provider)
	case guilds == nil:
		return []Guild{}, nil // [] in JSON, not null
	}
	return guilds, nil
}

// CheckMaxWait refuses a negative --max-wait: exit 2.
func CheckMaxWait(d time.Duration) error {
	if d < 0 {
		return exitcode.Errorf(exitcode.Usage, "--max-wait must not be negative, not %s", d)
	}
	return nil
}

// CheckID refuses anything but a Discord ID (decimal digits) given to flag: exit 2.
func CheckID(flag, v string) error {
	if v == "" {
		return exitcode.Errorf(exitcode.Usage, "%s needs a Discord ID", flag)
	}
	if !IsID(v) {
		return exitcode.Errorf(exitcode.Usage, "%s must be a Discord ID (digits only), not %q", flag, v)
	}
	return nil
}

// RoleIDs are the role IDs given to --role, trimmed and each once, in their order; one that
// is not a Discord ID is exit 2.
func RoleIDs(given []string) ([]string, error) {
	var roles []string
	for _, r := range given {
		r = strings.TrimSpace(r)
		if err := CheckID("--role", r); err != nil {
			return nil, err
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	return roles, nil
}
