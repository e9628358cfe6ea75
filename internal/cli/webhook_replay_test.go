package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/replay"
	"github.com/authctl/authctl/internal/replay/replaytest"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
	"github.com/authctl/authctl/internal/ui"
	"github.com/authctl/authctl/internal/webhook"
)

// replayProviders are the providers replay and listen are tested with: every scheme.
var replayProviders = webhook.Names()

// webhookKeys holds one provider's test key material as arguments and
// environment for `replay` (signing) and `listen` (verifying).
type webhookKeys struct {
	env        map[string]string
	signArgs   []string
	verifyArgs []string
}

// signsTimestamp reports whether provider's signature covers a timestamp,
// so that a stale delivery is detectable.
func signsTimestamp(t *testing.T, provider string) bool {
	t.Helper()
	s, ok := webhook.Lookup(provider)
	if !ok {
		t.Fatalf("no webhook scheme %q", provider)
	}
	return s.SignsTimestamp()
}

func testWebhookKeys(t *testing.T, provider string) webhookKeys {
	t.Helper()
	if provider != "discord" {
		secret := "test-secret-" + provider
		if provider == "standard" {
			secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		}
		if provider == "stripe" {
			secret = "whsec_test_replay"
		}
		return webhookKeys{env: map[string]string{"AUTHCTL_WEBHOOK_SECRET": secret}}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "discord.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return webhookKeys{
		env:        map[string]string{},
		signArgs:   []string{"--private-key-file", keyFile},
		verifyArgs: []string{"--public-key", hex.EncodeToString(pub)},
	}
}

// listening is a running `webhook listen`.
type listening struct {
	URL    string
	out    *bytes.Buffer
	errOut *bytes.Buffer
	cancel context.CancelFunc
	done   chan error
}

// stop ends the listener as Ctrl-C would and returns its stdout and stderr.
func (l *listening) stop(t *testing.T) (stdout, stderr string) {
	t.Helper()
	l.cancel()
	if err := <-l.done; !errors.Is(err, context.Canceled) {
		t.Fatalf("listen ended with %v, want context.Canceled", err)
	}
	return l.out.String(), l.errOut.String()
}

// startListen runs `authctl webhook listen` with args on port 0 and returns
// once it accepts connections.
func startListen(t *testing.T, env map[string]string, args ...string) *listening {
	t.Helper()
	ios, _, out, errOut := ui.Test()
	f := &cmdutil.Factory{IO: ios, Global: &cmdutil.GlobalOptions{Output: ui.FormatText}, Getenv: func(k string) string { return env[k] }, Now: time.Now}
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-o" { // a root flag: the listen command alone does not parse it
			f.Global.Output = args[i+1]
			args = append(args[:i:i], args[i+2:]...)
			break
		}
	}
	ready := make(chan string, 1)
	cmd := newCmdWebhookListen(f, func(ctx context.Context, o *WebhookListenOptions) error {
		o.ready = func(addr string) { ready <- addr }
		return webhookListenRun(ctx, o)
	})
	cmd.SetArgs(append(args, "--addr", "127.0.0.1:0"))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	l := &listening{out: out, errOut: errOut, cancel: cancel, done: make(chan error, 1)}
	go func() { l.done <- cmd.ExecuteContext(ctx) }()
	select {
	case addr := <-ready:
		l.URL = "http://" + addr + "/webhook"
	case err := <-l.done:
		cancel()
		t.Fatalf("listen %v: %v (stderr %q)", args, err, errOut.String())
	}
	t.Cleanup(cancel)
	return l
}

