package gitcred

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// GlobalConfig is the user's global git configuration, read and written by the git command
// (so git's own rules for HOME, XDG_CONFIG_HOME and GIT_CONFIG_GLOBAL apply).
type GlobalConfig struct {
	Git string   // the git executable; "git" from PATH when empty
	Env []string // the environment git runs in
}

// NewGlobalConfig is the global git configuration for the environment environ, with the
// variables that locate it taken from getenv, so that git writes where authctl's caller means.
func NewGlobalConfig(environ []string, getenv func(string) string) *GlobalConfig {
	env := slices.Clone(environ)
	for _, k := range []string{"HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL"} {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return &GlobalConfig{Env: env}
}

// HelperExecutable is this program's absolute path, symlinks resolved, for git to run.
func HelperExecutable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find authctl's own path: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return exe, nil
}

func (g *GlobalConfig) run(ctx context.Context, args ...string) (string, error) {
	bin := g.Git
	if bin == "" {
		bin = "git"
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"config", "--global"}, args...)...)
	cmd.Env = g.Env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 && args[0] == "--get-all" {
		return "", nil // git's answer for a key that is not set
	}
	if err != nil {
		return "", fmt.Errorf("git config --global %s: %v %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// Change is one git config command setup-git runs (or, with --dry-run, would run).
type Change struct {
	Args []string // after `git config --global`
}

// String is the change as a shell command line.
func (c Change) String() string {
	quoted := make([]string, len(c.Args))
	for i, a := range c.Args {
		quoted[i] = shellQuote(a)
	}
	return "git config --global " + strings.Join(quoted, " ")
}

// helperValue is the credential.helper value that runs exe as authctl's git
// credential helper; the leading '!' makes git run it through the shell.
func helperValue(exe string) string {
	return "!" + shellQuote(exe) + " git-credential"
}

// shellQuote quotes s for sh when it holds anything but safe characters.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// HostURL turns --host into the URL git's credential config is keyed by:
// HOST means https://HOST, except a loopback address, which is served over
// plain http (the local sandbox); a URL keeps its scheme, which must be https,
// or http on loopback.
func HostURL(host string) (string, error) {
	raw := host
	if !strings.Contains(raw, "://") {
		scheme := "https"
		if isLoopback(raw) {
			scheme = "http"
		}
		raw = scheme + "://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("host %q: give a host name (github.com, ghe.example.com:8443) or https://HOST", host)
	}
	if !safeTransport(&Request{Protocol: u.Scheme, Host: u.Host}) {
		return "", fmt.Errorf("host %q: only https, or http to a loopback address, can carry a token", host)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}

// isLoopback tells whether hostport (HOST[:PORT]) is a loopback IP address.
func isLoopback(hostport string) bool {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}

// SetupOptions are the inputs of setup-git.
type SetupOptions struct {
	Hosts []string // --host: host names or URLs; none means Defaults'
	// Defaults, when set, are the configured host URLs and whether a host's installation
	// mappings need the repository path.
	Defaults   func(ctx context.Context) (hostURLs []string, needsPath func(hostURL string) bool, err error)
	Executable func() (string, error) // the authctl git runs as its helper
	DryRun     bool
}

// SetupResult is what setup-git did, and its -o json answer: the host URLs set up and the git
// config commands run (or, with dry_run, due); no change means the hosts were set up already.
type SetupResult struct {
	Hosts   []string `json:"hosts"`
	Changes []string `json:"changes"`
	DryRun  bool     `json:"dry_run"`
}

// Summary is the result in words for people: the hosts git now, or already, uses authctl for.
func (r *SetupResult) Summary() string {
	state := "now"
	if len(r.Changes) == 0 {
		state = "already"
	}
	return "git " + state + " uses authctl for " + strings.Join(r.Hosts, ", ")
}

// SetupHelper makes git use authctl as the credential helper of the hosts of opts (see setup).
// A bad --host, no host at all and a failing git config are UsageErrors.
func (g *GlobalConfig) SetupHelper(ctx context.Context, opts SetupOptions) (*SetupResult, error) {
	var hostURLs []string
	needsPath := func(string) bool { return false }
	for _, h := range opts.Hosts {
		u, err := HostURL(h)
		if err != nil {
			return nil, usageErrorf("--host: %w", err)
		}
		hostURLs = append(hostURLs, u)
	}
	if opts.Defaults != nil {
		defaults, paths, err := opts.Defaults(ctx)
		if err != nil {
			return nil, err
		}
		needsPath = paths
		if len(hostURLs) == 0 {
			hostURLs = defaults
		}
	}
	if len(hostURLs) == 0 {
		return nil, usageErrorf("no GitHub host is configured; give --host")
	}
	exe, err := opts.Executable()
	if err != nil {
		return nil, err
	}
	changes, err := setup(ctx, g, hostURLs, helperValue(exe), needsPath, opts.DryRun)
	if err != nil {
		return nil, usageError(err)
	}
	result := &SetupResult{Hosts: hostURLs, Changes: []string{}, DryRun: opts.DryRun}
	for _, c := range changes {
		result.Changes = append(result.Changes, c.String())
	}
	return result, nil
}

// setup makes git ask helper, and only helper, for credentials of each host
// URL, the way `gh auth setup-git` does: credential.URL.helper is reset to
// the empty value (which drops helpers configured before it for that URL)
// and then given helper. With usePath, credential.URL.useHttpPath is set
// too, so git sends the repository path the installation mappings need. A
// host already set up so is left alone; with dryRun nothing is written. It
// returns the changes made (or due).
func setup(ctx context.Context, g *GlobalConfig, hostURLs []string, helper string, usePath func(hostURL string) bool, dryRun bool) ([]Change, error) {
	var changes []Change
	for _, hostURL := range hostURLs {
		key := "credential." + hostURL + ".helper"
		out, err := g.run(ctx, "--get-all", key)
		if err != nil {
			return changes, err
		}
		var due []Change
		if current := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); !slices.Equal(current, []string{"", helper}) {
			due = append(due, Change{Args: []string{"--replace-all", key, ""}}, Change{Args: []string{"--add", key, helper}})
		}
		if usePath(hostURL) {
			pathKey := "credential." + hostURL + ".useHttpPath"
			out, err := g.run(ctx, "--get-all", pathKey)
			if err != nil {
				return changes, err
			}
			if strings.TrimSpace(out) != "true" {
				due = append(due, Change{Args: []string{"--replace-all", pathKey, "true"}})
			}
		}
		for _, c := range due {
			if !dryRun {
				if _, err := g.run(ctx, c.Args...); err != nil {
					return changes, err
				}
			}
			changes = append(changes, c)
		}
	}
	return changes, nil
}

// HostURLs are the URLs setup-git configures when no --host is given: the
// web host of every github entry, and every host of the config's git
// section, each once, in order.
func HostURLs(entries []Entry, cfg *Config) []string {
	var urls []string
	add := func(u string) {
		if u != "" && !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
	}
	for _, e := range entries {
		if len(e.URLs) == 0 {
			continue
		}
		if u, err := url.Parse(e.URLs[0]); err == nil && u.Host != "" {
			if hostURL, err := HostURL(u.Scheme + "://" + normalHost(u.Scheme, u.Host)); err == nil {
				add(hostURL)
			}
		}
	}
	hosts := make([]string, 0, len(cfg.Hosts))
	for h := range cfg.Hosts {
		hosts = append(hosts, h)
	}
	slices.Sort(hosts)
	for _, h := range hosts {
		if hostURL, err := HostURL(h); err == nil {
			add(hostURL)
		}
	}
	return urls
}

// NeedsPath tells whether an installation mapping of the host in hostURL needs the
// repository path from git (credential.useHttpPath).
func (c *Config) NeedsPath(hostURL string) bool {
	u, err := url.Parse(hostURL)
	if err != nil {
		return false
	}
	h := c.Hosts[strings.ToLower(u.Host)]
	return slices.ContainsFunc(h.Installations, func(in Installation) bool { return in.NeedsPath() })
}
