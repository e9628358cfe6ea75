// Package cmdutil is what every command of internal/cli shares, as gh's
// pkg/cmdutil: the Factory (the lazy config, store, HTTP client and credential
// source a command asks for) and the checks that type a command-line mistake
// as a usage error (exit 2) where it is found.
package cmdutil

import (
	"context"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/discord"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/httplog"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

// httpTimeout bounds every HTTP exchange authctl makes.
const httpTimeout = 30 * time.Second

// GlobalOptions are the persistent flags of the root command.
type GlobalOptions struct {
	Output     string
	NoColor    bool
	Verbose    bool
	ConfigPath string
	Store      string // --store: keyring or file; overrides config and AUTHCTL_STORE
}

// JSON reports whether -o json was asked for.
func (g *GlobalOptions) JSON() bool { return g.Output == ui.FormatJSON }

// Factory gives commands what they depend on. Everything costly is a lazy
// function so that a command pays only for what it uses.
type Factory struct {
	IO     *ui.IOStreams
	Global *GlobalOptions
	Getenv func(string) string
	Now    func() time.Time

	// OpenStore opens the credential store of a kind in a state directory
	// (store.Open when nil); tests replace it.
	OpenStore func(kind, stateDir string, warn io.Writer) (store.Store, error)
	// HTTPTransport is the base transport of HTTPClient (http.DefaultTransport
	// when nil); tests replace it.
	HTTPTransport http.RoundTripper

	configOnce sync.Once
	config     *config.Config
	configErr  error

	storeOnce sync.Once
	store     store.Store
	storeErr  error

	httpOnce   sync.Once
	httpClient *http.Client
}

// NewFactory returns a factory on the process's own streams and environment.
func NewFactory() *Factory {
	return &Factory{
		IO:     ui.System(),
		Global: &GlobalOptions{Output: ui.FormatText},
		Getenv: os.Getenv,
		Now:    time.Now,
	}
}

// Config loads the configuration once, on first use.
func (f *Factory) Config() (*config.Config, error) {
	f.configOnce.Do(func() {
		f.config, f.configErr = config.Load(f.Global.ConfigPath, f.Getenv)
		if f.configErr != nil {
			f.configErr = exitcode.New(exitcode.Usage, f.configErr)
		}
	})
	return f.config, f.configErr
}

// HTTPClient is the client for every provider call: a timeout always, and
// the --verbose trace (secrets redacted) when asked.
func (f *Factory) HTTPClient() *http.Client {
	f.httpOnce.Do(func() {
		transport := f.HTTPTransport
		if transport == nil {
			transport = http.DefaultTransport
		}
		if f.Global.Verbose {
			transport = &httplog.Transport{Base: transport, Out: f.IO.ErrOut}
		}
		f.httpClient = &http.Client{Timeout: httpTimeout, Transport: transport}
	})
	return f.httpClient
}

// stateDir is authctl's state directory — the config's state_dir, else
// $XDG_STATE_HOME/authctl, else $HOME/.local/state/authctl: the file store
// and the lock files.
func (f *Factory) stateDir() string {
	if cfg, err := f.Config(); err == nil && cfg.StateDir != "" {
		return cfg.StateDir
	}
	return store.StateDir(f.Getenv)
}

// Store opens the credential store once, on first use.
func (f *Factory) Store() (store.Store, error) {
	f.storeOnce.Do(func() {
		kind, err := config.StoreKind(f.Global.Store, f.Getenv, f.Config)
		if err != nil {
			f.storeErr = UsageIfUnset(err) // a bad --store or AUTHCTL_STORE; a config error is exit 2 already
			return
		}
		open := f.OpenStore
		if open == nil {
			open = store.Open
		}
		// No warning on every read: login warns when it stores in the file store, status marks it.
		f.store, f.storeErr = open(kind, f.stateDir(), nil)
		if f.storeErr != nil && exitcode.Of(f.storeErr) == exitcode.Provider {
			f.storeErr = exitcode.New(exitcode.Store, f.storeErr)
		}
	})
	return f.store, f.storeErr
}

// Credentials hands out valid tokens from the store (see internal/credential).
func (f *Factory) Credentials() *credential.Source {
	return &credential.Source{
		Store:    f.Store,
		Locks:    func() store.Locks { return store.Locks{Dir: f.stateDir(), Now: f.Now} }, // the state dir may need the config: only when a lock is taken
		Provider: f.Provider,
		Known:    func(name string) error { return provider.Known(name, f.Config, f.Getenv) },
		Getenv:   f.Getenv,
	}
}

// Provider resolves the named provider from the configuration.
func (f *Factory) Provider(ctx context.Context, name string) (*provider.Provider, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	return provider.Resolve(ctx, cfg, name, f.Getenv, f.HTTPClient())
}

// APIProvider resolves the named provider for calls with a token in hand,
// where no client id is needed (the CI path with AUTHCTL_<NAME>_TOKEN).
func (f *Factory) APIProvider(ctx context.Context, name string) (*provider.Provider, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	return provider.ResolveAPI(ctx, cfg, name, f.Getenv, f.HTTPClient())
}

// DiscordSession wires guild commands to the configuration, the HTTP client and the stored login.
func (f *Factory) DiscordSession(providerName, account string, maxWait time.Duration) *discord.Session {
	return &discord.Session{Provider: providerName, Config: f.Config, Getenv: f.Getenv, HTTP: f.HTTPClient, MaxWait: maxWait,
		Login: func(ctx context.Context, rejected, apiURL string) (*provider.Credential, error) {
			return f.Credentials().TokenTo(ctx, providerName, account, credential.DefaultMinTTL, rejected, apiURL)
		}}
}
