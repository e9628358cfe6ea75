package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

// LogoutOptions are the inputs of `authctl logout`.
type LogoutOptions struct {
	IO          *ui.IOStreams
	Store       func() (store.Store, error)
	Provider    func(ctx context.Context, name string) (*provider.Provider, error)
	Credentials func() *credential.Source

	ProviderName string // empty only with --all: every provider
	Account      string
	LocalOnly    bool
	All          bool
}

func newCmdLogout(f *Factory, runF func(context.Context, *LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IO, Store: f.Store, Provider: f.Provider, Credentials: f.Credentials}
	cmd := &cobra.Command{
		Use:   "logout PROVIDER",
		Short: "Revoke the token at PROVIDER where it can, then delete it locally",
		Long: `Revoke the stored token at the provider where it can (Discord and OIDC by
RFC 7009, GitHub through the Applications API, Slack by auth.revoke; Sentry
has no revocation endpoint), then delete it from the store.

When the remote revocation fails the local copy is deleted anyway, the failure
is reported, and the command exits 4 so a script knows the token may still be
live. --local-only skips the revocation. --all logs out of every account of
PROVIDER, or of every provider when PROVIDER is omitted.`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProviderNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ProviderName = args[0]
			}
			if opts.ProviderName == "" && !opts.All {
				return exitcode.Errorf(exitcode.Usage, "logout needs PROVIDER (or --all for every provider)")
			}
			if opts.All && opts.Account != "" {
				return exitcode.Errorf(exitcode.Usage, "--all and --account cannot be used together")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return logoutRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Account, "account", "", "account to log out (default: the provider's default account)")
	cmd.Flags().BoolVar(&opts.LocalOnly, "local-only", false, "delete the local copy without revoking at the provider")
	cmd.Flags().BoolVar(&opts.All, "all", false, "log out of every account (of PROVIDER, or of every provider)")
	return cmd
}

func logoutRun(ctx context.Context, opts *LogoutOptions) error {
	s, err := opts.Store()
	if err != nil {
		return err
	}
	var creds []*provider.Credential
	if opts.All {
		all, err := s.List(ctx)
		if err != nil {
			return err
		}
		for _, c := range all {
			if opts.ProviderName == "" || c.Provider == opts.ProviderName {
				creds = append(creds, c)
			}
		}
		if len(creds) == 0 {
			if opts.ProviderName != "" {
				if err := opts.Credentials().Known(opts.ProviderName); err != nil {
					return err
				}
			}
			return exitcode.Errorf(exitcode.Auth, "not logged in to %s", orWord(opts.ProviderName, "any provider"))
		}
	} else {
		c, err := s.Get(ctx, opts.ProviderName, opts.Account)
		if err != nil {
			return opts.Credentials().NotLoggedIn(opts.ProviderName, opts.Account, err)
		}
		creds = append(creds, c)
	}

	if !opts.LocalOnly {
		// A config that sends a credential elsewhere is refused before anything is deleted.
		for _, c := range creds {
			if credential.IsApp(c.Provider) {
				continue
			}
			if p, err := opts.Provider(ctx, c.Provider); err == nil {
				if err := credential.CheckBound(c, p); err != nil {
					return err
				}
			}
		}
	}
	var failed []error
	for _, c := range creds {
		revoked := "not revoked at the provider (--local-only)"
		switch {
		case credential.IsApp(c.Provider):
			revoked = "the cached integration token is deleted locally and expires on its own"
		case !opts.LocalOnly:
			revoked, err = revokeRemote(ctx, opts, c)
			if err != nil {
				failed = append(failed, err)
			}
		}
		if err := s.Delete(ctx, c.Provider, c.Account); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("delete %s credential: %w", c.Provider, err)
		}
		opts.IO.Infof("Logged out of %s%s; %s.", displayName(c.Provider), accountSuffix(ui.Sanitize(c.Account), " (account %s)"), revoked)
	}
	if len(failed) > 0 {
		return exitcode.New(exitcode.Of(failed[0]), fmt.Errorf("deleted locally, but the remote revocation failed: %w; the token may still be valid until it expires", errors.Join(failed...)))
	}
	return nil
}

// revokeRemote revokes c at its provider and says what happened. A provider
// without revocation is not a failure: the user is told.
func revokeRemote(ctx context.Context, opts *LogoutOptions, c *provider.Credential) (string, error) {
	p, err := opts.Provider(ctx, c.Provider)
	if err != nil {
		return "not revoked at the provider", err
	}
	err = p.Revoke(ctx, c)
	switch {
	case errors.Is(err, provider.ErrRevokeUnsupported):
		opts.IO.Warnf("%s cannot revoke tokens remotely; only the local copy is deleted (revoke the app's access in the provider's settings)", c.Provider)
		return "deleted locally only", nil
	case err != nil:
		return "the remote revocation FAILED", err
	}
	return "token revoked at the provider", nil
}