func readRecords(t *testing.T, path string) []replay.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := replay.ReadRecords(f)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestReplayEverySampleIntoListen sends every built-in sample through replay
// into listen with the provider's real scheme: each must arrive byte for byte
// and verify.
func TestReplayEverySampleIntoListen(t *testing.T) {
	t.Parallel()
	for _, provider := range replayProviders {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			samples := webhook.Samples(provider)
			if len(samples) == 0 {
				t.Fatalf("no built-in samples for %s", provider)
			}
			keys := testWebhookKeys(t, provider)
			record := filepath.Join(t.TempDir(), "rec.jsonl")
			l := startListen(t, keys.env, concat([]string{provider, "--record", record}, keys.verifyArgs)...)
			for _, s := range samples {
				code, stdout, stderr := runCLI(t, keys.env, concat([]string{"webhook", "replay", provider, "--event", s.Name, "--to", l.URL}, keys.signArgs)...)
				if code != 0 || stdout != "" {
					t.Errorf("replay %s %s: exit %d, stdout %q, stderr %q", provider, s.Name, code, stdout, stderr)
				}
			}
			stdout, stderr := l.stop(t)
			recs := readRecords(t, record)
			if len(recs) != len(samples) {
				t.Fatalf("listener recorded %d deliveries, want %d; stdout %q", len(recs), len(samples), stdout)
			}
			for i, s := range samples {
				if !bytes.Equal(recs[i].Body, s.Body()) {
					t.Errorf("%s %s: body changed on the way", provider, s.Name)
				}
				if !recs[i].Valid || recs[i].Status != http.StatusOK {
					t.Errorf("%s %s: verdict %v %q status %d", provider, s.Name, recs[i].Valid, recs[i].Reason, recs[i].Status)
				}
			}
			if got := strings.Count(stdout, "✓"); got != len(samples) {
				t.Errorf("listen printed %d ✓ lines, want %d:\n%s", got, len(samples), stdout)
			}
			if !strings.Contains(stderr, fmt.Sprintf("%d received, %d verified, 0 rejected", len(samples), len(samples))) {
				t.Errorf("listen summary missing: %q", stderr)
			}
		})
	}
}

// TestReplayBodiesByteExact sends awkward bodies with --body: non-ASCII,
// CRLF line ends, a form-encoded body and bytes that are not UTF-8.
func TestReplayBodiesByteExact(t *testing.T) {
	t.Parallel()
	bodies := map[string][]byte{
		"non-ascii.json": []byte(`{"text":"Zoë ☕ 日本語 \u00e9"}`),
		"crlf.json":      []byte("{\r\n  \"a\": 1,\r\n  \"b\": \"x\"\r\n}\r\n"),
		"form.txt":       []byte("payload=%7B%22type%22%3A%22block_actions%22%7D&token=abc+def"),
		"binary.bin":     {0xff, 0xfe, 0x00, '{', '}', 0x80},
	}
	for _, provider := range replayProviders {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			keys := testWebhookKeys(t, provider)
			record := filepath.Join(t.TempDir(), "rec.jsonl")
			l := startListen(t, keys.env, concat([]string{provider, "--record", record}, keys.verifyArgs)...)
			dir := t.TempDir()
			var sent [][]byte
			for name, body := range bodies {
				path := filepath.Join(dir, name)
				if err := os.WriteFile(path, body, 0o600); err != nil {
					t.Fatal(err)
				}
				args := concat([]string{"webhook", "replay", provider, "--body", path, "--to", l.URL}, keys.signArgs)
				if h := eventHeader(t, provider); h != "" {
					args = append(args, "-H", h+": test")
				}
				if code, _, stderr := runCLI(t, keys.env, args...); code != 0 {
					t.Fatalf("replay --body %s: exit %d: %s", name, code, stderr)
				}
				sent = append(sent, body)
			}
			l.stop(t)
			recs := readRecords(t, record)
			if len(recs) != len(sent) {
				t.Fatalf("recorded %d, want %d", len(recs), len(sent))
			}
			for i := range recs {
				if !bytes.Equal(recs[i].Body, sent[i]) || !recs[i].Valid {
					t.Errorf("delivery %d: got %q valid=%v (%s), sent %q", i, recs[i].Body, recs[i].Valid, recs[i].Reason, sent[i])
				}
			}
		})
	}
}

