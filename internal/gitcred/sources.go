package gitcred

import (
	"cmp"
	"context"
	"crypto/subtle"
	"io"
	"time"

	"github.com/authctl/authctl/internal/app"
	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/provider"
)

// userTokenMinTTL is how long a user token handed to git must still be valid: one git
// command reuses it for every request it makes.
const userTokenMinTTL = 5 * time.Minute

// Sources are what gitcred takes from authctl: its configuration, the
// provider entries it resolves and the tokens it hands out. Each is asked for
// only when needed.
type Sources struct {
	// Config is authctl's configuration; the git section is read from its Path.
	Config func() (*config.Config, error)
	Getenv func(string) string
	// API resolves a provider entry for calls with a token in hand.
	API           func(ctx context.Context, name string) (*provider.Provider, error)
	Users         UserTokens
	Installations InstallationTokens
}

// Resolver is the resolver of git's requests on the configuration's git section.
func (s *Sources) Resolver(warn io.Writer) (*Resolver, error) {
	cfg, gitCfg, err := s.load()
	if err != nil {
		return nil, err
	}
	return &Resolver{
		Config:        gitCfg,
		Entries:       func(ctx context.Context) []Entry { return s.entries(ctx, cfg) },
		Users:         s.Users,
		Installations: s.Installations,
		Warn:          warn,
	}, nil
}

// InstallationToken is the installation token the git section maps host and
// path (OWNER[/REPO]) to; ok is false when it maps none.
func (s *Sources) InstallationToken(ctx context.Context, host, path string) (token string, ok bool, err error) {
	_, gitCfg, err := s.load()
	if err != nil {
		return "", false, err
	}
	in, ok := gitCfg.Installation(host, path)
	if !ok {
		return "", false, nil
	}
	token, _, err = s.Installations.Token(ctx, in)
	return token, true, err
}

// SetupHosts are the host URLs setup-git sets up without --host (see HostURLs), and whether a
// host's installation mappings need the repository path.
func (s *Sources) SetupHosts(ctx context.Context) (hostURLs []string, needsPath func(hostURL string) bool, err error) {
	cfg, gitCfg, err := s.load()
	if err != nil {
		return nil, nil, err
	}
	return HostURLs(s.entries(ctx, cfg), gitCfg), gitCfg.NeedsPath, nil
}

// load reads authctl's configuration and its git section.
func (s *Sources) load() (*config.Config, *Config, error) {
	cfg, err := s.Config()
	if err != nil {
		return nil, nil, err
	}
	gitCfg, err := LoadConfig(cfg.Path)
	return cfg, gitCfg, err
}

// entries are the provider entries of kind github (the built-in github included) with their
// URLs; an entry that does not resolve serves no host.
func (s *Sources) entries(ctx context.Context, cfg *config.Config) []Entry {
	names := cfg.Names()
	if _, ok := cfg.Providers[provider.KindGitHub]; !ok {
		names = append(names, provider.KindGitHub)
	}
	var entries []Entry
	for _, name := range names {
		// The kind as provider.Resolve takes it (an entry without one is the built-in of its
		// name), checked first so that no other kind is resolved (OIDC discovery is a request).
		if entry, _ := cfg.Provider(name, s.Getenv); cmp.Or(entry.Kind, name) != provider.KindGitHub {
			continue
		}
		p, err := s.API(ctx, name)
		if err != nil {
			continue
		}
		var urls []string
		for _, u := range []string{p.Endpoint.AuthURL, p.Endpoint.TokenURL, p.Endpoint.DeviceAuthURL, p.APIURL} {
			if u != "" {
				urls = append(urls, u)
			}
		}
		entries = append(entries, Entry{Name: name, URLs: urls})
	}
	return entries
}

// StoredUsers serves an entry's stored user token, refreshed under the usual lock.
type StoredUsers struct{ Credentials func() *credential.Source }

// Token is the default account's token of entry, valid for the whole git command.
func (u StoredUsers) Token(ctx context.Context, entry string) (string, time.Time, error) {
	cred, err := u.Credentials().Token(ctx, entry, "", userTokenMinTTL)
	if err != nil {
		return "", time.Time{}, err
	}
	return cred.AccessToken, cred.Expiry, nil
}

// AppTarget is what `app token github` is asked for on behalf of a mapping.
type AppTarget struct {
	Provider string // the entry whose API mints; github unless the mapping names one
	// Target is the installation id when the mapping gives it, else OWNER/REPO for a repository
	// mapping, else the owner as an org (one token for all its repositories).
	app.Target
}

// Target is the mapping's target as `app token github` takes it.
func (in *Installation) Target() AppTarget {
	t := AppTarget{Provider: in.Provider, Target: app.Target{Installation: in.Installation}}
	if t.Provider == "" {
		t.Provider = provider.KindGitHub
	}
	switch {
	case in.Installation != 0:
	case in.Repo != "":
		t.Repo = in.Owner + "/" + in.Repo
	default:
		t.Org = in.Owner
	}
	return t
}

// CachedInstallations serve the mappings' installation tokens as `app token github` does: the
// mapping's app built by Apps on the entry it names, its token from the same cache.
type CachedInstallations struct {
	Credentials func() *credential.Source
	Apps        *app.GitHubApps
}

// Token is the mapping's cached installation token, minted once for parallel callers while
// none is fresh.
func (c CachedInstallations) Token(ctx context.Context, in *Installation) (string, time.Time, error) {
	a, target, err := c.appOf(ctx, in)
	if err != nil {
		return "", time.Time{}, err
	}
	cred, err := c.Credentials().InstallationToken(ctx, a, target, app.TokenRequest{})
	if err != nil {
		return "", time.Time{}, err
	}
	return cred.AccessToken, cred.Expiry, nil
}

// Drop forgets the mapping's cached token when it is still the one git reported as failed
// (another process may have cached a new one since).
func (c CachedInstallations) Drop(ctx context.Context, in *Installation, token string) error {
	a, target, err := c.appOf(ctx, in)
	if err != nil {
		return err
	}
	key := credential.InstallationKey(a, target)
	creds := c.Credentials()
	cached, err := creds.StoredAppToken(ctx, key)
	if err != nil || cached == nil || subtle.ConstantTimeCompare([]byte(cached.AccessToken), []byte(token)) != 1 {
		return err
	}
	return creds.DeleteAppToken(ctx, key)
}

// appOf is the mapping's app on the entry it names, and what it is asked for there.
func (c CachedInstallations) appOf(ctx context.Context, in *Installation) (*app.GitHubApp, app.Target, error) {
	t := in.Target()
	a, err := c.Apps.On(ctx, t.Provider, in.AppID, app.PrivateKey{File: in.PrivateKeyFile, Env: in.PrivateKeyEnv})
	return a, t.Target, err
}
