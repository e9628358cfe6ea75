package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/ui"
	"github.com/authctl/authctl/internal/webhook"
)

// runWebhook runs authctl with stdin, an environment and a fixed clock.
func runWebhook(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, in, out, errOut := ui.Test()
	in.WriteString(stdin)
	f := &cmdutil.Factory{
		IO:     ios,
		Global: &cmdutil.GlobalOptions{Output: ui.FormatText},
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return time.Unix(1_700_000_100, 0) },
	}
	code = Run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

const (
	ghSecret = "It's a Secret to Everybody"
	ghSig    = "X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	ghBody   = "Hello, World!"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWebhookVerifyExitCodes(t *testing.T) {
	t.Parallel()
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": ghSecret, "OTHER": "x"}
	secretFile := writeFile(t, "secret", ghSecret+"\n")
	request := writeFile(t, "req.http", "POST /h HTTP/1.1\r\nContent-Length: 13\r\n"+ghSig+"\r\n\r\n"+ghBody)
	smuggled := writeFile(t, "smuggled.http", "POST /h HTTP/1.1\r\nContent-Length: 13\r\n"+ghSig+"\r\n\r\n"+ghBody+"POST /admin HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
	escapes := writeFile(t, "escapes.http", "POST /h HTTP/1.1\r\nX-Evil \x1b]0;PWNED\x07: 1\r\n\r\n")
	truncated := writeFile(t, "short.http", "POST /h HTTP/1.1\r\nContent-Length: 99\r\n"+ghSig+"\r\n\r\n"+ghBody)
	slackArgs := []string{"webhook", "verify", "slack", "--body", "-", "-H", "X-Slack-Request-Timestamp: 1700000000", "-H", "X-Slack-Signature: v0=3df9f4f80d7e11c365711ffa13a0d877874ef9d96f5e7f66b5f6e144f6d798bd"}
	slackEnv := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "8f742231b10e8888abcd99yyyzzz85a5"}
	tests := []struct {
		name    string
		env     map[string]string
		stdin   string
		args    []string
		code    int
		wantErr string // first stderr line contains
	}{
		{"valid", env, ghBody, []string{"webhook", "verify", "github", "--body", "-", "-H", ghSig}, 0, "github signature valid"},
		{"header name any case", env, ghBody, []string{"webhook", "verify", "github", "--body", "-", "-H", strings.ToLower(ghSig)}, 0, "valid"},
		{"secret file, newline trimmed", nil, ghBody, []string{"webhook", "verify", "github", "--secret-file", secretFile, "--body", "-", "-H", ghSig}, 0, "valid"},
		{"raw request", env, "", []string{"webhook", "verify", "github", "--request", request}, 0, "valid"},
		{"slack within tolerance", slackEnv, "token=abc&text=hi", slackArgs, 0, "valid"},
		{"slack stale", slackEnv, "token=abc&text=hi", append(slackArgs, "--tolerance", "1m"), 1, "invalid: stale by 40 s"},
		{"mismatch", env, ghBody + "\n", []string{"webhook", "verify", "github", "--body", "-", "-H", ghSig}, 1, "invalid: signature mismatch"},
		{"wrong secret kind env", map[string]string{"OTHER": "nope"}, ghBody, []string{"webhook", "verify", "github", "--secret-env", "OTHER", "--body", "-", "-H", ghSig}, 1, "invalid: signature mismatch"},
		{"missing header", env, ghBody, []string{"webhook", "verify", "github", "--body", "-"}, 1, "invalid: missing header X-Hub-Signature-256"},
		{"duplicated header", env, ghBody, []string{"webhook", "verify", "github", "--body", "-", "-H", ghSig, "-H", ghSig}, 1, "invalid: malformed header X-Hub-Signature-256: given 2 times"},
		{"discord body over the cap", nil, strings.Repeat("x", 9<<20), []string{"webhook", "verify", "discord", "--public-key", "36d6164ea133cf20c6575d3da52c20e8a3674d1a10b5158c378a6e5c23372049", "--body", "-", "--tolerance", "0", "-H", "X-Signature-Timestamp: 1700000000", "-H", "X-Signature-Ed25519: " + strings.Repeat("ab", 64)}, 1, "invalid: body larger than 8 MiB"},
		{"discord wrong key length", nil, "{}", []string{"webhook", "verify", "discord", "--public-key", "abcd", "--body", "-"}, 2, "verify discord: wrong key length"},
		{"discord never falls back to the shared secret", map[string]string{"AUTHCTL_WEBHOOK_SECRET": "36d6164ea133cf20c6575d3da52c20e8a3674d1a10b5158c378a6e5c23372049"}, "{}", []string{"webhook", "verify", "discord", "--body", "-"}, 2, "give --public-key HEX"},
		{"no secret", nil, ghBody, []string{"webhook", "verify", "github", "--body", "-", "-H", ghSig}, 2, "no secret: use --secret-env"},
		{"secret on argv", env, ghBody, []string{"webhook", "verify", "github", "--secret", "hunter2", "--body", "-", "-H", ghSig}, 2, "--secret is refused"},
		{"secret env unset", env, ghBody, []string{"webhook", "verify", "github", "--secret-env", "NOPE", "--body", "-", "-H", ghSig}, 2, "environment variable NOPE is empty or unset"},
		{"secret file missing", env, ghBody, []string{"webhook", "verify", "github", "--secret-file", "/nonexistent/s", "--body", "-", "-H", ghSig}, 2, "read secret file"},
		{"unknown provider", env, ghBody, []string{"webhook", "verify", "gitlab", "--body", "-"}, 2, `unknown webhook provider "gitlab"`},
		{"unreadable body", env, "", []string{"webhook", "verify", "github", "--body", "/nonexistent/body", "-H", ghSig}, 2, "read body: open /nonexistent/body"},
		{"bad -H", env, ghBody, []string{"webhook", "verify", "github", "--body", "-", "-H", "nocolon"}, 2, "header must look like 'Name: value'"},
		{"no body", env, "", []string{"webhook", "verify", "github", "-H", ghSig}, 2, "give the delivery with --body"},
		{"request and -H", env, "", []string{"webhook", "verify", "github", "--request", request, "-H", ghSig}, 2, "none of the others can be"},
		{"bytes after the body", env, "", []string{"webhook", "verify", "github", "--request", smuggled}, 2, "data after the request body: the request goes on after the 13 bytes"},
		{"request quoting escapes", env, "", []string{"webhook", "verify", "github", "--request", escapes}, 2, `malformed MIME header line: "X-Evil \x1b]0;PWNED\a: 1"`},
		{"truncated request", env, "", []string{"webhook", "verify", "github", "--request", truncated}, 2, "request body truncated: Content-Length 99, got 13 bytes"},
		{"negative tolerance", env, ghBody, []string{"webhook", "verify", "github", "--body", "-", "-H", ghSig, "--tolerance", "-1s"}, 2, "--tolerance must not be negative"},
		{"bad tolerance", env, ghBody, []string{"webhook", "verify", "github", "--body", "-", "--tolerance", "soon"}, 2, "invalid argument"},
		{"public key for github", env, ghBody, []string{"webhook", "verify", "github", "--public-key", "ab", "--body", "-"}, 2, "--public-key is for discord"},
		{"standard with a non-base64 secret", map[string]string{"AUTHCTL_WEBHOOK_SECRET": "whsec_not base64!"}, "{}", []string{"webhook", "verify", "standard", "--body", "-"}, 2, "use authctl webhook verify stripe"},
		{"no provider", env, "", []string{"webhook", "verify"}, 2, "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runWebhook(t, tt.env, tt.stdin, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing in text mode", stdout)
			}
			first, rest, _ := strings.Cut(stderr, "\n")
			if !strings.Contains(first, tt.wantErr) {
				t.Errorf("first stderr line %q, want it to contain %q", first, tt.wantErr)
			}
			if code == exitcode.No {
				for _, l := range strings.Split(strings.TrimSpace(rest), "\n") {
					if l != "" && !strings.HasPrefix(l, "hint: ") {
						t.Errorf("invalid: extra stderr line %q (want one reason line, then hints only)", l)
					}
				}
			}
			if strings.Contains(stderr, "hunter2") || strings.Contains(stderr, ghSecret) {
				t.Errorf("secret leaked to stderr: %q", stderr)
			}
		})
	}
}

