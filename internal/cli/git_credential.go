package cli

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/gitcred"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/ui"
)

// gitTokenMinTTL is how long a token handed to git must still be valid: one git command
// reuses it for every request it makes.
const gitTokenMinTTL = 5 * time.Minute

// GitCredentialOptions are the inputs of `authctl git-credential`.
type GitCredentialOptions struct {
	IO        *ui.IOStreams
	Operation string
	Resolver  func(ctx context.Context) (*gitcred.Resolver, error)
}

func newCmdGitCredential(f *Factory, runF func(context.Context, *GitCredentialOptions) error) *cobra.Command {
	opts := &GitCredentialOptions{IO: f.IO, Resolver: func(ctx context.Context) (*gitcred.Resolver, error) { return gitResolver(f) }}
	cmd := &cobra.Command{
		Use:   "git-credential get|store|erase",
		Short: "Git credential helper: GitHub user and App installation tokens for git over HTTPS",
		Long: `Answer git's credential helper protocol (git help credential) with GitHub tokens.

For get, git writes protocol, host (and path, with credential.useHttpPath) on
stdin; authctl answers username=x-access-token and password=TOKEN, plus
password_expiry_utc for a token that expires. It serves:
  - a GitHub App installation token where the config's git section maps the
    host (and owner or owner/repo) to an installation, minted and cached as
    'authctl app token github' does;
  - else the user token of the entry of kind github whose URLs are on the host:
    the one named in git: HOST: provider, else the entry named github, else
    the only one.
Any other host, and anything but https (or http to a loopback address), gets
no answer, so git goes on to its next helper. store does nothing; erase drops
a cached installation token git reported as failed.

Configure git with 'authctl setup-git'. The config's git section:
  git:
    github.com:
      provider: github               # optional
      installations:
        - owner: my-org              # needs credential.useHttpPath
          repo: site                 # optional
          app_id: "424242"
          private_key_file: app.pem  # or private_key_env: NAME
          installation: 5150         # optional with owner

Exit codes: 0 answered or nothing to answer; 2 malformed request or config;
3 not logged in; 4 GitHub failure; 5 credential store unavailable.`,
		Example: `  # what 'authctl setup-git' does for github.com
  git config --global credential.https://github.com.helper '!authctl git-credential'
  # no answer (exit 0): not a GitHub host, so git asks its next helper
  printf 'protocol=https\nhost=example.com\n\n' | authctl git-credential get`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Operation = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return gitCredentialRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func gitCredentialRun(ctx context.Context, opts *GitCredentialOptions) error {
	switch opts.Operation {
	case "get", "store", "erase":
	default:
		return nil // gitcredentials(7): a helper ignores operations it does not know
	}
	req, err := gitcred.ReadRequest(opts.IO.In)
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	if opts.Operation == "store" {
		return nil // tokens live in authctl's store already; git's copy is never kept
	}
	r, err := opts.Resolver(ctx)
	if err != nil {
		return err
	}
	if opts.Operation == "erase" {
		return r.Erase(ctx, req)
	}
	answer, err := r.Get(ctx, req)
	if err != nil || answer == nil {
		return err
	}
	return answer.Write(opts.IO.Out)
}

// gitResolver builds the resolver on the factory's config and credential store.
func gitResolver(f *Factory) (*gitcred.Resolver, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	gitCfg, err := gitcred.LoadConfig(cfg.Path)
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, err)
	}
	return &gitcred.Resolver{
		Config:        gitCfg,
		Entries:       func(ctx context.Context) ([]gitcred.Entry, error) { return githubEntries(ctx, f) },
		Users:         userTokens{f},
		Installations: installationTokens(f),
		Warn:          f.IO.ErrOut,
	}, nil
}

// githubEntries are the provider entries of kind github (the built-in github included) with
// their URLs; an entry that does not resolve serves no host.
func githubEntries(ctx context.Context, f *Factory) ([]gitcred.Entry, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	names := cfg.Names()
	if _, ok := cfg.Providers["github"]; !ok {
		names = append(names, "github")
	}
	var entries []gitcred.Entry
	for _, name := range names {
		entry, _ := cfg.Provider(name, f.Getenv)
		if kind := entry.Kind; kind != provider.KindGitHub && (kind != "" || name != provider.KindGitHub) {
			continue
		}
		p, err := f.APIProvider(ctx, name)
		if err != nil {
			continue
		}
		var urls []string
		for _, u := range []string{p.Endpoint.AuthURL, p.Endpoint.TokenURL, p.Endpoint.DeviceAuthURL, p.APIURL} {
			if u != "" {
				urls = append(urls, u)
			}
		}
		entries = append(entries, gitcred.Entry{Name: name, URLs: urls})
	}
	return entries, nil
}

// userTokens serves an entry's stored user token, refreshed under the usual lock.
type userTokens struct{ f *Factory }

func (u userTokens) Token(ctx context.Context, entry string) (string, time.Time, error) {
	cred, err := u.f.Credentials().Token(ctx, entry, "", gitTokenMinTTL)
	if err != nil {
		return "", time.Time{}, err
	}
	return cred.AccessToken, cred.Expiry, nil
}

// installationTokens serves git-credential and exec the installation tokens of `app token
// github`, from the same cache (internal/credential).
func installationTokens(f *Factory) gitcred.InstallationTokens { return appTokenCache{f} }

type appTokenCache struct{ f *Factory }

// options are `app token github`'s flags for a mapping: the installation id when given, else
// the owner as an org (one token for all its repositories), else OWNER/REPO.
func (c appTokenCache) options(in *gitcred.Installation) *AppTokenOptions {
	opts := &AppTokenOptions{Provider: in.Provider, AppID: in.AppID, PrivateKeyFile: in.PrivateKeyFile, PrivateKeyEnv: in.PrivateKeyEnv, Installation: in.Installation}
	if opts.Provider == "" {
		opts.Provider = provider.KindGitHub
	}
	switch {
	case in.Installation != 0:
	case in.Repo != "":
		opts.Repo = in.Owner + "/" + in.Repo
	default:
		opts.Org = in.Owner
	}
	return opts
}

func (c appTokenCache) Token(ctx context.Context, in *gitcred.Installation) (string, time.Time, error) {
	opts := c.options(in)
	gh, err := githubAppAPI(ctx, c.f, opts.Provider)
	if err != nil {
		return "", time.Time{}, err
	}
	cred, err := cachedInstallationToken(ctx, c.f, opts, gh.APIURL)
	if err != nil {
		return "", time.Time{}, err
	}
	return cred.AccessToken, cred.Expiry, nil
}

// Drop forgets the cached token of the mapping's target when it is still the one git reported
// as failed (another process may have cached a new one since).
func (c appTokenCache) Drop(ctx context.Context, in *gitcred.Installation, token string) error {
	opts := c.options(in)
	gh, err := githubAppAPI(ctx, c.f, opts.Provider)
	if err != nil {
		return err
	}
	creds := c.f.Credentials()
	key := installationKey(gh.APIURL, opts)
	cached, err := creds.StoredAppToken(ctx, key)
	if err != nil || cached == nil || subtle.ConstantTimeCompare([]byte(cached.AccessToken), []byte(token)) != 1 {
		return err
	}
	return creds.DeleteAppToken(ctx, key)
}
