package sandbox_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// consentRequest opens the consent page over HTTP and returns its request id.
func consentRequest(t *testing.T, srv *sandbox.Server) string {
	t.Helper()
	conf := githubConfig(srv.URL(), sandbox.GitHubClientID, sandbox.GitHubClientSecret, "http://127.0.0.1:4000/callback")
	status, h, body := get(t, conf.AuthCodeURL("s"), "")
	m := regexp.MustCompile(`name="request" value="([^"]+)"`).FindSubmatch(body)
	if status != 200 || m == nil || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("consent page: %d %s", status, body)
	}
	for _, want := range []string{`id="authorize"`, `id="cancel"`, "read:user", sandbox.AliceUsername, sandbox.BobUsername} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("consent page lacks %q", want)
		}
	}
	return string(m[1])
}

// The consent form is single use, and refuses unknown requests and users.
func TestConsentForm(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	consent := srv.URL() + "/_sandbox/consent"
	id := consentRequest(t, srv)
	status, h, _ := postForm(t, consent, url.Values{"request": {id}, "user": {sandbox.AliceUsername}, "action": {"approve"}}, "", "")
	if status != 302 || !strings.Contains(h.Get("Location"), "code=") {
		t.Fatalf("approve: %d %v", status, h)
	}
	if status, _, _ := postForm(t, consent, url.Values{"request": {id}, "user": {sandbox.AliceUsername}, "action": {"approve"}}, "", ""); status != 400 {
		t.Fatalf("replayed consent: %d, want 400", status)
	}
	if status, _, _ := postForm(t, consent, url.Values{"request": {"forged"}, "action": {"approve"}}, "", ""); status != 400 {
		t.Fatalf("unknown request: %d, want 400", status)
	}
	if status, _, body := postForm(t, consent, url.Values{"request": {consentRequest(t, srv)}, "user": {"mallory"}, "action": {"approve"}}, "", ""); status != 400 || !strings.Contains(string(body), "Unknown user") {
		t.Fatalf("unknown user: %d %s", status, body)
	}
}