func TestWebhookVerifyHints(t *testing.T) {
	t.Parallel()
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": ghSecret}
	_, _, stderr := runWebhook(t, env, ghBody+"\n", "webhook", "verify", "github", "--body", "-", "-H", ghSig)
	if !strings.Contains(stderr, "hint: the body matches without its trailing line end: one was added after the provider signed it") {
		t.Errorf("stderr %q lacks the trailing-newline hint", stderr)
	}
}

func TestWebhookVerifyJSON(t *testing.T) {
	t.Parallel()
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "8f742231b10e8888abcd99yyyzzz85a5"}
	slack := []string{"-o", "json", "webhook", "verify", "slack", "--body", "-", "-H", "X-Slack-Request-Timestamp: 1700000000", "-H", "X-Slack-Signature: v0=3df9f4f80d7e11c365711ffa13a0d877874ef9d96f5e7f66b5f6e144f6d798bd"}
	tests := []struct {
		name, stdin string
		args        []string
		env         map[string]string
		code        int
		valid       bool
		reason      string
		timestamp   any
	}{
		{"valid", "token=abc&text=hi", slack, env, 0, true, "valid", float64(1700000000)},
		{"invalid", "token=abc&text=ho", slack, env, 1, false, "signature mismatch", float64(1700000000)},
		{"stale", "token=abc&text=hi", append(slack, "--tolerance", "10s"), env, 1, false, "stale by 90 s (timestamp 100 s old, tolerance 10 s)", float64(1700000000)},
		{"no timestamp scheme", ghBody, []string{"-o", "json", "webhook", "verify", "github", "--body", "-", "-H", ghSig}, map[string]string{"AUTHCTL_WEBHOOK_SECRET": ghSecret}, 0, true, "valid", nil},
		{"usage", "", []string{"-o", "json", "webhook", "verify", "github", "--body", "-"}, nil, 2, false, "no secret: use --secret-env VAR, --secret-file FILE or set AUTHCTL_WEBHOOK_SECRET", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, _ := runWebhook(t, tt.env, tt.stdin, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d", code, tt.code)
			}
			if strings.Count(stdout, "\n") != 1 {
				t.Fatalf("stdout %q, want exactly one JSON object", stdout)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"provider": tt.args[4], "valid": tt.valid, "reason": tt.reason, "timestamp": tt.timestamp}
			if len(got) != len(want) {
				t.Fatalf("keys %v, want exactly provider, valid, reason, timestamp", got)
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %#v, want %#v", k, got[k], v)
				}
			}
		})
	}
}

