package gitcred

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     Request
		err      string
	}{
		{"get", "protocol=https\nhost=github.com\n\n", Request{Protocol: "https", Host: "github.com"}, ""},
		{"path and unknown keys", "protocol=http\nhost=127.0.0.1:8080\npath=o/r.git\nwwwauth[]=Basic realm=\"GitHub\"\ncapability[]=authtype\n", Request{Protocol: "http", Host: "127.0.0.1:8080", Path: "o/r.git"}, ""},
		{"erase with password", "protocol=https\nhost=github.com\nusername=x-access-token\npassword=ghs_x\n\nignored=after blank\n", Request{Protocol: "https", Host: "github.com", Username: "x-access-token", Password: "ghs_x"}, ""},
		{"url line, userinfo dropped", "url=https://someone@github.com/o/r.git\n", Request{Protocol: "https", Host: "github.com", Path: "o/r.git"}, ""},
		{"crlf", "protocol=https\r\nhost=github.com\r\n\r\n", Request{Protocol: "https", Host: "github.com"}, ""},
		{"empty", "", Request{}, ""},
		{"no equals", "protocol\n", Request{}, "not key=value"},
		{"nul", "host=a\x00b\n", Request{}, "NUL"},
		{"url without scheme", "url=github.com/o/r\n", Request{}, "no scheme"},
		{"too long a line", "host=" + strings.Repeat("a", maxRequestBytes) + "\n", Request{}, "credential request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadRequest(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err = %v, want one line with %q", err, tt.err)
				}
				return
			}
			if err != nil || *got != tt.want {
				t.Fatalf("ReadRequest = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestAnswerWrite(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	a := &Answer{Username: Username, Password: "ghs_abc", Expiry: time.Unix(1700000000, 0)}
	if err := a.Write(&b); err != nil {
		t.Fatal(err)
	}
	if want := "username=x-access-token\npassword=ghs_abc\npassword_expiry_utc=1700000000\n\n"; b.String() != want {
		t.Errorf("answer = %q, want %q", b.String(), want)
	}
	b.Reset()
	if err := (&Answer{Username: Username, Password: "tok"}).Write(&b); err != nil || b.String() != "username=x-access-token\npassword=tok\n\n" {
		t.Errorf("non-expiring answer = %q, %v", b.String(), err)
	}
	for _, bad := range []string{"", "a\nprotocol=http", "a\x00", "a\r"} {
		b.Reset()
		if err := (&Answer{Username: Username, Password: bad}).Write(&b); !errors.Is(err, ErrUnsafeValue) || b.Len() != 0 {
			t.Errorf("password %q: err %v, wrote %q", bad, err, b.String())
		}
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(writeConfig(t, `
providers:
  github: {client_id: x}
git:
  GitHub.com:
    provider: work
    installations:
      - {owner: acme, app_id: "1", private_key_file: k.pem}
      - {owner: acme, repo: site, app_id: "2", private_key_env: KEY}
      - {installation: 7, app_id: "3", private_key_file: k.pem}
`))
	if err != nil {
		t.Fatal(err)
	}
	if h := cfg.Hosts["github.com"]; h.Provider != "work" || len(h.Installations) != 3 {
		t.Fatalf("hosts = %+v", cfg.Hosts)
	}
	for _, tt := range []struct{ host, path, app string }{
		{"github.com", "acme/site.git", "2"},
		{"github.com", "ACME/Site", "2"},
		{"github.com", "acme/other.git", "1"},
		{"github.com", "someone/else.git", "3"},
		{"github.com", "", "3"},
		{"GITHUB.COM", "acme/x", "1"},
	} {
		in, ok := cfg.Installation(tt.host, tt.path)
		if !ok || in.AppID != tt.app {
			t.Errorf("Installation(%q, %q) = %+v, %v; want app %s", tt.host, tt.path, in, ok, tt.app)
		}
	}
	if in, ok := cfg.Installation("ghe.example.com", "acme/site"); ok {
		t.Errorf("another host got %+v", in)
	}

	for _, missing := range []string{"", filepath.Join(t.TempDir(), "absent.yaml")} {
		if cfg, err := LoadConfig(missing); err != nil || len(cfg.Hosts) != 0 {
			t.Errorf("LoadConfig(%q) = %+v, %v", missing, cfg, err)
		}
	}
}

func TestLoadConfigRejects(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ body, want string }{
		{`{repo: r, owner: "", app_id: "1", private_key_file: k}`, "repo needs owner"},
		{`{owner: a/b, app_id: "1", private_key_file: k}`, "without '/'"},
		{`{app_id: "1", private_key_file: k}`, "installation (the id) is needed"},
		{`{owner: a, private_key_file: k}`, "app_id is needed"},
		{`{owner: a, app_id: x, private_key_file: k}`, "not a number"},
		{`{owner: a, app_id: "1"}`, "private_key_file or private_key_env"},
		{`{owner: a, app_id: "1", private_key_file: k, private_key_env: K}`, "private_key_file or private_key_env"},
		{`{owner: a, app_id: "1", private_key_file: k, installation: -1}`, "positive"},
	} {
		path := writeConfig(t, "git:\n  github.com:\n    installations:\n      - "+tt.body+"\n")
		_, err := LoadConfig(path)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one line with %q", tt.body, err, tt.want)
		}
	}
	if _, err := LoadConfig(writeConfig(t, "git: [1, 2\n")); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("malformed YAML: %v", err)
	}
}

