package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

const sample = `store: file
providers:
  discord:
    client_id: "1234567890"
    client_secret_env: DISCORD_CLIENT_SECRET
    scopes: [identify, guilds]
    redirect_ports: [53682]
  discord-local:
    kind: discord
    client_id: "42"
    client_secret: inline
    token_url: http://127.0.0.1:8080/api/oauth2/token
    device_url: ""
`

func TestLoadReadsProviders(t *testing.T) {
	t.Parallel()
	cfg, err := Load(writeConfig(t, sample), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Store != StoreFile {
		t.Errorf("store = %q", cfg.Store)
	}
	if got := strings.Join(cfg.Names(), ","); got != "discord,discord-local" {
		t.Errorf("names = %q", got)
	}
	d, ok := cfg.Provider("discord", envOf(map[string]string{"DISCORD_CLIENT_SECRET": "s3"}))
	if !ok || d.ClientID != "1234567890" || strings.Join(d.Scopes, " ") != "identify guilds" || len(d.RedirectPorts) != 1 || d.RedirectPorts[0] != 53682 {
		t.Errorf("discord entry = %+v", d)
	}
	if s := d.Secret(envOf(map[string]string{"DISCORD_CLIENT_SECRET": "s3"})); s != "s3" {
		t.Errorf("secret = %q, want it from the env var", s)
	}
	l, _ := cfg.Provider("discord-local", envOf(nil))
	if l.Kind != "discord" || l.TokenURL == nil || *l.TokenURL != "http://127.0.0.1:8080/api/oauth2/token" {
		t.Errorf("discord-local = %+v", l)
	}
	if l.DeviceURL == nil || *l.DeviceURL != "" {
		t.Errorf("device_url: \"\" must be an explicit empty override, got %v", l.DeviceURL)
	}
	if l.AuthURL != nil {
		t.Errorf("auth_url not set in the file but = %q", *l.AuthURL)
	}
	if s := l.Secret(envOf(nil)); s != "inline" {
		t.Errorf("inline secret = %q", s)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{
		"AUTHCTL_CONFIG":                writeConfig(t, sample),
		"AUTHCTL_STORE":                 "keyring",
		"AUTHCTL_DISCORD_CLIENT_ID":     "from-env",
		"AUTHCTL_DISCORD_SCOPES":        "identify,guilds.members.read",
		"AUTHCTL_DISCORD_LOCAL_API_URL": "http://127.0.0.1:9/api/v10",
		"AUTHCTL_NEWONE_KIND":           "oauth2",
		"AUTHCTL_NEWONE_CLIENT_ID":      "n1",
	})
	cfg, err := Load("", env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Store != StoreKeyring {
		t.Errorf("AUTHCTL_STORE did not override the file: %q", cfg.Store)
	}
	d, _ := cfg.Provider("discord", env)
	if d.ClientID != "from-env" || strings.Join(d.Scopes, " ") != "identify guilds.members.read" {
		t.Errorf("discord = %+v", d)
	}
	l, _ := cfg.Provider("discord-local", env)
	if l.APIURL == nil || *l.APIURL != "http://127.0.0.1:9/api/v10" {
		t.Errorf("discord-local api_url = %v", l.APIURL)
	}
	n, ok := cfg.Provider("newone", env)
	if !ok || n.Kind != "oauth2" || n.ClientID != "n1" {
		t.Errorf("env-only entry = %+v, ok %v", n, ok)
	}
	if _, ok := cfg.Provider("absent", env); ok {
		t.Error("an entry neither in the file nor in the environment was reported as configured")
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	tests := []struct {
		name, explicit string
		env            map[string]string
		want           string
	}{
		{"explicit missing file", missing, nil, "read config " + missing + ": no such file or directory"},
		{"AUTHCTL_CONFIG missing file", "", map[string]string{"AUTHCTL_CONFIG": missing}, "no such file or directory"},
		{"bad store in file", writeConfig(t, "store: vault\n"), nil, `store must be "keyring" or "file", not "vault"`},
		{"bad store in env", writeConfig(t, "store: file\n"), map[string]string{"AUTHCTL_STORE": "plain"}, `not "plain"`},
		{"malformed yaml", writeConfig(t, "providers: [\n"), nil, "read config"},
		{"providers of the wrong shape", writeConfig(t, "providers:\n  discord: 12\n"), nil, "providers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(tt.explicit, envOf(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestMissingDefaultFileIsFine(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	cfg, err := Load("", envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != "" || cfg.Store != StoreKeyring || len(cfg.Providers) != 0 {
		t.Errorf("config = %+v", cfg)
	}
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"discord": "DISCORD", "discord-local": "DISCORD_LOCAL", "my.idp2": "MY_IDP2"} {
		if got := EnvName(in); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

// A misspelt key is exit 2 naming the key, the file and the key it was likely meant to be,
// instead of being ignored (issue 15 point 6).
func TestUnknownConfigKeys(t *testing.T) {
	t.Parallel()
	tests := []struct{ yaml, want string }{
		{"providers:\n  discord:\n    clientid: \"1\"\n", "unknown key providers.discord.clientid (did you mean client_id?)"},
		{"providers:\n  work:\n    kind: oidc\n    isuer: https://id.example\n", "unknown key providers.work.isuer (did you mean issuer?)"},
		{"stroe: file\n", "unknown key stroe (did you mean store?)"},
		{"colour: always\n", "unknown key colour"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), "config "+path+": "+tt.want) {
			t.Errorf("%q: %v, want an error with %q and the file", tt.yaml, err, tt.want)
		}
	}
	ok := "store: file\nstate_dir: /tmp/x\nproviders:\n  discord:\n    client_id: \"1\"\n    redirect_ports: [1]\ngit:\n  github.com:\n    provider: github\n"
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(ok), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, func(string) string { return "" }); err != nil {
		t.Errorf("a config of known keys: %v", err)
	}
}

// The store kind: --store over AUTHCTL_STORE over the file, each refused by
// its own name when it is neither keyring nor file; the file is read only
// when neither is set.
func TestStoreKind(t *testing.T) {
	fileSays := func() (*Config, error) { return &Config{Store: StoreFile}, nil }
	mustNotLoad := func() (*Config, error) { t.Fatal("the config file was read"); return nil, nil }
	env := func(v string) func(string) string { return func(string) string { return v } }
	for _, tt := range []struct {
		flag, env string
		load      func() (*Config, error)
		want, err string
	}{
		{flag: "file", env: "keyring", load: mustNotLoad, want: "file"},
		{env: "keyring", load: mustNotLoad, want: "keyring"},
		{load: fileSays, want: "file"},
		{flag: "vault", load: mustNotLoad, err: `--store must be "keyring" or "file", not "vault"`},
		{env: "vault", load: mustNotLoad, err: `AUTHCTL_STORE must be "keyring" or "file", not "vault"`},
	} {
		got, err := StoreKind(tt.flag, env(tt.env), tt.load)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("StoreKind(%q, AUTHCTL_STORE=%q) = %q, %v; want %q, %q", tt.flag, tt.env, got, err, tt.want, tt.err)
		}
	}
}