// Usage errors cobra raises before verify runs (a bad flag, flags that exclude each other, no
// provider) still give the one JSON object -o json promises, wherever -o json stands.
func TestWebhookVerifyJSONOnCobraUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		provider string
		reason   string
	}{
		{"no provider", []string{"-o", "json", "webhook", "verify"}, "", "accepts 1 arg(s), received 0"},
		{"unknown flag before -o json", []string{"webhook", "verify", "github", "--bogus", "-o", "json"}, "github", "unknown flag: --bogus"},
		{"bad duration", []string{"--output=json", "webhook", "verify", "github", "--tolerance", "soon"}, "github", "invalid argument"},
		{"exclusive flags", []string{"webhook", "verify", "github", "-ojson", "--body", "a", "--request", "b"}, "github", "none of the others can be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runWebhook(t, nil, "", tt.args...)
			var got verifyReport
			if code != 2 || strings.Count(stdout, "\n") != 1 || json.Unmarshal([]byte(stdout), &got) != nil {
				t.Fatalf("exit %d stdout %q stderr %q; want exit 2 and one JSON object", code, stdout, stderr)
			}
			if got.Valid || got.Provider != tt.provider || !strings.Contains(got.Reason, tt.reason) || got.Timestamp != nil || !strings.Contains(stderr, tt.reason) {
				t.Errorf("report %+v (stderr %q), want provider %q and a reason with %q", got, stderr, tt.provider, tt.reason)
			}
		})
	}
	// Without -o json, stdout stays empty.
	if code, stdout, _ := runWebhook(t, nil, "", "webhook", "verify"); code != 2 || stdout != "" {
		t.Errorf("text mode: exit %d stdout %q, want 2 and nothing", code, stdout)
	}
}

