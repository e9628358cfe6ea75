// Package config reads authctl's configuration file and AUTHCTL_* environment
// overrides.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/spf13/viper"
)

// Store names.
const (
	StoreKeyring = "keyring"
	StoreFile    = "file"
)

// Config is the whole configuration.
type Config struct {
	// Path is the file the configuration was read from; empty when none existed.
	Path  string
	Store string
	// StateDir, when set, replaces $XDG_STATE_HOME/authctl for the file store
	// and the lock files (the sandbox's config keeps its credentials apart).
	StateDir  string
	Providers map[string]Provider
}

// Provider is one named provider entry. URL fields are pointers so that an
// explicit empty value (for example `device_url: ""`) can switch a built-in
// endpoint off.
type Provider struct {
	Name            string   `mapstructure:"-"`
	Kind            string   `mapstructure:"kind"`
	ClientID        string   `mapstructure:"client_id"`
	ClientSecret    string   `mapstructure:"client_secret"`
	ClientSecretEnv string   `mapstructure:"client_secret_env"`
	Scopes          []string `mapstructure:"scopes"`
	RedirectPorts   []int    `mapstructure:"redirect_ports"`
	RedirectHost    string   `mapstructure:"redirect_host"`
	Issuer          string   `mapstructure:"issuer"`
	AuthURL         *string  `mapstructure:"auth_url"`
	TokenURL        *string  `mapstructure:"token_url"`
	RevokeURL       *string  `mapstructure:"revoke_url"`
	DeviceURL       *string  `mapstructure:"device_url"`
	APIURL          *string  `mapstructure:"api_url"`
	UserinfoURL     *string  `mapstructure:"userinfo_url"`
}

// Secret returns the client secret: from the environment variable named by
// client_secret_env when set, else client_secret.
func (p Provider) Secret(getenv func(string) string) string {
	if p.ClientSecretEnv != "" {
		if v := getenv(p.ClientSecretEnv); v != "" {
			return v
		}
	}
	return p.ClientSecret
}

// DefaultPath returns authctl/config.yaml in the user's configuration
// directory as os.UserConfigDir finds it, but read through getenv:
// $XDG_CONFIG_HOME or $HOME/.config on Unix, $HOME/Library/Application
// Support on macOS, %AppData% on Windows. "" when the variables are unset.
func DefaultPath(getenv func(string) string) string {
	var dir string
	switch runtime.GOOS {
	case "windows":
		dir = getenv("AppData")
	case "darwin", "ios":
		if home := getenv("HOME"); home != "" {
			dir = filepath.Join(home, "Library", "Application Support")
		}
	default:
		dir = getenv("XDG_CONFIG_HOME")
		if home := getenv("HOME"); dir == "" && home != "" {
			dir = filepath.Join(home, ".config")
		}
	}
	if dir == "" || !filepath.IsAbs(dir) {
		return ""
	}
	return filepath.Join(dir, "authctl", "config.yaml")
}