// TestReplayStaleCapturedRequest replays a raw request whose signature is an
// hour old: replay re-signs it, listen (5m tolerance) accepts it, and other
// captured headers survive unless dropped.
func TestReplayStaleCapturedRequest(t *testing.T) {
	t.Parallel()
	for _, provider := range replayProviders {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			keys := testWebhookKeys(t, provider)
			body := []byte("{\"type\":\"stale.test\",\"note\":\"line\\r\\nbreak\",\"name\":\"Ünïcode\"}")
			old := time.Now().Add(-time.Hour).Unix()
			bodyFile := filepath.Join(t.TempDir(), "body.json")
			if err := os.WriteFile(bodyFile, body, 0o600); err != nil {
				t.Fatal(err)
			}
			code, signed, stderr := runCLI(t, keys.env, concat([]string{"webhook", "sign", provider, "--body", bodyFile, "--timestamp", fmt.Sprint(old), "--id", "msg_old"}, keys.signArgs)...)
			if code != 0 {
				t.Fatalf("sign: exit %d: %s", code, stderr)
			}
			var raw bytes.Buffer
			fmt.Fprintf(&raw, "POST /hooks/in HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\nContent-Length: %d\r\nX-Captured: keep-me\r\nX-Secret-Debug: drop-me\r\n", len(body))
			if h := eventHeader(t, provider); h != "" {
				fmt.Fprintf(&raw, "%s: stale.test\r\n", h)
			}
			for _, line := range strings.Split(strings.TrimSpace(signed), "\n") {
				raw.WriteString(strings.TrimSpace(line) + "\r\n")
			}
			raw.WriteString("\r\n")
			raw.Write(body)
			reqFile := filepath.Join(t.TempDir(), "captured.http")
			if err := os.WriteFile(reqFile, raw.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}

			record := filepath.Join(t.TempDir(), "rec.jsonl")
			l := startListen(t, keys.env, concat([]string{provider, "--record", record}, keys.verifyArgs)...)
			// First the capture as it was signed an hour ago: a listener with a
			// 5m tolerance refuses it where the scheme signs a timestamp.
			stale, err := webhook.ReadRequest(bytes.NewReader(raw.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodPost, l.URL, bytes.NewReader(body))
			req.Header = replay.Delivery{Header: stale.Header}.Template(nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			wantStale := http.StatusOK
			if signsTimestamp(t, provider) {
				wantStale = http.StatusUnauthorized
			}
			code, _, stderr = runCLI(t, keys.env, concat([]string{"webhook", "replay", provider, "--request", reqFile, "--drop-header", "X-Secret-Debug", "--to", l.URL}, keys.signArgs)...)
			if code != 0 {
				t.Fatalf("replay --request: exit %d: %s", code, stderr)
			}
			l.stop(t)
			recs := readRecords(t, record)
			if len(recs) != 2 {
				t.Fatalf("recorded %d deliveries, want 2", len(recs))
			}
			if recs[0].Status != wantStale {
				t.Errorf("stale capture answered %d (%s), want %d", recs[0].Status, recs[0].Reason, wantStale)
			}
			got := recs[1]
			if !got.Valid || !bytes.Equal(got.Body, body) {
				t.Fatalf("replayed capture: valid=%v (%s), body %q", got.Valid, got.Reason, got.Body)
			}
			if got.Header.Get("X-Captured") != "keep-me" || got.Header.Get("X-Secret-Debug") != "" {
				t.Errorf("captured headers: X-Captured %q, X-Secret-Debug %q", got.Header.Get("X-Captured"), got.Header.Get("X-Secret-Debug"))
			}
		})
	}
}