func TestWebhookSignVerifyEveryProvider(t *testing.T) {
	t.Parallel()
	keyDir := t.TempDir()
	keyFile := filepath.Join(keyDir, "discord.pem")
	code, pub, stderr := runWebhook(t, nil, "", "webhook", "keygen", "discord", "--out", keyFile)
	if code != 0 {
		t.Fatalf("keygen: %d %s", code, stderr)
	}
	pub = strings.TrimSpace(pub)
	secrets := map[string]string{"standard": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "stripe": "whsec_abc123"}
	body := "{\"text\":\"héllo\"}\r\n"
	for _, p := range webhook.Names() {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			secret := secrets[p]
			if secret == "" {
				secret = "s3cret-" + p
			}
			env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": secret}
			signArgs := []string{"webhook", "sign", p, "--body", "-", "--timestamp", "1700000050", "--id", "msg_42"}
			if p == "discord" {
				signArgs = append(signArgs, "--private-key-file", keyFile)
			}
			code, headers, stderr := runWebhook(t, env, body, signArgs...)
			if code != 0 {
				t.Fatalf("sign: %d %s", code, stderr)
			}
			verify := []string{"webhook", "verify", p, "--body", "-"}
			if p == "discord" {
				verify = append(verify, "--public-key", pub)
			}
			for _, line := range strings.Split(strings.TrimSpace(headers), "\n") {
				verify = append(verify, "-H", line)
			}
			if code, _, stderr := runWebhook(t, env, body, verify...); code != 0 {
				t.Fatalf("verify of signed headers %q: %d %s", headers, code, stderr)
			}
			if code, _, _ := runWebhook(t, env, body+" ", verify...); code != 1 {
				t.Fatalf("verify of a changed body: exit %d, want 1", code)
			}
			code, js, _ := runWebhook(t, env, body, append([]string{"-o", "json"}, signArgs...)...)
			var got struct{ Headers map[string]string }
			if code != 0 || json.Unmarshal([]byte(js), &got) != nil || len(got.Headers) == 0 {
				t.Fatalf("sign -o json: %d %q", code, js)
			}
		})
	}
}

func TestWebhookSignUsage(t *testing.T) {
	t.Parallel()
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "s"}
	badKey := writeFile(t, "bad.pem", "not a key")
	shortSeed := writeFile(t, "short.hex", strings.Repeat("ab", 31)+"\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no secret", nil, []string{"webhook", "sign", "github", "--body", "-"}, "no secret"},
		{"secret on argv", env, []string{"webhook", "sign", "github", "--secret", "s", "--body", "-"}, "--secret is refused"},
		{"discord without key", env, []string{"webhook", "sign", "discord", "--body", "-"}, "discord needs --private-key-file"},
		{"discord bad key", env, []string{"webhook", "sign", "discord", "--body", "-", "--private-key-file", badKey}, "neither PEM PKCS#8 nor a hex seed"},
		{"discord seed of the wrong length", env, []string{"webhook", "sign", "discord", "--body", "-", "--private-key-file", shortSeed}, "wrong key length: the seed is 31 bytes, want 32"},
		{"key file for github", env, []string{"webhook", "sign", "github", "--body", "-", "--private-key-file", badKey}, "--private-key-file is for discord"},
		{"no body", env, []string{"webhook", "sign", "github"}, "give the body"},
		{"negative timestamp", env, []string{"webhook", "sign", "slack", "--body", "-", "--timestamp", "-1"}, "--timestamp must be a Unix time"},
		{"unknown provider", env, []string{"webhook", "sign", "gitlab", "--body", "-"}, "unknown webhook provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runWebhook(t, tt.env, "x", tt.args...)
			if code != exitcode.Usage || stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d stdout %q stderr %q; want 2 and %q", code, stdout, stderr, tt.want)
			}
		})
	}
}