// Load reads the configuration. explicitPath is --config; when empty,
// AUTHCTL_CONFIG and then the default path are used. An explicitly named file
// must exist; the default file may be absent.
func Load(explicitPath string, getenv func(string) string) (*Config, error) {
	path, explicit := explicitPath, explicitPath != ""
	if path == "" {
		if p := getenv("AUTHCTL_CONFIG"); p != "" {
			path, explicit = p, true
		}
	}
	if path == "" {
		path = DefaultPath(getenv)
	}

	v := viper.New()
	cfg := &Config{Providers: map[string]Provider{}}
	if path != "" {
		v.SetConfigFile(path)
		v.SetConfigType("yaml")
		err := v.ReadInConfig()
		switch {
		case err == nil:
			cfg.Path = path
		case errors.Is(err, fs.ErrNotExist) && !explicit:
		default:
			return nil, fmt.Errorf("read config %s: %w", path, unwrapViper(err))
		}
	}

	if key, suggestion := unknownKey(v.AllKeys()); key != "" {
		hint := ""
		if suggestion != "" {
			hint = fmt.Sprintf(" (did you mean %s?)", suggestion)
		}
		return nil, fmt.Errorf("config %s: unknown key %s%s", path, key, hint)
	}
	cfg.Store = v.GetString("store")
	cfg.StateDir = v.GetString("state_dir")
	if cfg.StateDir != "" && !filepath.IsAbs(cfg.StateDir) {
		return nil, fmt.Errorf("config %s: state_dir must be an absolute path, not %q", path, cfg.StateDir)
	}
	entries := map[string]Provider{}
	if err := v.UnmarshalKey("providers", &entries); err != nil {
		return nil, fmt.Errorf("config %s: providers: %w", path, err)
	}
	for name, p := range entries {
		p.Name = name
		cfg.Providers[name] = p
	}

	if s := getenv("AUTHCTL_STORE"); s != "" {
		cfg.Store = s
	}
	if cfg.Store == "" {
		cfg.Store = StoreKeyring
	}
	if cfg.Store != StoreKeyring && cfg.Store != StoreFile {
		return nil, fmt.Errorf("config: store must be %q or %q, not %q", StoreKeyring, StoreFile, cfg.Store)
	}
	return cfg, nil
}

// Provider returns the entry for name with AUTHCTL_<NAME>_<FIELD> environment
// overrides applied (for example AUTHCTL_DISCORD_CLIENT_ID). ok is false when
// the configuration has no entry of that name.
func (c *Config) Provider(name string, getenv func(string) string) (p Provider, ok bool) {
	p, ok = c.Providers[name]
	p.Name = name
	prefix := "AUTHCTL_" + EnvName(name) + "_"
	str := func(field string, dst *string) {
		if v := getenv(prefix + field); v != "" {
			*dst = v
			ok = true
		}
	}
	url := func(field string, dst **string) {
		if v := getenv(prefix + field); v != "" {
			*dst = &v
			ok = true
		}
	}
	str("KIND", &p.Kind)
	str("CLIENT_ID", &p.ClientID)
	str("CLIENT_SECRET", &p.ClientSecret)
	str("CLIENT_SECRET_ENV", &p.ClientSecretEnv)
	str("ISSUER", &p.Issuer)
	str("REDIRECT_HOST", &p.RedirectHost)
	if v := getenv(prefix + "SCOPES"); v != "" {
		p.Scopes = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
		ok = true
	}
	url("AUTH_URL", &p.AuthURL)
	url("TOKEN_URL", &p.TokenURL)
	url("REVOKE_URL", &p.RevokeURL)
	url("DEVICE_URL", &p.DeviceURL)
	url("API_URL", &p.APIURL)
	url("USERINFO_URL", &p.UserinfoURL)
	return p, ok
}

// Names returns the configured provider names, sorted.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.Providers))
	for n := range c.Providers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// StoreKind is the credential store to use: flag (--store), else AUTHCTL_STORE, else the
// config file's store (load is called only then: the variable spares reading the file).
func StoreKind(flag string, getenv func(string) string, load func() (*Config, error)) (string, error) {
	for _, set := range []struct{ by, kind string }{{"--store", flag}, {"AUTHCTL_STORE", getenv("AUTHCTL_STORE")}} {
		switch set.kind {
		case "":
			continue
		case StoreKeyring, StoreFile:
			return set.kind, nil
		}
		return "", fmt.Errorf("%s must be %q or %q, not %q", set.by, StoreKeyring, StoreFile, set.kind)
	}
	cfg, err := load()
	if err != nil {
		return "", err
	}
	return cfg.Store, nil
}

// EnvName turns a provider name into the form used in environment variable
// names: upper case, with every character other than a letter or digit as '_'.
func EnvName(name string) string {
	b := []byte(strings.ToUpper(name))
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// unwrapViper strips viper's wrapper so the message names the real cause once.
func unwrapViper(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
