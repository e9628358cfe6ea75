package app

import (
	"context"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
)

// PrivateKey says where a GitHub App's private key is read from: a file or an
// environment variable, never argv.
type PrivateKey struct {
	File   string
	Env    string
	Getenv func(string) string
	// Warn, when set, is told of a key file that other users can read.
	Warn func(format string, args ...any)
}

// Read returns the PEM bytes of the key; a missing, doubled or unreadable source is exit 2.
func (k PrivateKey) Read() ([]byte, error) {
	switch {
	case k.File != "" && k.Env != "":
		return nil, exitcode.Errorf(exitcode.Usage, "give --private-key-file or --private-key-env, not both")
	case k.File != "":
		return k.readFile()
	case k.Env != "":
		v := k.Getenv(k.Env)
		if v == "" {
			return nil, exitcode.Errorf(exitcode.Usage, "private key: $%s is empty", k.Env)
		}
		return []byte(v), nil
	}
	return nil, exitcode.Errorf(exitcode.Usage, "give --private-key-file or --private-key-env")
}

// readFile reads the key file, judging the mode of the file it read, not of a second lookup.
func (k PrivateKey) readFile() ([]byte, error) {
	f, err := os.Open(k.File)
	if err != nil {
		return nil, exitcode.Errorf(exitcode.Usage, "read private key: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, exitcode.Errorf(exitcode.Usage, "read private key: %v", err)
	}
	if info, err := f.Stat(); err == nil && info.Mode().Perm()&0o077 != 0 && runtime.GOOS != "windows" && k.Warn != nil {
		// As ssh does for an identity file: the key is used, but the user learns others can read it.
		k.Warn("private key file %s is accessible by other users (mode %04o); run chmod 600 %s", k.File, info.Mode().Perm(), k.File)
	}
	return b, nil
}

// Target names an installation: by its id, else the installation of Repo
// (OWNER/NAME) or of the account Org.
type Target struct {
	Installation int64
	Repo         string
	Org          string
}

// Check refuses a target that names none, or more than one, of an installation, a repository
// and an account: exit 2.
func (t Target) Check() error {
	named := 0
	for _, set := range []bool{t.Installation != 0, t.Repo != "", t.Org != ""} {
		if set {
			named++
		}
	}
	if named != 1 {
		return exitcode.Errorf(exitcode.Usage, "give exactly one of --installation, --repo or --org")
	}
	return nil
}

// GitHubApp signs app JWTs with the app's key and mints installation tokens on
// the GitHub whose API is APIURL.
type GitHubApp struct {
	ID     string // the app id or client id: the JWT's issuer
	Key    PrivateKey
	APIURL string
	HTTP   *http.Client
	Now    func() time.Time
}

// JWT reads the private key and signs an app JWT with it.
func (a *GitHubApp) JWT() (string, error) {
	pemBytes, err := a.Key.Read()
	if err != nil {
		return "", err
	}
	rsaKey, err := ParsePrivateKey(pemBytes)
	if err != nil {
		return "", err
	}
	return AppJWT(a.ID, rsaKey, a.Now())
}

// Mint signs the app JWT, finds the installation of t when it names a repo or
// an org, and mints an installation token narrowed by req.
func (a *GitHubApp) Mint(ctx context.Context, t Target, req TokenRequest) (*InstallationToken, error) {
	jwt, err := a.JWT()
	if err != nil {
		return nil, err
	}
	client := &GitHubClient{APIURL: a.APIURL, HTTP: a.HTTP, JWT: jwt, Now: a.Now}
	installation := t.Installation
	if installation == 0 {
		if installation, err = client.FindInstallation(ctx, t.Repo, t.Org); err != nil {
			return nil, err
		}
	}
	return client.CreateToken(ctx, installation, req)
}

// ParsePermissions turns name=level pairs (--permission) into a token request's permissions;
// nil for none.
func ParsePermissions(pairs []string) (map[string]string, error) {
	var perms map[string]string
	for _, p := range pairs {
		name, level, ok := strings.Cut(p, "=")
		if !ok || name == "" || level == "" {
			return nil, exitcode.Errorf(exitcode.Usage, "--permission %q must be name=level", p)
		}
		if perms == nil {
			perms = map[string]string{}
		}
		perms[name] = level
	}
	return perms, nil
}

// GitHubApps builds the GitHub Apps of `app token github` and of git's installation mappings
// with authctl's environment, HTTP client and clock.
type GitHubApps struct {
	// API resolves a provider entry for calls with a token in hand.
	API    func(ctx context.Context, name string) (*provider.Provider, error)
	Getenv func(string) string
	HTTP   func() *http.Client
	Now    func() time.Time
	// Warn is told of a key file that other users can read.
	Warn func(format string, args ...any)
}

// App is the app id whose private key is in key's file or variable, on the GitHub whose API
// is apiURL (empty for an app that only signs JWTs).
func (g *GitHubApps) App(id string, key PrivateKey, apiURL string) *GitHubApp {
	key.Getenv, key.Warn = g.Getenv, g.Warn
	return &GitHubApp{ID: id, Key: key, APIURL: apiURL, HTTP: g.HTTP(), Now: g.Now}
}

// On is App on the GitHub of the provider entry named entry, which must be of kind github.
func (g *GitHubApps) On(ctx context.Context, entry, id string, key PrivateKey) (*GitHubApp, error) {
	p, err := g.API(ctx, entry)
	if err != nil {
		return nil, err
	}
	if p.Kind != provider.KindGitHub {
		return nil, exitcode.Errorf(exitcode.Usage, "--provider %s is of kind %s, not github", entry, p.Kind)
	}
	return g.App(id, key, p.APIURL), nil
}
