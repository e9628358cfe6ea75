package sandbox

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/authctl/authctl/internal/nofollow"
)

// WriteConfig writes ConfigYAML with the file store in a state directory of
// its own, so that sandbox credentials never mix with real ones (nor real
// ones reach the sandbox), and returns the file's path. The state directory
// is a fresh private one (0700, unpredictable name) under tempDir; the file
// is path, or config.yaml beside the state directory when path is empty. It
// is created 0600 without following a symlink, and the default one only if
// it did not exist. When the file cannot be written, the state directory is
// removed again.
func (s *Server) WriteConfig(tempDir, path string) (string, error) {
	dir, err := os.MkdirTemp(tempDir, "authctl-sandbox-")
	if err != nil {
		return "", fmt.Errorf("create the sandbox's state directory: %w", err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC | nofollow.Flag
	if path == "" {
		path, flags = filepath.Join(dir, "config.yaml"), os.O_WRONLY|os.O_CREATE|os.O_EXCL|nofollow.Flag
	}
	content := fmt.Sprintf("store: file\nstate_dir: %q\n%s", filepath.Join(dir, "state"), s.ConfigYAML())
	file, err := os.OpenFile(path, flags, 0o600)
	if err == nil {
		_, err = file.WriteString(content)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		_ = os.RemoveAll(dir) // the state directory of a config that was not written
		return "", fmt.Errorf("write config: %w", err)
	}
	return path, nil
}

// ConfigYAML is an authctl configuration whose providers discord, github,
// github-app, slack, sentry and oidc point every URL at this server with the
// seeded clients. It needs Start to have been called.
func (s *Server) ConfigYAML() string {
	base := s.URL()
	var b strings.Builder
	fmt.Fprintf(&b, "# authctl configuration for the sandbox at %s\nproviders:\n", base)
	entry := func(name, kind, clientID, secret string, scopes []string, extra string, urls [][2]string) {
		fmt.Fprintf(&b, "  %s:\n    kind: %s\n    client_id: %q\n", name, kind, clientID)
		if secret != "" {
			fmt.Fprintf(&b, "    client_secret: %q\n", secret)
		}
		if len(scopes) > 0 {
			quoted := make([]string, len(scopes))
			for i, sc := range scopes {
				quoted[i] = fmt.Sprintf("%q", sc)
			}
			fmt.Fprintf(&b, "    scopes: [%s]\n", strings.Join(quoted, ", "))
		}
		b.WriteString(extra)
		for _, u := range urls {
			fmt.Fprintf(&b, "    %s: %q\n", u[0], u[1])
		}
	}
	if a := s.firstApp(KindDiscord); a != nil {
		entry("discord", KindDiscord, a.ClientID, a.ClientSecret, []string{"identify", "guilds", "guilds.members.read"},
			redirectPorts(a), [][2]string{
				{"auth_url", base + "/oauth2/authorize"}, {"token_url", base + "/api/oauth2/token"},
				{"revoke_url", base + "/api/oauth2/token/revoke"}, {"device_url", ""}, {"api_url", base + "/api/v10"},
			})
	}
	githubURLs := [][2]string{
		{"auth_url", base + "/login/oauth/authorize"}, {"token_url", base + "/login/oauth/access_token"},
		{"device_url", base + "/login/device/code"}, {"api_url", base},
	}
	for _, a := range s.appsOf(KindGitHub) {
		name := "github"
		if a.ExpiringTokens {
			name = "github-app"
		}
		entry(name, KindGitHub, a.ClientID, a.ClientSecret, []string{"read:user"}, redirectPorts(a), githubURLs)
	}
	if a := s.firstApp(KindSlack); a != nil {
		entry("slack", KindSlack, a.ClientID, a.ClientSecret, []string{"users:read"}, "    redirect_host: localhost\n"+redirectPorts(a), [][2]string{
			{"auth_url", base + "/oauth/v2/authorize"}, {"token_url", base + "/api/oauth.v2.access"},
			{"revoke_url", base + "/api/auth.revoke"}, {"device_url", ""}, {"api_url", base + "/api"},
		})
	}
	if a := s.firstApp(KindSentry); a != nil {
		entry("sentry", KindSentry, a.ClientID, a.ClientSecret, []string{"org:read"}, "", [][2]string{
			{"auth_url", base + "/oauth/authorize/"}, {"token_url", base + "/oauth/token/"},
			{"revoke_url", base + "/oauth/revoke/"}, {"device_url", base + "/oauth/device/code/"}, {"api_url", base + "/api/0"},
		})
	}
	if a := s.firstApp(KindOIDC); a != nil {
		entry("oidc", KindOIDC, a.ClientID, a.ClientSecret, nil, fmt.Sprintf("    issuer: %q\n", base+"/oidc"), nil)
	}
	return b.String()
}

// redirectPorts is the redirect_ports line for an app whose first registered
// redirect URI has a port: Discord, Slack (localhost) and GitHub Apps match it
// exactly, so authctl must listen on it.
func redirectPorts(a *App) string {
	if len(a.RedirectURIs) == 0 {
		return ""
	}
	if u, err := url.Parse(a.RedirectURIs[0]); err == nil && u.Port() != "" {
		return fmt.Sprintf("    redirect_ports: [%s]\n", u.Port())
	}
	return ""
}

// firstApp prefers a confidential app: the configuration carries its secret.
func (s *Server) firstApp(kind string) *App {
	var public *App
	for _, a := range s.appsOf(kind) {
		if !a.Public {
			return a
		}
		if public == nil {
			public = a
		}
	}
	return public
}

// appsOf lists the apps of kind, keeping at most one per GitHub flavour.
func (s *Server) appsOf(kind string) []*App {
	var out []*App
	seenFlavour := map[bool]bool{}
	for i := range s.seed.Apps {
		a := &s.seed.Apps[i]
		if a.Kind != kind || seenFlavour[a.ExpiringTokens] && kind == KindGitHub {
			continue
		}
		seenFlavour[a.ExpiringTokens] = true
		out = append(out, a)
	}
	return out
}
