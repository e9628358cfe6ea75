package cli

import (
	"context"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

// StatusOptions are the inputs of `authctl status`.
type StatusOptions struct {
	IO            *ui.IOStreams
	JSON          bool
	Now           func() time.Time
	Credentials   func() *credential.Source
	KnownProvider func(name string) error
	Getenv        func(string) string

	Provider string // empty: every provider
}

func newCmdStatus(f *Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Now: f.Now, Credentials: f.Credentials, KnownProvider: f.KnownProvider, Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "status [PROVIDER]",
		Short: "Show stored accounts: provider, account, user, scopes, expiry (never a token)",
		Long: `Show the stored credentials: provider, account, user, scopes, expiry and store.
Token values are never shown. With PROVIDER and nothing stored for it, exits 3.`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProviderNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Provider = args[0]
			}
			opts.JSON = f.Global.JSON()
			return runCommand(cmd.Context(), opts, runF, statusRun)
		},
	}
	return cmd
}

// statusAccount is one stored credential in `status -o json`.
type statusAccount struct {
	Provider      string     `json:"provider"`
	Account       string     `json:"account"`
	UserID        string     `json:"user_id"`
	User          string     `json:"user"`
	Scopes        []string   `json:"scopes"`
	Expiry        *time.Time `json:"expiry"`
	Expired       bool       `json:"expired"`
	Refreshable   bool       `json:"refreshable"`
	RefreshExpiry *time.Time `json:"refresh_expiry"`
	Store         string     `json:"store"`
}

// statusResult is the -o json answer of `authctl status`.
type statusResult struct {
	Store    string          `json:"store"`
	Accounts []statusAccount `json:"accounts"`
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	storeName, logins, err := opts.Credentials().Logins(ctx, opts.Provider)
	if err != nil {
		return err
	}
	now := opts.Now()
	result := statusResult{Store: storeName, Accounts: []statusAccount{}}
	for _, c := range logins {
		result.Accounts = append(result.Accounts, statusOf(c, storeName, now))
	}
	if opts.JSON {
		if err := ui.WriteJSON(opts.IO.Out, result); err != nil {
			return err
		}
	} else if len(result.Accounts) > 0 {
		renderStatusTable(opts.IO, result, now)
	}
	noteEnvOverrides(opts, result.Accounts)
	if len(result.Accounts) == 0 {
		if opts.Provider != "" {
			if err := opts.KnownProvider(opts.Provider); err != nil {
				return err
			}
			return exitcode.Errorf(exitcode.Auth, "not logged in to %s; run authctl login %s", opts.Provider, opts.Provider)
		}
		opts.IO.Infof("No stored credentials in the %s store; run authctl login PROVIDER.", storeName)
	}
	return nil
}

func statusOf(c *provider.Credential, storeName string, now time.Time) statusAccount {
	scopes := c.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return statusAccount{Provider: c.Provider, Account: c.Account, UserID: c.UserID, User: c.UserName, Scopes: scopes,
		Expiry: timeOrNil(c.Expiry), Expired: credential.Expired(c, now), Refreshable: credential.Refreshable(c, now),
		RefreshExpiry: timeOrNil(c.RefreshExpiry), Store: storeName}
}

func renderStatusTable(io *ui.IOStreams, result statusResult, now time.Time) {
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	_, _ = tw.Write([]byte("PROVIDER\tACCOUNT\tUSER\tSCOPES\tEXPIRES\tSTORE\n"))
	for _, a := range result.Accounts {
		user := ui.Sanitize(a.User)
		if a.UserID != "" {
			user += " (" + a.UserID + ")"
		}
		expires := "never"
		switch {
		case a.Expiry != nil && a.Expired && a.Refreshable:
			expires = "expired (refreshable)"
		case a.Expiry != nil && a.Expired:
			expires = "expired"
		case a.Expiry != nil:
			expires = "in " + ui.Duration(a.Expiry.Sub(now))
		}
		storeName := a.Store
		if storeName == store.KindFile {
			storeName += " (unencrypted)" // the file store's warning, once per entry instead of on every read
		}
		_, _ = tw.Write([]byte(orDash(a.Provider) + "\t" + orDash(ui.Sanitize(a.Account)) + "\t" + orDash(user) + "\t" + scopesText(a.Scopes) + "\t" + expires + "\t" + storeName + "\n"))
	}
}

// noteEnvOverrides tells, for each listed provider, that AUTHCTL_<NAME>_TOKEN
// is set and is what commands use instead of the stored token.
func noteEnvOverrides(opts *StatusOptions, accounts []statusAccount) {
	seen := map[string]bool{}
	for _, a := range accounts {
		if v := credential.EnvVar(a.Provider); !seen[a.Provider] && opts.Getenv(v) != "" {
			seen[a.Provider] = true
			opts.IO.Infof("note: %s is set: commands use it instead of the stored %s token", v, a.Provider)
		}
	}
}