type fakeTokens struct {
	calls []string
	err   error
}

func (f *fakeTokens) Token(_ context.Context, entry string) (string, time.Time, error) {
	f.calls = append(f.calls, entry)
	return "user-" + entry, time.Time{}, f.err
}

type fakeInstallations struct{ dropped []string }

func (f *fakeInstallations) Token(_ context.Context, in *Installation) (string, time.Time, error) {
	return "ghs_" + in.AppID, time.Unix(1700000000, 0), nil
}

func (f *fakeInstallations) Drop(_ context.Context, in *Installation, token string) error {
	f.dropped = append(f.dropped, in.AppID+":"+token)
	return nil
}

func TestResolver(t *testing.T) {
	t.Parallel()
	entries := []Entry{
		{Name: "github", URLs: []string{"https://github.com/login/oauth/authorize", "https://api.github.com"}},
		{Name: "github-bot", URLs: []string{"https://github.com/login/oauth/authorize"}},
		{Name: "ghe", URLs: []string{"https://ghe.example.com:443/login/oauth/authorize", "https://ghe.example.com/api/v3"}},
		{Name: "ghe-b", URLs: []string{"https://ghe2.example.com/login"}},
		{Name: "ghe-c", URLs: []string{"https://ghe2.example.com/api/v3"}},
		{Name: "sandbox", URLs: []string{"http://127.0.0.1:8080/login/oauth/authorize"}},
		{Name: "chosen", URLs: []string{"https://named.example.com/login/oauth/authorize"}},
		{Name: "other", URLs: []string{"https://named.example.com/api/v3"}},
	}
	cfg, err := LoadConfig(writeConfig(t, `
git:
  named.example.com: {provider: chosen}
  elsewhere.example.com: {provider: github}
  127.0.0.1:8080:
    installations: [{owner: sandbox-org, app_id: "42", private_key_file: k.pem}]
`))
	if err != nil {
		t.Fatal(err)
	}
	users, apps := &fakeTokens{}, &fakeInstallations{}
	var warn bytes.Buffer
	r := &Resolver{Config: cfg, Users: users, Installations: apps, Warn: &warn,
		Entries: func(context.Context) []Entry { return entries }}
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		req  Request
		want string // password; "" for no answer
		err  string
	}{
		{"github.com: the entry named github wins", Request{Protocol: "https", Host: "github.com"}, "user-github", ""},
		{"enterprise host, default port", Request{Protocol: "https", Host: "ghe.example.com"}, "user-ghe", ""},
		{"config names the entry", Request{Protocol: "https", Host: "named.example.com"}, "user-chosen", ""},
		{"config names an entry of another host", Request{Protocol: "https", Host: "elsewhere.example.com"}, "", "never sent elsewhere"},
		{"several and none named github", Request{Protocol: "https", Host: "ghe2.example.com"}, "", "name one in the config"},
		{"other host", Request{Protocol: "https", Host: "gitlab.com"}, "", ""},
		{"http to a remote host never", Request{Protocol: "http", Host: "github.com"}, "", ""},
		{"ssh never", Request{Protocol: "ssh", Host: "github.com"}, "", ""},
		{"api.github.com is a host of the github entry too", Request{Protocol: "https", Host: "api.github.com"}, "user-github", ""},
		{"sandbox user token over loopback http", Request{Protocol: "http", Host: "127.0.0.1:8080", Path: "alice/notes.git"}, "user-sandbox", ""},
		{"sandbox without a path: owner mappings do not apply", Request{Protocol: "http", Host: "127.0.0.1:8080"}, "user-sandbox", ""},
		{"sandbox installation by owner", Request{Protocol: "http", Host: "127.0.0.1:8080", Path: "sandbox-org/widgets.git"}, "ghs_42", ""},
		{"https scheme does not match an http entry", Request{Protocol: "https", Host: "127.0.0.1:8080"}, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := r.Get(ctx, &tt.req)
			if tt.err != "" {
				var cfgErr *UsageError
				if !errors.As(err, &cfgErr) || cfgErr.ExitCode() != 2 || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want a configuration error (exit 2) with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if a != nil {
				got = a.Password
				if a.Username != Username {
					t.Errorf("username = %q", a.Username)
				}
			}
			if got != tt.want {
				t.Errorf("password = %q, want %q", got, tt.want)
			}
		})
	}

	// The two requests for 127.0.0.1:8080 without a path get the hint, one line each.
	if lines := strings.Split(strings.TrimSpace(warn.String()), "\n"); len(lines) != 2 || !strings.Contains(lines[0], "credential.http://127.0.0.1:8080.useHttpPath") {
		t.Errorf("hints = %q, want one line per request without a path", warn.String())
	}

	if err := r.Erase(ctx, &Request{Protocol: "http", Host: "127.0.0.1:8080", Path: "sandbox-org/w", Password: "ghs_42"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Erase(ctx, &Request{Protocol: "https", Host: "github.com", Password: "user-github"}); err != nil {
		t.Fatal(err)
	}
	if len(apps.dropped) != 1 || apps.dropped[0] != "42:ghs_42" {
		t.Errorf("dropped = %v, want only the installation token", apps.dropped)
	}

	users.err = errors.New("not logged in")
	if _, err := r.Get(ctx, &Request{Protocol: "https", Host: "github.com"}); err == nil {
		t.Error("a missing login must be an error")
	}
}
