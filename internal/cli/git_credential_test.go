package cli

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/store"
	"github.com/authctl/authctl/internal/ui"
)

// runWithStdin runs authctl in-process with stdin, the environment env and the credential
// backend (nil: the one the environment selects).
func runWithStdin(t *testing.T, env map[string]string, backend func(string, string, io.Writer) (store.Store, error), stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, in, out, errOut := ui.Test()
	in.WriteString(stdin)
	f := newTestFactory(t, ios, env)
	f.OpenStore = backend
	code = Run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

// gitHost is the host git names for the sandbox: 127.0.0.1:PORT.
func gitHost(t *testing.T, srv *sandbox.Server) string {
	t.Helper()
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// installationSandbox is appSandbox whose config's git section maps the sandbox's host and the
// installation's owner to the sandbox's GitHub App; it returns the server, the env, the config
// path and the host.
func installationSandbox(t *testing.T) (*sandbox.Server, map[string]string, string, string) {
	t.Helper()
	srv, env, cfg, keyFile := appSandbox(t)
	host := gitHost(t, srv)
	addProviders(t, cfg, "git:\n  "+host+":\n    installations:\n      - owner: "+sandbox.GitHubInstallationOrg+"\n        app_id: \""+strconv.Itoa(sandbox.GitHubAppID)+"\"\n        private_key_file: "+keyFile+"\n        provider: github-app\n")
	return srv, env, cfg, host
}

func TestGitCredentialUserToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	host := gitHost(t, w.srv)
	get := "protocol=http\nhost=" + host + "\npath=sandbox-org/widgets.git\n\n"
	cfgPath := w.env["AUTHCTL_CONFIG"]

	code, stdout, stderr := runWithStdin(t, w.env, w.credentials, get, "git-credential", "get")
	if code != exitcode.Auth || stdout != "" || !strings.Contains(stderr, "not logged in to github") {
		t.Fatalf("before login: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// Two kind-github entries are on the sandbox's host; the one named github wins.
	oauthApp := w.login(t, "github")
	code, stdout, stderr = runWithStdin(t, w.env, w.credentials, get, "git-credential", "get")
	if want := "username=x-access-token\npassword=" + oauthApp.AccessToken + "\n\n"; code != 0 || stdout != want || stderr != "" {
		t.Fatalf("get: exit %d, stdout is the github token: %v, stderr %q", code, stdout == want, stderr)
	}

	// The config names another entry for the host; its token expires, so git learns when.
	app := w.login(t, "github-app")
	addProviders(t, cfgPath, "git:\n  "+host+":\n    provider: github-app\n")
	w.srv.ResetCounts()
	code, stdout, _ = runWithStdin(t, w.env, w.credentials, get, "git-credential", "get")
	want := "username=x-access-token\npassword=" + app.AccessToken + "\npassword_expiry_utc=" + strconv.FormatInt(app.Expiry.Unix(), 10) + "\n\n"
	if code != 0 || stdout != want {
		t.Fatalf("get with git: HOST: provider: exit %d, stdout is the github-app answer: %v", code, stdout == want)
	}
	if n := w.srv.TotalCount(); n != 0 {
		t.Errorf("a fresh token took %d requests", n)
	}

	// An expired token is refreshed first.
	expireStored(t, w, "github-app")
	code, stdout, stderr = runWithStdin(t, w.env, w.credentials, get, "git-credential", "get")
	if fresh := w.stored(t, "github-app"); code != 0 || fresh.AccessToken == app.AccessToken || !strings.Contains(stdout, "password="+fresh.AccessToken+"\n") {
		t.Errorf("expired token: exit %d, stderr %q, answered the refreshed token: %v", code, stderr, strings.Contains(stdout, fresh.AccessToken))
	}

	for _, tt := range []struct{ name, stdin, op string }{
		{"another host", "protocol=https\nhost=gitlab.com\n\n", "get"},
		{"plain http to a non-loopback host", "protocol=http\nhost=github.com\n\n", "get"},
		{"store", "protocol=http\nhost=" + host + "\nusername=x-access-token\npassword=x\n\n", "store"},
		{"erase of a user token", "protocol=http\nhost=" + host + "\nusername=x-access-token\npassword=x\n\n", "erase"},
		{"an operation git may add later", "protocol=http\nhost=" + host + "\n\n", "capability"},
	} {
		code, stdout, stderr := runWithStdin(t, w.env, w.credentials, tt.stdin, "git-credential", tt.op)
		if code != 0 || stdout != "" || stderr != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want nothing at all", tt.name, code, stdout, stderr)
		}
	}
	if w.stored(t, "github-app").AccessToken == "" {
		t.Error("erase removed the user's login")
	}

	code, stdout, stderr = runWithStdin(t, w.env, w.credentials, "protocol\n", "git-credential", "get")
	if code != exitcode.Usage || stdout != "" || !strings.Contains(stderr, "not key=value") {
		t.Errorf("malformed request: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = runWithStdin(t, w.env, w.credentials, "", "git-credential")
	if code != exitcode.Usage || !strings.Contains(stderr, "accepts 1 arg") {
		t.Errorf("no operation: exit %d, stderr %q", code, stderr)
	}
}

func TestGitCredentialInstallationTokenMintsOnce(t *testing.T) {
	srv, env, cfg, host := installationSandbox(t)
	env["AUTHCTL_CONFIG"] = cfg
	request := func(repo, extra string) string {
		return "protocol=http\nhost=" + host + "\npath=" + sandbox.GitHubInstallationOrg + "/" + repo + ".git\n" + extra + "\n"
	}

	var token string
	for _, repo := range []string{"widgets", "gadgets", "widgets"} {
		code, stdout, stderr := runWithStdin(t, env, nil, request(repo, ""), "git-credential", "get")
		password, expiry := answerField(stdout, "password"), answerField(stdout, "password_expiry_utc")
		if code != 0 || !strings.HasPrefix(password, "ghs_") || expiry == "" || !strings.HasPrefix(stdout, "username=x-access-token\n") {
			t.Fatalf("%s: exit %d, stdout has a ghs_ password: %v, expiry %q, stderr %q", repo, code, strings.HasPrefix(password, "ghs_"), expiry, stderr)
		}
		if token != "" && password != token {
			t.Errorf("%s: another token than the first", repo)
		}
		token = password
	}
	if n := srv.Count(http.MethodPost, tokensPath); n != 1 {
		t.Errorf("three gets for one installation minted %d tokens, want 1", n)
	}

	// erase of another token leaves the cache; of the cached one, drops it.
	if code, _, stderr := runWithStdin(t, env, nil, request("widgets", "username=x-access-token\npassword=ghs_other\n"), "git-credential", "erase"); code != 0 {
		t.Fatalf("erase: exit %d, %s", code, stderr)
	}
	_, stdout, _ := runWithStdin(t, env, nil, request("widgets", ""), "git-credential", "get")
	if answerField(stdout, "password") != token || srv.Count(http.MethodPost, tokensPath) != 1 {
		t.Fatal("erase of a token that is not cached dropped the cache")
	}
	if code, _, stderr := runWithStdin(t, env, nil, request("widgets", "username=x-access-token\npassword="+token+"\n"), "git-credential", "erase"); code != 0 {
		t.Fatalf("erase: exit %d, %s", code, stderr)
	}
	_, stdout, _ = runWithStdin(t, env, nil, request("widgets", ""), "git-credential", "get")
	if answerField(stdout, "password") == token || srv.Count(http.MethodPost, tokensPath) != 2 {
		t.Errorf("after erase of the cached token: same token again %v, %d mints (want 2)", answerField(stdout, "password") == token, srv.Count(http.MethodPost, tokensPath))
	}
}

// answerField is the value of key in a credential helper's answer.
func answerField(answer, key string) string {
	for line := range strings.SplitSeq(answer, "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v
		}
	}
	return ""
}

// A token goes only to a host the entry has a URL on, even when the config names the entry.
func TestGitCredentialNamedEntryOfAnotherHost(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.login(t, "discord")
	addProviders(t, w.env["AUTHCTL_CONFIG"], "git:\n  github.com:\n    provider: discord\n")
	code, stdout, stderr := runWithStdin(t, w.env, w.credentials, "protocol=https\nhost=github.com\n\n", "git-credential", "get")
	if code != exitcode.Usage || stdout != "" || !strings.Contains(stderr, "never sent elsewhere") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
