package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
)

// noRedirect is an HTTP client that shows redirects instead of following
// them, as a browser's callback would see them.
func noRedirect() *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// clientCtx makes golang.org/x/oauth2 use a client with a deadline.
func clientCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Timeout: 10 * time.Second})
}

// authorize GETs an authorize URL and returns the redirect's query; it fails
// the test unless the answer is a redirect to redirectPrefix.
func authorize(t *testing.T, authURL, redirectPrefix string) url.Values {
	t.Helper()
	resp, err := noRedirect().Get(authURL)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d, want 302; body %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, redirectPrefix) {
		t.Fatalf("authorize redirected to %q, want prefix %q", loc, redirectPrefix)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("redirect location: %v", err)
	}
	return u.Query()
}

// authorizeRefused expects the authorize endpoint to refuse without
// redirecting (unknown client, unregistered redirect URI).
func authorizeRefused(t *testing.T, authURL string) string {
	t.Helper()
	resp, err := noRedirect().Get(authURL)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Fatalf("authorize: status %d location %q, want 400 without redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	return string(body)
}

// do sends a request, without following redirects, and returns the status,
// headers and body.
func do(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := noRedirect().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, resp.Header, body
}

// postForm POSTs form-encoded values, with Basic credentials when user is set.
func postForm(t *testing.T, target string, form url.Values, user, pass string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	return do(t, req)
}

// get GETs target with an Authorization header value (may be empty).
func get(t *testing.T, target, authorization string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return do(t, req)
}

// decode unmarshals a JSON body or fails the test.
func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

// retrieveError asserts err is an oauth2 RetrieveError with code and HTTP status.
func retrieveError(t *testing.T, err error, code string, status int) {
	t.Helper()
	re, ok := err.(*oauth2.RetrieveError)
	if !ok {
		t.Fatalf("error = %v (%T), want *oauth2.RetrieveError %s", err, err, code)
	}
	if re.ErrorCode != code || re.Response.StatusCode != status {
		t.Fatalf("error code %q status %d, want %q %d (body %s)", re.ErrorCode, re.Response.StatusCode, code, status, re.Body)
	}
}

// pkce returns a verifier and the authorize options carrying its challenge.
func pkce() (string, oauth2.AuthCodeOption) {
	v := oauth2.GenerateVerifier()
	return v, oauth2.S256ChallengeOption(v)
}

// seedWith returns the default seed changed by edit.
func seedWith(edit func(*sandbox.Seed)) *sandbox.Seed {
	s := sandbox.DefaultSeed()
	edit(s)
	return s
}
