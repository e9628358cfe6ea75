package cli

import (
	"context"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/oauthflow"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/ui"
)

// LoginOptions are the inputs of `authctl login`.
type LoginOptions struct {
	IO          *ui.IOStreams
	JSON        bool
	Credentials func() *credential.Source
	HTTPClient  func() *http.Client

	Provider  string
	Account   string
	NoBrowser bool
	// Flow is the login as --scopes, --port, --timeout, --device and --with-token ask for it.
	Flow oauthflow.Login
}

func newCmdLogin(f *cmdutil.Factory, runF func(context.Context, *LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{IO: f.IO, Credentials: f.Credentials, HTTPClient: f.HTTPClient}
	cmd := &cobra.Command{
		Use:   "login PROVIDER",
		Short: "Log in to PROVIDER and store the credential",
		Long: `Log in to PROVIDER with the OAuth authorization-code flow (RFC 8252 loopback
redirect, PKCE S256, a fresh state) and store the credential.

The authorize URL is always printed on stderr. A browser is opened ($BROWSER
first) unless --no-browser is given, stdin is not a terminal or CI is set.
Pasting the final redirect URL on stdin completes the login too (SSH).

Exit codes: 0 logged in; 2 bad flag, unknown provider, no free callback port,
no device endpoint; 3 the authorization was denied, the state or issuer did
not match, the token was rejected, or the login timed out (--timeout) — run
it again; 4 the provider failed; 5 the credential store is unavailable;
130 interrupted.`,
		Args:              cmdutil.UsageArgs(cobra.ExactArgs(1)),
		ValidArgsFunction: completeProviderNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = args[0]
			if opts.Flow.DeviceGrant && opts.Flow.FromStdin {
				return exitcode.Errorf(exitcode.Usage, "--device and --with-token cannot be used together")
			}
			if opts.Flow.Port < 0 || opts.Flow.Port > 65535 {
				return exitcode.Errorf(exitcode.Usage, "--port must be between 1 and 65535, not %d", opts.Flow.Port)
			}
			if opts.Flow.DeviceGrant && !cmd.Flags().Changed("timeout") {
				opts.Flow.Timeout = oauthflow.DefaultDeviceTimeout // GitHub's device codes live 15 minutes
			}
			if opts.Flow.Timeout <= 0 {
				return exitcode.Errorf(exitcode.Usage, "--timeout must be positive, not %s", opts.Flow.Timeout)
			}
			opts.Flow.OpenBrowser = oauthflow.BrowserFor(opts.NoBrowser, f.IO.StdinTTY, f.Getenv)
			opts.JSON = f.Global.JSON()
			return runCommand(cmd.Context(), opts, runF, loginRun)
		},
	}
	cmd.Flags().StringVar(&opts.Account, "account", "", "account name to store the credential under (default: the provider's default account)")
	cmd.Flags().StringSliceVar(&opts.Flow.Scopes, "scopes", nil, "scopes to ask for, comma-separated (default: the provider's)")
	cmd.Flags().BoolVar(&opts.NoBrowser, "no-browser", false, "print the URL only; do not open a browser")
	cmd.Flags().IntVar(&opts.Flow.Port, "port", 0, "loopback port for the callback (default: the provider's redirect_ports, else random)")
	cmd.Flags().DurationVar(&opts.Flow.Timeout, "timeout", oauthflow.DefaultTimeout, "how long to wait for the browser (with --device, for the code's approval: 15m unless given)")
	cmd.Flags().BoolVar(&opts.Flow.DeviceGrant, "device", false, "use the device authorization grant (GitHub, Sentry)")
	cmd.Flags().BoolVar(&opts.Flow.FromStdin, "with-token", false, "store an access token read from stdin")
	return cmd
}

func loginRun(ctx context.Context, opts *LoginOptions) error {
	in, err := opts.Credentials().Login(ctx, opts.Provider, opts.Account, func(ctx context.Context, p *provider.Provider) (*provider.Credential, error) {
		login := opts.Flow
		login.Provider, login.Prompt, login.In, login.HTTP = p, opts.IO.ErrOut, opts.IO.In, opts.HTTPClient()
		if !opts.IO.StdinTTY { // on a terminal the person may paste the redirect URL, and a redraw would write over it
			login.Waiting = func(msg string) func() { return ui.StartSpinner(opts.IO, msg) }
		}
		return login.Run(ctx)
	}, func(current, cred *provider.Credential) {
		opts.IO.Warnf("%s is logged in as %s in account %q, which stays the default; this login is stored as account %q (use --account %s)",
			provider.DisplayName(opts.Provider), ui.Sanitize(ui.OrDash(current.UserName)), ui.Sanitize(current.Account), ui.Sanitize(cred.Account), ui.Sanitize(cred.Account))
	})
	if err != nil {
		return err
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, in)
	}
	if in.Unencrypted != "" {
		opts.IO.Warnf("the token is stored unencrypted in %s (file store)", in.Unencrypted)
	}
	opts.IO.Infof("Logged in to %s as %s (%s) (account %s)", provider.DisplayName(opts.Provider), ui.Sanitize(ui.OrDash(in.User)), ui.Sanitize(ui.OrDash(in.UserID)), ui.Sanitize(in.Account))
	return nil
}