// TestReplayRecordedFile records deliveries with listen, then replays the
// file (all of it, then one id) into a second listener.
func TestReplayRecordedFile(t *testing.T) {
	t.Parallel()
	for _, provider := range replayProviders {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			keys := testWebhookKeys(t, provider)
			first := filepath.Join(t.TempDir(), "first.jsonl")
			l := startListen(t, keys.env, concat([]string{provider, "--record", first}, keys.verifyArgs)...)
			samples := webhook.Samples(provider)
			for _, s := range samples {
				if code, _, stderr := runCLI(t, keys.env, concat([]string{"webhook", "replay", provider, "--event", s.Name, "--to", l.URL}, keys.signArgs)...); code != 0 {
					t.Fatalf("replay %s: exit %d: %s", s.Name, code, stderr)
				}
			}
			l.stop(t)
			recorded := readRecords(t, first)

			second := filepath.Join(t.TempDir(), "second.jsonl")
			// The last delivery is sent twice, in the same second for schemes that sign only a timestamp.
			l2 := startListen(t, keys.env, concat([]string{provider, "--record", second, "--allow-duplicates"}, keys.verifyArgs)...)
			if code, _, stderr := runCLI(t, keys.env, concat([]string{"webhook", "replay", provider, "--from", first, "--to", l2.URL}, keys.signArgs)...); code != 0 {
				t.Fatalf("replay --from: exit %d: %s", code, stderr)
			}
			last := recorded[len(recorded)-1]
			if code, _, stderr := runCLI(t, keys.env, concat([]string{"webhook", "replay", provider, "--from", first, "--id", last.ID, "--to", l2.URL}, keys.signArgs)...); code != 0 {
				t.Fatalf("replay --from --id: exit %d: %s", code, stderr)
			}
			l2.stop(t)
			replayed := readRecords(t, second)
			if len(replayed) != len(recorded)+1 {
				t.Fatalf("second listener got %d deliveries, want %d", len(replayed), len(recorded)+1)
			}
			for i, r := range replayed {
				want := last
				if i < len(recorded) {
					want = recorded[i]
				}
				if !r.Valid || !bytes.Equal(r.Body, want.Body) || r.Event != want.Event {
					t.Errorf("delivery %d: valid=%v (%s) event %q, want event %q and the recorded body", i, r.Valid, r.Reason, r.Event, want.Event)
				}
			}
		})
	}
}

// TestReplayBurstLosesNothing sends 5,000 signed deliveries at concurrency
// 32 to a handler that verifies each one with listen's own verifier.
func TestReplayBurstLosesNothing(t *testing.T) {
	t.Parallel()
	keys := testWebhookKeys(t, "github")
	verify := listenVerifier(t, keys, "github")
	var mu sync.Mutex
	ids := map[string]int{}
	invalid := 0
	want, _ := webhook.LookupSample("github", "push")
	wantBody := want.Body()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ok, _ := verify(r.Header, body, time.Now())
		mu.Lock()
		defer mu.Unlock()
		if !ok || !bytes.Equal(body, wantBody) {
			invalid++
		}
		ids[r.Header.Get("X-GitHub-Delivery")]++
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	code, stdout, stderr := runCLI(t, keys.env, "webhook", "replay", "github", "--event", "push", "--count", "5000", "--concurrency", "32", "--to", srv.URL, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var s replay.Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("stdout is not one JSON summary: %v: %q", err, stdout)
	}
	mu.Lock()
	defer mu.Unlock()
	if s.Sent != 5000 || s.OK != 5000 || s.Failed != 0 || s.Statuses["202"] != 5000 {
		t.Errorf("summary %+v", s)
	}
	if len(ids) != 5000 || invalid != 0 {
		t.Errorf("handler saw %d distinct delivery ids and %d invalid deliveries, want 5000 and 0", len(ids), invalid)
	}
	if stderr != "" {
		t.Errorf("-o json: stderr %q, want no human summary beside the JSON one", stderr)
	}
}

