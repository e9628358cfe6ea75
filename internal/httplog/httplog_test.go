package httplog

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"no query", "https://discord.com/api/v10/users/@me", "https://discord.com/api/v10/users/@me"},
		{"callback", "http://127.0.0.1:5000/callback?code=SECRETCODE&state=STATE123&iss=https%3A%2F%2Fid",
			"http://127.0.0.1:5000/callback?code=[redacted]&state=[redacted]&iss=https%3A%2F%2Fid"},
		{"case-insensitive name", "https://x/?Access_Token=abc&limit=200", "https://x/?Access_Token=[redacted]&limit=200"},
		{"encoded name", "https://x/?client%5Fsecret=s3cr3t", "https://x/?client%5Fsecret=[redacted]"},
		{"authorize URL keeps public params", "https://x/authorize?client_id=123&code_challenge=CH&redirect_uri=http%3A%2F%2F127.0.0.1",
			"https://x/authorize?client_id=123&code_challenge=[redacted]&redirect_uri=http%3A%2F%2F127.0.0.1"},
		{"user info", "https://user:pass@x/y", "https://%5Bredacted%5D@x/y"},
		{"fragment", "http://127.0.0.1/cb#access_token=abc", "http://127.0.0.1/cb#[redacted]"},
		{"bad escape redacted whole", "https://x/?a%zz=1&token=t", "https://x/?[redacted]&token=[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := RedactURL(u); got != tt.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

type fakeTransport struct {
	status int
	err    error
}

func (f fakeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if f.err != nil {
		return nil, &url.Error{Op: req.Method, URL: req.URL.String(), Err: f.err}
	}
	return &http.Response{StatusCode: f.status, Status: http.StatusText(f.status), Body: http.NoBody, Request: req}, nil
}

func TestTransportTracesWithoutSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		base fakeTransport
		want []string
	}{
		{"success", fakeTransport{status: 200}, []string{`^→ POST https://x/token\?code=\[redacted\]&grant_type=authorization_code$`, `^← OK \(\d+(ms|s|µs|ns)\)$`}},
		{"failure", fakeTransport{err: errors.New("connection refused")}, []string{`^→ POST `, `^← POST https://x/token\?code=\[redacted\]&grant_type=authorization_code failed after .*: connection refused$`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			client := &http.Client{Transport: &Transport{Base: tt.base, Out: &out}}
			req, _ := http.NewRequest(http.MethodPost, "https://x/token?code=PLANTEDCODE&grant_type=authorization_code", strings.NewReader("client_secret=PLANTEDSECRET"))
			req.Header.Set("Authorization", "Bearer PLANTEDTOKEN")
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("trace = %q, want %d lines", out.String(), len(tt.want))
			}
			for i, re := range tt.want {
				if !regexp.MustCompile(re).MatchString(lines[i]) {
					t.Errorf("line %d = %q, want match for %s", i, lines[i], re)
				}
			}
			for _, secret := range []string{"PLANTEDCODE", "PLANTEDSECRET", "PLANTEDTOKEN"} {
				if strings.Contains(out.String(), secret) {
					t.Errorf("trace leaks %s: %q", secret, out.String())
				}
			}
		})
	}
}

// FuzzRedactURL checks that no secret parameter of any URL keeps its value.
func FuzzRedactURL(f *testing.F) {
	f.Add("http://127.0.0.1:5000/callback?code=abc&state=xyz")
	f.Add("https://x/token?CLIENT_SECRET=s&a=1&refresh%5Ftoken=r")
	f.Add("https://u:p@x/#access_token=t")
	f.Add("https://x/?token=a&token=b&=&&code")
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		out := RedactURL(u)
		parsed, err := url.Parse(out)
		if err != nil {
			return // an unparseable input stays unparseable; nothing was decoded from it
		}
		for name, values := range parsed.Query() {
			if !secretParams[strings.ToLower(name)] {
				continue
			}
			for _, v := range values {
				if v != Redacted && v != "" {
					t.Fatalf("RedactURL(%q) = %q keeps %s=%q", raw, out, name, v)
				}
			}
		}
		if _, hasPassword := parsed.User.Password(); hasPassword || (u.User != nil && parsed.User.Username() != Redacted) {
			t.Fatalf("RedactURL(%q) = %q keeps the user info", raw, out)
		}
	})
}
