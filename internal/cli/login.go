package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/pkg/browser"
	"github.com/spf13/cobra"
	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/oauthflow"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/ui"
)

func init() { subcommands = append(subcommands, newCmdLogin) }

// LoginOptions are the inputs of `authctl login`.
type LoginOptions struct {
	Provider  string
	Account   string
	Scopes    []string
	NoBrowser bool
	Port      int
	Timeout   time.Duration
	Device    bool
	WithToken bool
	// OpenBrowser opens the authorize URL; nil when no browser may be opened.
	OpenBrowser func(url string) error
}

func newCmdLogin(f *Factory) *cobra.Command {
	opts := &LoginOptions{}
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
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProviderNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = args[0]
			if opts.Device && opts.WithToken {
				return exitcode.Errorf(exitcode.Usage, "--device and --with-token cannot be used together")
			}
			if opts.Port < 0 || opts.Port > 65535 {
				return exitcode.Errorf(exitcode.Usage, "--port must be between 1 and 65535, not %d", opts.Port)
			}
			if opts.Timeout <= 0 {
				return exitcode.Errorf(exitcode.Usage, "--timeout must be positive, not %s", opts.Timeout)
			}
			if !opts.NoBrowser && f.IO.StdinTTY && f.Getenv("CI") == "" {
				opts.OpenBrowser = systemBrowser(f.IO.ErrOut, f.Getenv("BROWSER"))
			}
			return loginRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Account, "account", "", "account name to store the credential under (default: the provider's default account)")
	cmd.Flags().StringSliceVar(&opts.Scopes, "scopes", nil, "scopes to ask for, comma-separated (default: the provider's)")
	cmd.Flags().BoolVar(&opts.NoBrowser, "no-browser", false, "print the URL only; do not open a browser")
	cmd.Flags().IntVar(&opts.Port, "port", 0, "loopback port for the callback (default: the provider's redirect_ports, else random)")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", oauthflow.DefaultTimeout, "how long to wait for the browser")
	cmd.Flags().BoolVar(&opts.Device, "device", false, "use the device authorization grant (GitHub, Sentry)")
	cmd.Flags().BoolVar(&opts.WithToken, "with-token", false, "store an access token read from stdin")
	return cmd
}

// loginResult is the -o json output of a login.
type loginResult struct {
	Provider string     `json:"provider"`
	Account  string     `json:"account"`
	User     string     `json:"user"`
	UserID   string     `json:"user_id"`
	Scopes   []string   `json:"scopes"`
	Expiry   *time.Time `json:"expiry"`
}

func loginRun(ctx context.Context, f *Factory, opts *LoginOptions) error {
	p, err := f.Provider(ctx, opts.Provider)
	if err != nil {
		return err
	}
	// Open the store first: a missing keyring fails before the browser opens.
	st, err := f.Store()
	if err != nil {
		return err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, f.HTTPClient())

	var cred *provider.Credential
	switch {
	case opts.WithToken:
		cred, err = loginWithToken(ctx, f.IO.In, p)
	case opts.Device:
		cred, err = loginDevice(ctx, f, p, opts)
	default:
		cred, err = loginBrowser(ctx, f, p, opts)
	}
	if err != nil {
		return err
	}
	cred.Provider, cred.Account = p.Name, opts.Account
	if cred.Account == "" {
		// Without --account the login replaces the default account's credential, but only when
		// the same user logged in again: another user's login must not silently evict it.
		if current, err := st.Get(ctx, p.Name, ""); err == nil && current.UserID != "" && cred.UserID != "" && current.UserID != cred.UserID {
			cred.Account = orWord(cred.UserName, cred.UserID)
			if cred.Account == current.Account {
				cred.Account = cred.UserID
			}
			f.IO.Warnf("%s is logged in as %s in account %q, which stays the default; this login is stored as account %q (use --account %s)",
				displayName(p), orDash(current.UserName), current.Account, cred.Account, cred.Account)
		}
	}
	if err := st.Put(ctx, cred); err != nil {
		return fmt.Errorf("save the credential: %w", err)
	}
	if f.Global.JSON() {
		return ui.WriteJSON(f.IO.Out, loginResult{Provider: cred.Provider, Account: cred.Account, User: cred.UserName,
			UserID: cred.UserID, Scopes: cred.Scopes, Expiry: timeOrNil(cred.Expiry)})
	}
	f.IO.Infof("Logged in to %s as %s (%s)%s", displayName(p), orDash(cred.UserName), orDash(cred.UserID), accountSuffix(cred.Account, " (account %q)"))
	return nil
}

