package credential

import (
	"net/url"
	"slices"
	"strings"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/ui"
)

// Origins are the origins (scheme://host:port) a provider entry sends
// credentials to: its token, API, userinfo and revocation endpoints and its
// issuer; sorted, without repeats.
func Origins(p *provider.Provider) []string {
	var origins []string
	for _, raw := range []string{p.Endpoint.TokenURL, p.APIURL, p.UserinfoURL, p.RevokeURL, p.Issuer} {
		if o := origin(raw); o != "" && !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	slices.Sort(origins)
	return origins
}

// Bind records in cred the origins of p, the entry it was issued through, so
// that it is never sent anywhere else (see CheckBound).
func Bind(cred *provider.Credential, p *provider.Provider) { cred.Origins = Origins(p) }

// CheckBound is nil when every origin p would send cred to is one it was
// issued through, and an exit-2 error naming the new origin otherwise: a
// config that now points the provider elsewhere (edited, or another one given
// with --config) must ask for a new login, not hand the token over. A token
// from the environment and one stored before authctl recorded origins are not
// bound.
func CheckBound(cred *provider.Credential, p *provider.Provider) error {
	for _, o := range Origins(p) {
		if err := checkOrigin(cred, o); err != nil {
			return err
		}
	}
	return nil
}

// CheckURL is CheckBound for one URL a credential is about to be sent to.
func CheckURL(cred *provider.Credential, rawURL string) error {
	return checkOrigin(cred, origin(rawURL))
}

func checkOrigin(cred *provider.Credential, o string) error {
	if FromEnv(cred) || len(cred.Origins) == 0 || o == "" || slices.Contains(cred.Origins, o) {
		return nil
	}
	return exitcode.Errorf(exitcode.Usage, "the stored %s credential was issued through %s, but the configuration now sends it to %s: not sent; log in again with this configuration (authctl login %s%s) or use the one it was issued with",
		cred.Provider, strings.Join(cred.Origins, ", "), o, cred.Provider, ui.Optional(" --account %s", cred.Account))
}

// origin is scheme://host[:port] of rawURL, lower-cased; "" when it has none.
func origin(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}
