package gitcred

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Username is what git sends with every token: GitHub takes any name with a
// token, and requires this one for installation tokens.
const Username = "x-access-token"

// Entry is a configured provider entry of kind github, with every URL it has;
// the first is its sign-in (authorize) URL, on the web host git talks to.
type Entry struct {
	Name string
	URLs []string
}

// InstallationTokens mints and caches GitHub App installation tokens.
type InstallationTokens interface {
	// Token returns a token of the installation in, valid for a while, minted
	// at most once for parallel callers while a cached one is fresh.
	Token(ctx context.Context, in *Installation) (token string, expiry time.Time, err error)
	// Drop forgets the cached token of in when it is token (git reported it failed).
	Drop(ctx context.Context, in *Installation, token string) error
}

// UserTokens gives the stored user token of a provider entry.
type UserTokens interface {
	Token(ctx context.Context, entry string) (token string, expiry time.Time, err error)
}

// Resolver decides which token answers git.
type Resolver struct {
	Config        *Config
	Entries       func(ctx context.Context) []Entry
	Users         UserTokens
	Installations InstallationTokens
	// Warn, when set, receives hints for the person running git (git shows a helper's stderr).
	Warn io.Writer
}

// Serve answers one operation of git's (get, store or erase) with the request on in and the
// answer on out; the resolver is built only for get and erase. An operation it does not know
// is ignored, as gitcredentials(7) asks of a helper; a malformed request is a UsageError.
func Serve(ctx context.Context, operation string, in io.Reader, out io.Writer, resolver func() (*Resolver, error)) error {
	switch operation {
	case "get", "store", "erase":
	default:
		return nil
	}
	req, err := ReadRequest(in)
	if err != nil {
		return usageError(err)
	}
	if operation == "store" {
		return nil // tokens live in authctl's store already; git's copy is never kept
	}
	r, err := resolver()
	if err != nil {
		return err
	}
	if operation == "erase" {
		return r.Erase(ctx, req)
	}
	answer, err := r.Get(ctx, req)
	if err != nil || answer == nil {
		return err
	}
	return answer.Write(out)
}

// Get answers a get request; a nil answer (and nil error) means the request is
// not for authctl, so git goes on to its next helper.
func (r *Resolver) Get(ctx context.Context, req *Request) (*Answer, error) {
	if !safeTransport(req) {
		return nil, nil
	}
	if req.Path == "" && r.Warn != nil && r.Config.NeedsPath(req.Protocol+"://"+req.Host) {
		fmt.Fprintf(r.Warn, "authctl: git sent no repository path for %s, so owner mappings to App installations do not apply; set credential.%s://%s.useHttpPath true (authctl setup-git does)\n", req.Host, req.Protocol, req.Host)
	}
	if in, ok := r.Config.Installation(req.Host, req.Path); ok {
		token, expiry, err := r.Installations.Token(ctx, in)
		if err != nil {
			return nil, err
		}
		return &Answer{Username: Username, Password: token, Expiry: expiry}, nil
	}
	entry, err := r.userEntry(ctx, req)
	if err != nil || entry == "" {
		return nil, err
	}
	token, expiry, err := r.Users.Token(ctx, entry)
	if err != nil {
		return nil, err
	}
	return &Answer{Username: Username, Password: token, Expiry: expiry}, nil
}

// Erase is git reporting that password failed: a cached installation token
// that is this password is dropped, so the next get mints a new one. A user
// token is left alone (erasing it would log the user out).
func (r *Resolver) Erase(ctx context.Context, req *Request) error {
	if req.Password == "" || !safeTransport(req) {
		return nil
	}
	if in, ok := r.Config.Installation(req.Host, req.Path); ok {
		return r.Installations.Drop(ctx, in, req.Password)
	}
	return nil
}

// userEntry names the entry whose user token serves req.Host, among the
// kind-github entries with a URL on the host and scheme git asks about (a
// token never goes to another origin): the one the config names for the host,
// else the entry named github, else the only one.
func (r *Resolver) userEntry(ctx context.Context, req *Request) (string, error) {
	var matching []string
	for _, e := range r.Entries(ctx) {
		for _, raw := range e.URLs {
			if onHost(raw, req.Protocol, req.Host) {
				matching = append(matching, e.Name)
				break
			}
		}
	}
	if h := r.Config.Hosts[strings.ToLower(req.Host)]; h.Provider != "" {
		if !slices.Contains(matching, h.Provider) {
			return "", usageErrorf("git: %s: provider: %s is not an entry of kind github with a URL on %s://%s; its token is never sent elsewhere", req.Host, h.Provider, req.Protocol, req.Host)
		}
		return h.Provider, nil
	}
	switch {
	case len(matching) == 0:
		return "", nil
	case len(matching) == 1:
		return matching[0], nil
	case slices.Contains(matching, "github"):
		return "github", nil
	}
	return "", usageErrorf("entries %s all serve %s; name one in the config (git: %s: provider: NAME)", strings.Join(matching, ", "), req.Host, req.Host)
}

// onHost tells whether raw is a URL of scheme on host (default ports ignored).
func onHost(raw, scheme, host string) bool {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, scheme) {
		return false
	}
	return strings.EqualFold(normalHost(u.Scheme, u.Host), normalHost(scheme, host))
}

// normalHost drops the scheme's default port, as git leaves it out of host.
func normalHost(scheme, host string) string {
	h, port, err := net.SplitHostPort(host)
	if err != nil {
		return host
	}
	if scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		return h
	}
	return host
}

// safeTransport is false for a request a token must never answer: anything
// but https, except plain http to a loopback address (the local sandbox).
func safeTransport(req *Request) bool {
	switch req.Protocol {
	case "https":
		return req.Host != ""
	case "http":
		return isLoopback(req.Host)
	}
	return false
}

// UsageError is a malformed request, configuration or host, or a configuration that does not
// say which token serves a host; it exits 2.
type UsageError struct{ err error }

func (e *UsageError) Error() string { return e.err.Error() }
func (e *UsageError) Unwrap() error { return e.err }

// ExitCode is the usage/configuration exit code of CLI.md.
func (e *UsageError) ExitCode() int { return 2 }

func usageErrorf(format string, args ...any) error {
	return &UsageError{err: fmt.Errorf(format, args...)}
}

// usageError marks err, when it is one, as a usage error.
func usageError(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{err: err}
}