func loginBrowser(ctx context.Context, f *Factory, p *provider.Provider, opts *LoginOptions) (*provider.Credential, error) {
	nonce, err := randomNonce()
	if err != nil {
		return nil, err
	}
	ports := p.RedirectPorts
	if opts.Port != 0 {
		ports = []int{opts.Port}
	}
	lb := &oauthflow.Loopback{
		Host:        p.RedirectHost,
		Ports:       ports,
		Timeout:     opts.Timeout,
		OpenBrowser: opts.OpenBrowser,
		Prompt:      f.IO.ErrOut,
		Paste:       f.IO.In,
		Issuer:      p.Issuer,
	}
	var conf *oauth2.Config
	newConfig := func(redirectURL string) *oauth2.Config {
		conf = p.OAuth2(redirectURL, opts.Scopes)
		return conf
	}
	stop := startSpinner(f.IO, "Waiting for the browser...")
	res, err := lb.Run(ctx, newConfig, p.AuthCodeOptions(nonce))
	stop()
	if err != nil {
		return nil, err
	}
	return p.Exchange(ctx, conf, res.Code, res.Verifier, nonce)
}

func loginDevice(ctx context.Context, f *Factory, p *provider.Provider, opts *LoginOptions) (*provider.Credential, error) {
	if p.Endpoint.DeviceAuthURL == "" {
		return nil, exitcode.Errorf(exitcode.Usage, "%s has no device authorization endpoint (set device_url, or log in without --device)", p.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	tok, err := oauthflow.Device(ctx, p.OAuth2("", opts.Scopes), f.IO.ErrOut)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, exitcode.Errorf(exitcode.Auth, "device login timed out after %s; run the login again", opts.Timeout)
		}
		return nil, err
	}
	return p.FromToken(ctx, tok)
}

// loginWithToken stores a token read from stdin once the provider accepts it.
func loginWithToken(ctx context.Context, in io.Reader, p *provider.Provider) (*provider.Credential, error) {
	data, err := io.ReadAll(io.LimitReader(in, 64*1024))
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, fmt.Errorf("read the token from stdin: %w", err))
	}
	token := strings.TrimSpace(string(data))
	if token == "" || strings.ContainsAny(token, " \t\r\n") {
		return nil, exitcode.Errorf(exitcode.Usage, "--with-token needs exactly one token on stdin")
	}
	return p.FromToken(ctx, &oauth2.Token{AccessToken: token, TokenType: "Bearer"})
}

func randomNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// systemBrowser opens a URL with $BROWSER, else pkg/browser, keeping the
// opener's output off stdout.
func systemBrowser(stderr io.Writer, browserEnv string) func(string) error {
	return func(url string) error {
		if browserEnv != "" {
			return runBrowserEnv(stderr, browserEnv, url)
		}
		browser.Stdout, browser.Stderr = stderr, stderr
		return browser.OpenURL(url)
	}
}

// runBrowserEnv starts the first command of $BROWSER that starts. As in the
// convention Python's webbrowser and xdg-utils follow, $BROWSER is a
// ':'-separated list of commands; a command may carry arguments ("firefox
// --new-window") and may say where the URL goes with %s (else it comes last).
func runBrowserEnv(stderr io.Writer, browserEnv, url string) error {
	var errs []error
	for _, entry := range strings.Split(browserEnv, ":") {
		argv := strings.Fields(entry)
		if len(argv) == 0 {
			continue
		}
		placed := false
		for i, arg := range argv[1:] {
			if strings.Contains(arg, "%s") {
				argv[i+1], placed = strings.ReplaceAll(arg, "%s", url), true
			}
		}
		if !placed {
			argv = append(argv, url)
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err := cmd.Start(); err != nil {
			errs = append(errs, err)
			continue
		}
		go cmd.Wait() //nolint:errcheck // the browser outlives nothing we wait for
		return nil
	}
	if len(errs) == 0 {
		return errors.New("run $BROWSER: it names no command")
	}
	return fmt.Errorf("run $BROWSER: %w", errors.Join(errs...))
}

// displayName is how a provider is named to people.
func displayName(p *provider.Provider) string {
	names := map[string]string{"discord": "Discord", "github": "GitHub", "slack": "Slack", "sentry": "Sentry"}
	if n, ok := names[p.Name]; ok {
		return n
	}
	return p.Name
}

// startSpinner animates msg on stderr while waiting, only on a terminal; it
// never blocks the caller. The returned function stops and clears it.
func startSpinner(ios *ui.IOStreams, msg string) func() {
	if !ios.StderrTTY {
		return func() {}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
		tick := time.NewTicker(120 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(ios.ErrOut, "\r%s %s", frames[i%len(frames)], msg)
			select {
			case <-done:
				fmt.Fprint(ios.ErrOut, "\r\033[K")
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-stopped }
}
