// Package cli holds the authctl command tree. Commands are thin: they parse
// flags into an options struct, call a package below, and render the result.
package cli

import (
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/ui"
)

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

	// Credentials is the credential store backend (see credentials.go);
	// tests replace it.
	Credentials *CredentialBackend
	// HTTPTransport is the base transport of HTTPClient (http.DefaultTransport
	// when nil); tests replace it.
	HTTPTransport http.RoundTripper

	configOnce sync.Once
	config     *config.Config
	configErr  error

	storeOnce sync.Once
	store     CredentialStore
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
