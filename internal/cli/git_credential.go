package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/gitcred"
	"github.com/authctl/authctl/internal/ui"
)

// GitCredentialOptions are the inputs of `authctl git-credential`.
type GitCredentialOptions struct {
	IO        *ui.IOStreams
	Operation string
	Resolver  func() (*gitcred.Resolver, error) // built only for get and erase
}

func newCmdGitCredential(f *cmdutil.Factory, runF func(context.Context, *GitCredentialOptions) error) *cobra.Command {
	opts := &GitCredentialOptions{IO: f.IO, Resolver: func() (*gitcred.Resolver, error) { return gitSources(f).Resolver(f.IO.ErrOut) }}
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
		Args: cmdutil.UsageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Operation = args[0]
			return runCommand(cmd.Context(), opts, runF, gitCredentialRun)
		},
	}
	return cmd
}

func gitCredentialRun(ctx context.Context, opts *GitCredentialOptions) error {
	return gitcred.Serve(ctx, opts.Operation, opts.IO.In, opts.IO.Out, opts.Resolver)
}

// gitSources are the factory's config, provider entries and tokens as gitcred takes them.
func gitSources(f *cmdutil.Factory) *gitcred.Sources {
	return &gitcred.Sources{Config: f.Config, Getenv: f.Getenv, API: f.APIProvider,
		Users: gitcred.StoredUsers{Credentials: f.Credentials}, Installations: gitcred.CachedInstallations{Credentials: f.Credentials, Apps: githubApps(f)}}
}