// listenVerifier returns the verifier listen would use for provider.
func listenVerifier(t *testing.T, keys webhookKeys, provider string) replay.VerifyFunc {
	t.Helper()
	var got replay.VerifyFunc
	ios, _, _, _ := ui.Test()
	f := &cmdutil.Factory{IO: ios, Global: &cmdutil.GlobalOptions{Output: ui.FormatText}, Getenv: func(k string) string { return keys.env[k] }, Now: time.Now}
	cmd := newCmdWebhookListen(f, func(_ context.Context, o *WebhookListenOptions) error {
		s, key, err := o.Key.key(o.Provider, webhook.Verifying, o.Getenv)
		got = replay.Verifier(s, key, o.Serve.Tolerance)
		return err
	})
	cmd.SetArgs(concat([]string{provider}, keys.verifyArgs))
	if err := cmd.Execute(); err != nil || got == nil {
		t.Fatalf("build verifier: %v", err)
	}
	return got
}

// A recording holds what listen rejected too (forged, unsigned, not a POST), without its body:
// replaying the file sends only what it verified, since signing a forgery afresh would make it
// valid, and --id of a rejected one finds nothing to send.
func TestReplayRecordedFileSkipsRejected(t *testing.T) {
	t.Parallel()
	keys := testWebhookKeys(t, "github")
	recorded := filepath.Join(t.TempDir(), "recorded.jsonl")
	l := startListen(t, keys.env, concat([]string{"github", "--record", recorded}, keys.verifyArgs)...)
	if code, _, stderr := runCLI(t, keys.env, concat([]string{"webhook", "replay", "github", "--event", "push", "--to", l.URL}, keys.signArgs)...); code != 0 {
		t.Fatalf("replay a sample: exit %d: %s", code, stderr)
	}
	forged, err := http.NewRequest(http.MethodPost, l.URL, strings.NewReader(`{"forged":true}`))
	if err != nil {
		t.Fatal(err)
	}
	forged.Header.Set("X-GitHub-Event", "push")
	forged.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))
	resp, err := http.DefaultClient.Do(forged)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	l.stop(t)
	recs := readRecords(t, recorded)
	if len(recs) != 2 || !recs[0].Valid || recs[1].Valid || recs[1].Body != nil || recs[1].Size != int64(len(`{"forged":true}`)) {
		t.Fatalf("recording: %+v, want one verified and one rejected delivery, the latter without its body", recs)
	}

	second := filepath.Join(t.TempDir(), "second.jsonl")
	l2 := startListen(t, keys.env, concat([]string{"github", "--record", second}, keys.verifyArgs)...)
	code, _, stderr := runCLI(t, keys.env, concat([]string{"webhook", "replay", "github", "--from", recorded, "--to", l2.URL}, keys.signArgs)...)
	if code != 0 || !strings.Contains(stderr, "skipping 1 of 2 deliveries") {
		t.Fatalf("replay --from: exit %d stderr %q, want the rejected one skipped", code, stderr)
	}
	code, _, stderr = runCLI(t, keys.env, concat([]string{"webhook", "replay", "github", "--from", recorded, "--id", recs[1].ID, "--to", l2.URL}, keys.signArgs)...)
	if code != exitcode.Usage || !strings.Contains(stderr, "recorded without its body: there is nothing to send") {
		t.Fatalf("replay --from --id of the rejected one: exit %d stderr %q, want a usage error", code, stderr)
	}
	l2.stop(t)
	if replayed := readRecords(t, second); len(replayed) != 1 || !bytes.Equal(replayed[0].Body, recs[0].Body) {
		t.Fatalf("second listener got %d deliveries, want only the verified one", len(replayed))
	}
}

