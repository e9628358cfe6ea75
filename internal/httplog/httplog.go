// Package httplog traces HTTP exchanges for --verbose: method, URL with
// secret query values redacted, status and timing. Headers and bodies are
// never printed: they carry tokens and client secrets.
package httplog

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Redacted replaces every secret value in the trace.
const Redacted = "[redacted]"

// secretParams are query parameters whose values are never shown (compared
// lower-case).
var secretParams = map[string]bool{
	"code":                 true,
	"state":                true,
	"nonce":                true,
	"access_token":         true,
	"refresh_token":        true,
	"id_token":             true,
	"token":                true,
	"client_secret":        true,
	"code_verifier":        true,
	"code_challenge":       true,
	"device_code":          true,
	"user_code":            true,
	"password":             true,
	"secret":               true,
	"key":                  true,
	"api_key":              true,
	"apikey":               true,
	"signature":            true,
	"sig":                  true,
	"assertion":            true,
	"client_assertion":     true,
	"subject_token":        true,
	"authorization":        true,
	"x-amz-signature":      true,
	"x-amz-security-token": true,
}

// Transport logs each request and its outcome to Out, then hands the request
// to Base (http.DefaultTransport when nil).
type Transport struct {
	Base http.RoundTripper
	Out  io.Writer
	// mu keeps the lines of concurrent requests whole.
	mu sync.Mutex
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	t.printf("→ %s %s\n", req.Method, RedactURL(req.URL))
	start := time.Now()
	resp, err := base.RoundTrip(req)
	elapsed := time.Since(start).Round(time.Millisecond)
	if err != nil {
		t.printf("← %s %s failed after %s: %s\n", req.Method, RedactURL(req.URL), elapsed, redactError(err, req.URL))
		return nil, err
	}
	t.printf("← %s (%s)\n", resp.Status, elapsed)
	return resp, nil
}

func (t *Transport) printf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.Out, format, args...)
}

// RedactURL returns u as text with user info and the values of secret query
// parameters and the fragment replaced by [redacted].
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(Redacted)
	}
	if c.RawQuery != "" {
		c.RawQuery = redactQuery(c.RawQuery)
	}
	if c.Fragment != "" || c.RawFragment != "" {
		// Implicit-flow fragments carry tokens; none of ours carry anything else.
		c.Fragment, c.RawFragment = "", ""
		return strings.TrimSuffix(c.String(), "#") + "#" + Redacted
	}
	return c.String()
}

// redactQuery keeps the parameter order and names, replacing secret values.
// Unparseable pairs are redacted whole rather than guessed at.
func redactQuery(raw string) string {
	parts := strings.Split(raw, "&")
	for i, part := range parts {
		name, _, hasValue := strings.Cut(part, "=")
		decoded, err := url.QueryUnescape(name)
		if err != nil {
			parts[i] = Redacted
			continue
		}
		if hasValue && secretParams[strings.ToLower(decoded)] {
			parts[i] = name + "=" + Redacted
		}
	}
	return strings.Join(parts, "&")
}

// redactError keeps a transport error's message but not the raw URL it
// usually embeds.
func redactError(err error, u *url.URL) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return strings.ReplaceAll(err.Error(), u.String(), RedactURL(u))
}