func TestWebhookSignPinsTimestampAndID(t *testing.T) {
	t.Parallel()
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	_, out, _ := runWebhook(t, env, `{"test": 2432232314}`, "webhook", "sign", "standard", "--body", "-", "--timestamp", "1614265330", "--id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	want := "webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek\nwebhook-timestamp: 1614265330\nwebhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\n"
	if out != want {
		t.Fatalf("sign standard:\n%s\nwant\n%s", out, want)
	}
	_, a, _ := runWebhook(t, env, "{}", "webhook", "sign", "standard", "--body", "-")
	_, b, _ := runWebhook(t, env, "{}", "webhook", "sign", "standard", "--body", "-")
	if a == b || !regexp.MustCompile(`(?m)^webhook-id: msg_[a-z2-7]{26}$`).MatchString(a) {
		t.Fatalf("default ids not fresh or not msg_…: %q %q", a, b)
	}
	if !strings.Contains(a, "webhook-timestamp: 1700000100\n") {
		t.Fatalf("default timestamp is not now: %q", a)
	}
}

func TestWebhookKeygen(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "k.pem")
	code, pub, _ := runWebhook(t, nil, "", "webhook", "keygen", "discord", "--out", out)
	if code != 0 || !regexp.MustCompile(`^[0-9a-f]{64}\n$`).MatchString(pub) {
		t.Fatalf("keygen: %d %q", code, pub)
	}
	info, err := os.Stat(out)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v, want mode 0600", info, err)
	}
	pem, _ := os.ReadFile(out)
	if !bytes.HasPrefix(pem, []byte("-----BEGIN PRIVATE KEY-----")) {
		t.Fatalf("key file is not PEM PKCS#8: %q", pem[:20])
	}
	if code, _, stderr := runWebhook(t, nil, "", "webhook", "keygen", "discord", "--out", out); code != 2 || !strings.Contains(stderr, "exists; use --force") {
		t.Fatalf("overwrite: %d %q", code, stderr)
	}
	os.Chmod(out, 0o644)
	code, pub2, _ := runWebhook(t, nil, "", "webhook", "keygen", "discord", "--out", out, "--force")
	info, _ = os.Stat(out)
	if code != 0 || pub2 == pub || info.Mode().Perm() != 0o600 {
		t.Fatalf("--force: %d, new key %v, mode %v", code, pub2 != pub, info.Mode())
	}
	if code, _, stderr := runWebhook(t, nil, "", "webhook", "keygen", "github"); code != 2 || !strings.Contains(stderr, "Discord (Ed25519) keys only") {
		t.Fatalf("keygen github: %d %q", code, stderr)
	}
}

func TestWebhookVerifyFlags(t *testing.T) {
	t.Parallel()
	var got *WebhookVerifyOptions
	ios, _, _, _ := ui.Test()
	f := &cmdutil.Factory{IO: ios, Global: &cmdutil.GlobalOptions{}, Getenv: func(string) string { return "" }, Now: time.Now}
	cmd := newCmdWebhookVerify(f, func(_ context.Context, o *WebhookVerifyOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"stripe", "--body", "b.json", "-H", "A: 1", "-H", "b: 2", "--tolerance", "0", "--secret-env", "S"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Provider != "stripe" || got.BodyPath != "b.json" || len(got.Headers) != 2 || got.Tolerance != 0 || got.Key.SecretEnv != "S" {
		t.Fatalf("options %+v", got)
	}
}

// TestVerifyHelpExamples runs every example in `webhook verify --help` with a
// real authctl binary and a shell: each must verify as valid.
func TestVerifyHelpExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds authctl")
	}
	t.Parallel()
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "authctl"), "github.com/authctl/authctl/cmd/authctl")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build authctl: %v\n%s", err, out)
	}
	_, _, help := runWebhook(t, nil, "", "webhook", "verify", "--help")
	examples := strings.Split(help[strings.Index(help, "Examples:"):strings.Index(help, "Flags:")], "\n\n")
	providers := map[string]bool{}
	for _, ex := range examples {
		var script []string
		for _, l := range strings.Split(ex, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && l != "Examples:" {
				script = append(script, l)
			}
		}
		if len(script) == 0 {
			continue
		}
		m := regexp.MustCompile(`authctl webhook verify (\w+)`).FindStringSubmatch(ex)
		if m == nil {
			t.Fatalf("example without a verify command: %q", ex)
		}
		providers[m[1]] = true
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", strings.Join(script, "\n"))
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("example failed: %v\n%s\n%s", err, strings.Join(script, "\n"), out)
		}
	}
	for _, p := range webhook.Names() {
		if !providers[p] {
			t.Errorf("no help example for %s", p)
		}
	}
	if len(providers) != len(webhook.Names()) {
		t.Errorf("examples cover %d providers, want %d", len(providers), len(webhook.Names()))
	}
}