// TestReplayTargetFailures: a target that is down, slow, failing or
// redirecting is reported per request with the right exit code.
func TestReplayTargetFailures(t *testing.T) {
	t.Parallel()
	keys := testWebhookKeys(t, "github")
	targets := replaytest.Start(t)

	tests := []struct {
		name     string
		url      string
		extra    []string
		wantCode int
		wantErr  []string
	}{
		{"down", targets.Down, nil, exitcode.Provider, []string{"refused", "nothing listens at " + targets.Down + " (connection refused): stopped after"}},
		{"slow", targets.Slow, []string{"--timeout", "200ms"}, exitcode.Provider, []string{"timeout×4", "4 of 4 requests got no answer"}},
		{"500", targets.Failing, nil, exitcode.No, []string{"500×4", "4 of 4 responses were not 2xx"}},
		{"500 expected", targets.Failing, []string{"--expect-status", "5xx"}, exitcode.OK, []string{"500×4", "4 ok, 0 failed"}},
		{"redirect", targets.Redirect, nil, exitcode.No, []string{"307×4", "redirect not followed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"webhook", "replay", "github", "--event", "ping", "--count", "4", "--concurrency", "2", "--to", tt.url}, tt.extra...)
			code, stdout, stderr := runCLI(t, keys.env, args...)
			if code != tt.wantCode || stdout != "" {
				t.Fatalf("exit %d stdout %q, want %d; stderr %q", code, stdout, tt.wantCode, stderr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}
}

func TestReplayUsageErrors(t *testing.T) {
	t.Parallel()
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "s"}
	dir := t.TempDir()
	badRec := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(badRec, []byte("not json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badReq := filepath.Join(dir, "bad.http")
	if err := os.WriteFile(badReq, []byte("POST / HTTP/1.1\r\nHost: x"), 0o600); err != nil {
		t.Fatal(err)
	}
	slackRec := filepath.Join(dir, "slack.jsonl")
	if err := os.WriteFile(slackRec, []byte(`{"id":"r1","provider":"slack","body":"e30="}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rejectedRec := filepath.Join(dir, "rejected.jsonl")
	if err := os.WriteFile(rejectedRec, []byte(`{"id":"r1","provider":"github","body":"e30=","valid":false,"reason":"signature mismatch","status":401}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyRec := filepath.Join(dir, "empty.jsonl")
	if err := os.WriteFile(emptyRec, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no provider", env, []string{"--event", "push", "--to", "http://127.0.0.1:1"}, "needs a PROVIDER"},
		{"unknown provider", env, []string{"gitlab", "--event", "push", "--to", "http://127.0.0.1:1"}, `unknown webhook provider "gitlab"`},
		{"record of another provider", env, []string{"github", "--from", slackRec, "--to", "http://127.0.0.1:1"}, "recorded for slack, not github"},
		{"unknown record id", env, []string{"slack", "--from", slackRec, "--id", "nope", "--to", "http://127.0.0.1:1"}, `no record with id "nope"`},
		{"empty record file", env, []string{"github", "--from", emptyRec, "--to", "http://127.0.0.1:1"}, "holds no deliveries"},
		{"only rejected records", env, []string{"github", "--from", rejectedRec, "--to", "http://127.0.0.1:1"}, "holds no verified deliveries: listen rejected all 1"},
		{"secret on argv", env, []string{"github", "--event", "push", "--secret", "x", "--to", "http://127.0.0.1:1"}, "--secret is refused"},
		{"discord without key", env, []string{"discord", "--event", "ping", "--to", "http://127.0.0.1:1"}, "discord needs --private-key-file"},
		{"private key for hmac", env, []string{"github", "--event", "push", "--private-key-file", "x", "--to", "http://127.0.0.1:1"}, "--private-key-file is for discord"},
		{"bad standard secret", map[string]string{"AUTHCTL_WEBHOOK_SECRET": "whsec_!!!"}, []string{"standard", "--event", "user.created", "--to", "http://127.0.0.1:1"}, "sign standard"},
		{"no target", env, []string{"github", "--event", "push"}, "needs --to URL"},
		{"no source", env, []string{"github", "--to", "http://127.0.0.1:1"}, "needs one of --body, --request, --event or --from"},
		{"two sources", env, []string{"github", "--event", "push", "--body", "x", "--to", "http://127.0.0.1:1"}, "none of the others can be"},
		{"unknown event", env, []string{"github", "--event", "nope", "--to", "http://127.0.0.1:1"}, `no built-in event "nope" for github`},
		{"unreadable body", env, []string{"github", "--body", filepath.Join(dir, "missing"), "--to", "http://127.0.0.1:1"}, "read --body"},
		{"bad raw request", env, []string{"github", "--request", badReq, "--to", "http://127.0.0.1:1"}, "no blank line"},
		{"bad record file", env, []string{"github", "--from", badRec, "--to", "http://127.0.0.1:1"}, "record line 1"},
		{"id without from", env, []string{"github", "--event", "push", "--id", "x", "--to", "http://127.0.0.1:1"}, "--id needs --from"},
		{"zero count", env, []string{"github", "--event", "push", "--count", "0", "--to", "http://127.0.0.1:1"}, "at least 1"},
		{"bad expect", env, []string{"github", "--event", "push", "--expect-status", "ok", "--to", "http://127.0.0.1:1"}, `--expect-status "ok"`},
		{"bad header", env, []string{"github", "--event", "push", "-H", "nocolon", "--to", "http://127.0.0.1:1"}, `-H "nocolon"`},
		{"bad url", env, []string{"github", "--event", "push", "--to", "ftp://x"}, "not an http(s) URL"},
		{"no secret", map[string]string{}, []string{"github", "--event", "push", "--to", "http://127.0.0.1:1"}, "secret"},
		{"list unknown provider", env, []string{"gitlab", "--list-events"}, `no built-in events for "gitlab"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, tt.env, append([]string{"webhook", "replay"}, tt.args...)...)
			if code != exitcode.Usage || stdout != "" {
				t.Fatalf("exit %d stdout %q, want 2; stderr %q", code, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
				t.Errorf("stderr %q, want one line containing %q", stderr, tt.want)
			}
			if strings.Contains(stderr, "test-secret") || strings.Contains(stderr, "panic") {
				t.Errorf("stderr leaks a secret or panics: %q", stderr)
			}
		})
	}
}

func TestReplayListEvents(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, nil, "webhook", "replay", "--list-events")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d stderr %q", code, stderr)
	}
	for _, s := range webhook.Samples("") {
		if !strings.Contains(stdout, s.Provider) || !strings.Contains(stdout, s.Name) {
			t.Errorf("--list-events lacks %s %s:\n%s", s.Provider, s.Name, stdout)
		}
	}
	code, stdout, _ = runCLI(t, nil, "webhook", "replay", "github", "--list-events", "-o", "json")
	var got struct {
		Events []struct{ Provider, Name string } `json:"events"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &got) != nil || len(got.Events) != len(webhook.Samples("github")) {
		t.Fatalf("exit %d, json %q", code, stdout)
	}
	for _, e := range got.Events {
		if e.Provider != "github" {
			t.Errorf("github --list-events lists %+v", e)
		}
	}
}

// deliveryIDHeaders name the header carrying a fresh id per delivery.
var deliveryIDHeaders = map[string]string{"github": "X-GitHub-Delivery", "sentry": "Request-ID", "shopify": "X-Shopify-Webhook-Id", "standard": "webhook-id"}

// TestReplayIntoSandboxRecorder replays every sample for every provider into
// the sandbox's webhook recorder, then checks what it stored: the exact body
// bytes, a signature that verifies with listen's verifier, the sample's
// headers, and a distinct delivery each time.
func TestReplayIntoSandboxRecorder(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t)
	for _, provider := range replayProviders {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			keys := testWebhookKeys(t, provider)
			verify := listenVerifier(t, keys, provider)
			target := sb.URL() + "/_sandbox/webhooks/replay-" + provider
			samples := webhook.Samples(provider)
			for _, s := range samples {
				code, _, stderr := runCLI(t, keys.env, concat([]string{"webhook", "replay", provider, "--event", s.Name, "--count", "2", "--to", target}, keys.signArgs)...)
				if code != 0 {
					t.Fatalf("replay %s: exit %d: %s", s.Name, code, stderr)
				}
			}
			got := sb.Deliveries("replay-" + provider)
			if len(got) != 2*len(samples) {
				t.Fatalf("sandbox recorded %d deliveries, want %d", len(got), 2*len(samples))
			}
			for i, d := range got {
				want := replay.Delivery{Header: samples[i/2].Header(), Body: samples[i/2].Body()}
				if !bytes.Equal(d.Body, want.Body) {
					t.Errorf("%s: sandbox got a different body", samples[i/2].Name)
				}
				if ok, reason := verify(d.Header, d.Body, time.Now()); !ok {
					t.Errorf("%s: recorded delivery does not verify: %s", samples[i/2].Name, reason)
				}
				if ct := d.Header.Get("Content-Type"); ct != want.Header.Get("Content-Type") {
					t.Errorf("%s: Content-Type %q, want %q", samples[i/2].Name, ct, want.Header.Get("Content-Type"))
				}
				if name := deliveryIDHeaders[provider]; name != "" && i%2 == 1 {
					if a, b := got[i-1].Header.Get(name), d.Header.Get(name); a == "" || a == b {
						t.Errorf("%s: copies share %s %q", samples[i/2].Name, name, a)
					}
				}
			}
		})
	}
}

// TestReplayProgressOnTerminal: the progress bar is drawn only when stderr is
// a terminal, and never on stdout.
func TestReplayProgressOnTerminal(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "s"}
	for _, tty := range []bool{true, false} {
		ios, _, out, errOut := ui.Test()
		ios.StderrTTY = tty
		f := &cmdutil.Factory{IO: ios, Global: &cmdutil.GlobalOptions{Output: ui.FormatText}, Getenv: func(k string) string { return env[k] }, Now: time.Now}
		if code := Run(context.Background(), f, []string{"webhook", "replay", "github", "--event", "ping", "--count", "300", "--concurrency", "4", "--to", srv.URL}); code != 0 {
			t.Fatalf("tty=%v: exit %d: %s", tty, code, errOut)
		}
		if got := strings.Contains(errOut.String(), "/300"); got != tty {
			t.Errorf("tty=%v: progress drawn = %v; stderr %q", tty, got, errOut)
		}
		if out.Len() != 0 {
			t.Errorf("tty=%v: stdout %q, want nothing", tty, out)
		}
	}
}

// TestReplayVerboseNeverLogsSecrets: -v logs each request and its status on
// stderr, and neither the secret nor the signature.
func TestReplayVerboseNeverLogsSecrets(t *testing.T) {
	t.Parallel()
	var sig atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sig.Store(r.Header.Get("X-Hub-Signature-256"))
	}))
	defer srv.Close()
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "very-secret-value"}
	code, stdout, stderr := runCLI(t, env, "webhook", "replay", "github", "--event", "ping", "--to", srv.URL+"/hook?token=abc", "-v")
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "POST "+srv.URL+"/hook") || !strings.Contains(stderr, "200 OK") {
		t.Errorf("verbose log missing: %q", stderr)
	}
	s, _ := sig.Load().(string)
	for _, secret := range []string{"very-secret-value", "abc", s} {
		if secret == "" || strings.Contains(stderr, secret) {
			t.Errorf("stderr shows %q: %q", secret, stderr)
		}
	}
}

// eventHeader is the header that names provider's event, or "".
func eventHeader(t *testing.T, provider string) string {
	t.Helper()
	s, ok := webhook.Lookup(provider)
	if !ok {
		t.Fatalf("no webhook scheme %q", provider)
	}
	return s.Profile().EventHeader
}
