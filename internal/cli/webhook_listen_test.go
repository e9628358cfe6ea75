package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/replay"
	"github.com/authctl/authctl/internal/ui"
	"github.com/authctl/authctl/internal/webhook"
)

// signedHeaders signs body for provider at ts with `authctl webhook sign`
// and returns the headers it prints.
func signedHeaders(t *testing.T, keys webhookKeys, provider string, body []byte, ts time.Time) http.Header {
	t.Helper()
	bodyFile := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(bodyFile, body, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, keys.env, concat([]string{"webhook", "sign", provider, "--body", bodyFile, "--timestamp", fmt.Sprint(ts.Unix()), "--id", "msg_test"}, keys.signArgs)...)
	if code != 0 {
		t.Fatalf("sign: exit %d: %s", code, stderr)
	}
	h := http.Header{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("sign printed %q", line)
		}
		h.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	return h
}

// TestListenRejectsBadDeliveries: tampered, stale, unsigned, empty and
// event-less deliveries are answered 401 or 400 and never forwarded.
func TestListenRejectsBadDeliveries(t *testing.T) {
	t.Parallel()
	for _, provider := range replayProviders {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			keys := testWebhookKeys(t, provider)
			var forwarded atomic.Int64
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				forwarded.Add(1)
				w.Header().Set("X-From-Target", "1")
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, "created")
			}))
			defer target.Close()
			l := startListen(t, keys.env, concat([]string{provider, "--forward-to", target.URL}, keys.verifyArgs)...)

			body := []byte("{\"type\":2,\"text\":\"héllo\\r\\n\"}")
			now := time.Now()
			withEvent := func(h http.Header) http.Header {
				if name := eventHeader(t, provider); name != "" {
					h.Set(name, "test")
				}
				return h
			}
			good := withEvent(signedHeaders(t, keys, provider, body, now))
			tampered := []byte(strings.Replace(string(body), "héllo", "hallo", 1))
			tests := []struct {
				name   string
				header http.Header
				body   []byte
				want   int
			}{
				{"tampered body", good, tampered, http.StatusUnauthorized},
				{"unsigned", withEvent(http.Header{"Content-Type": {"application/json"}}), body, http.StatusUnauthorized},
				{"empty body", good, nil, http.StatusBadRequest},
			}
			if signsTimestamp(t, provider) {
				stale := withEvent(signedHeaders(t, keys, provider, body, now.Add(-time.Hour)))
				tests = append(tests, struct {
					name   string
					header http.Header
					body   []byte
					want   int
				}{"stale", stale, body, http.StatusUnauthorized})
			}
			if name := eventHeader(t, provider); name != "" {
				noEvent := good.Clone()
				noEvent.Del(name)
				tests = append(tests, struct {
					name   string
					header http.Header
					body   []byte
					want   int
				}{"no event header", noEvent, body, http.StatusBadRequest})
			}
			for _, tt := range tests {
				req, _ := http.NewRequest(http.MethodPost, l.URL, bytes.NewReader(tt.body))
				req.Header = tt.header.Clone()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tt.want {
					t.Errorf("%s: answered %d, want %d", tt.name, resp.StatusCode, tt.want)
				}
			}
			if n := forwarded.Load(); n != 0 {
				t.Fatalf("%d bad deliveries were forwarded", n)
			}
			// The good one passes through byte for byte with the target's answer.
			req, _ := http.NewRequest(http.MethodPost, l.URL, bytes.NewReader(body))
			req.Header = good.Clone()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			answer, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated || string(answer) != "created" || resp.Header.Get("X-From-Target") != "1" || forwarded.Load() != 1 {
				t.Errorf("good delivery: %d %q, forwarded %d", resp.StatusCode, answer, forwarded.Load())
			}
			stdout, stderr := l.stop(t)
			if got := strings.Count(stdout, "✗"); got != len(tests) {
				t.Errorf("stdout has %d ✗ lines, want %d:\n%s", got, len(tests), stdout)
			}
			if !strings.Contains(stderr, fmt.Sprintf("%d received, 1 verified, %d rejected, 1 forwarded", len(tests)+1, len(tests))) {
				t.Errorf("summary: %q", stderr)
			}
		})
	}
}

func TestListenAnswersDiscordPing(t *testing.T) {
	t.Parallel()
	keys := testWebhookKeys(t, "discord")
	l := startListen(t, keys.env, concat([]string{"discord"}, keys.verifyArgs)...)
	s, _ := webhook.LookupSample("discord", "ping")
	body := s.Body()
	req, _ := http.NewRequest(http.MethodPost, l.URL, bytes.NewReader(body))
	req.Header = signedHeaders(t, keys, "discord", body, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(answer) != `{"type":1}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("PING answered %d %q (%s)", resp.StatusCode, answer, resp.Header.Get("Content-Type"))
	}
	stdout, _ := l.stop(t)
	if !strings.Contains(stdout, "ping") || !strings.Contains(stdout, "✓") {
		t.Errorf("stdout: %q", stdout)
	}
}

func TestListenJSONLines(t *testing.T) {
	t.Parallel()
	keys := testWebhookKeys(t, "github")
	l := startListen(t, keys.env, concat([]string{"github", "-o", "json"}, keys.verifyArgs)...)
	for range 2 {
		if code, _, stderr := runCLI(t, keys.env, "webhook", "replay", "github", "--event", "issues", "--to", l.URL); code != 0 {
			t.Fatalf("replay: %d %s", code, stderr)
		}
	}
	stdout, _ := l.stop(t)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", stdout)
	}
	for _, line := range lines {
		var d struct {
			Event  string `json:"event"`
			Valid  bool   `json:"valid"`
			Size   int    `json:"size"`
			Status int    `json:"status"`
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil || d.Event != "issues.opened" || !d.Valid || d.Size == 0 || d.Status != 200 {
			t.Errorf("line %q: %+v %v", line, d, err)
		}
	}
}

func TestListenUsageErrors(t *testing.T) {
	t.Parallel()
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "s"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"remote addr", env, []string{"github", "--addr", "0.0.0.0:8787"}, "not a loopback address"},
		{"all interfaces", env, []string{"github", "--addr", ":8787"}, "not a loopback address"},
		{"bad addr", env, []string{"github", "--addr", "nonsense"}, "want HOST:PORT"},
		{"bad forward", env, []string{"github", "--forward-to", "nope"}, "not an http(s) URL"},
		{"no secret", map[string]string{}, []string{"github"}, "secret"},
		{"no provider", env, nil, "accepts 1 arg"},
		{"unknown provider", env, []string{"gitlab"}, `unknown webhook provider "gitlab"`},
		{"bad discord key", env, []string{"discord", "--public-key", "abcd"}, "verify discord: wrong key length"},
		{"public key for hmac", env, []string{"github", "--public-key", "abcd"}, "--public-key is for discord"},
		{"bad standard secret", map[string]string{"AUTHCTL_WEBHOOK_SECRET": "whsec_!!!"}, []string{"standard"}, "verify standard: unusable secret"},
		{"negative tolerance", env, []string{"github", "--tolerance", "-1s"}, "--tolerance must not be negative"},
		{"unwritable record", env, []string{"github", "--addr", "127.0.0.1:0", "--record", "/nonexistent/dir/x.jsonl"}, "open record file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, tt.env, append([]string{"webhook", "listen"}, tt.args...)...)
			if code != exitcode.Usage || stdout != "" {
				t.Fatalf("exit %d stdout %q, want 2; stderr %q", code, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", stderr, tt.want)
			}
		})
	}
}

// TestListenAddrFlags: --addr must be HOST:PORT, and on loopback unless
// --allow-remote (which names are loopback is loopback.IsLoopbackName's test).
func TestListenAddrFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:8787", false, true},
		{"localhost:9000", false, true},
		{"0.0.0.0:8787", false, false},
		{"example.com:80", false, false},
		{"0.0.0.0:8787", true, true},
		{"example.com:80", true, true},
		{"0.0.0.0", true, false},
		{"127.0.0.1", false, false},
	}
	for _, tt := range tests {
		so := replay.ServeOptions{Addr: tt.addr, AllowRemote: tt.remote, ListenOptions: replay.ListenOptions{Timeout: time.Second}}
		err := (&WebhookListenOptions{Serve: so}).validate()
		if (err == nil) != tt.ok {
			t.Errorf("validate(--addr %q, remote %v) = %v, want ok=%v", tt.addr, tt.remote, err, tt.ok)
		}
		if err != nil && exitcode.Of(err) != exitcode.Usage {
			t.Errorf("validate(--addr %q): exit code %d, want 2", tt.addr, exitcode.Of(err))
		}
	}
}

// TestListenForwardTargetDown: a verified delivery whose target is down gets
// 502 with the cause, and the summary counts it.
func TestListenForwardTargetDown(t *testing.T) {
	t.Parallel()
	keys := testWebhookKeys(t, "stripe")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	l := startListen(t, keys.env, "stripe", "--forward-to", down)
	code, _, stderr := runCLI(t, keys.env, "webhook", "replay", "stripe", "--event", "payment_intent.succeeded", "--to", l.URL)
	if code != exitcode.No || !strings.Contains(stderr, "502×1") {
		t.Errorf("replay through a listener with a dead target: exit %d, stderr %q", code, stderr)
	}
	stdout, summary := l.stop(t)
	if !strings.Contains(stdout, "forward: ") || !strings.Contains(stdout, "connection refused") || !strings.Contains(summary, "0 forwarded, 1 forward failures") {
		t.Errorf("stdout %q, summary %q", stdout, summary)
	}
}

// signalWriter is a test stderr that closes ready at the first write
// containing mark, so a test waits on the banner instead of sleeping.
type signalWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	mark  string
	ready chan struct{}
	once  sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.mark) {
		w.once.Do(func() { close(w.ready) })
	}
	return n, err
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestListenInterruptExits130: Ctrl-C (a context cancelled with the root's
// interrupt cause) stops listen gracefully with its summary and exit 130.
func TestListenInterruptExits130(t *testing.T) {
	t.Parallel()
	ios, _, out, _ := ui.Test()
	errOut := &signalWriter{mark: "Listening for", ready: make(chan struct{})}
	ios.ErrOut = errOut
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "s"}
	f := &cmdutil.Factory{IO: ios, Global: &cmdutil.GlobalOptions{Output: ui.FormatText}, Getenv: func(k string) string { return env[k] }, Now: time.Now}
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan int, 1)
	go func() { done <- Run(ctx, f, []string{"webhook", "listen", "github", "--addr", "127.0.0.1:0"}) }()
	select {
	case <-errOut.ready:
	case code := <-done:
		t.Fatalf("listen ended early with %d: %s", code, errOut.String())
	}
	cancel(exitcode.Errorf(exitcode.Interrupted, "interrupted"))
	if code := <-done; code != exitcode.Interrupted {
		t.Fatalf("exit %d, want 130; stderr %q", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "Stopped: 0 received") || out.Len() != 0 {
		t.Errorf("stderr %q stdout %q", errOut.String(), out.String())
	}
}

// TestListenUnderBurst: a burst through listen is verified and recorded
// whole, one line per delivery.
func TestListenUnderBurst(t *testing.T) {
	t.Parallel()
	keys := testWebhookKeys(t, "slack")
	record := filepath.Join(t.TempDir(), "rec.jsonl")
	// Copies signed in the same second carry the same signature: duplicates to listen.
	l := startListen(t, keys.env, "slack", "--record", record, "--allow-duplicates")
	code, _, stderr := runCLI(t, keys.env, "webhook", "replay", "slack", "--event", "slash_command", "--count", "500", "--concurrency", "16", "--to", l.URL)
	if code != 0 {
		t.Fatalf("replay: exit %d: %s", code, stderr)
	}
	stdout, summary := l.stop(t)
	recs := readRecords(t, record)
	valid := 0
	for _, r := range recs {
		if r.Valid && r.Event == "/weather" {
			valid++
		}
	}
	if len(recs) != 500 || valid != 500 || strings.Count(stdout, "\n") != 500 || !strings.Contains(summary, "500 received, 500 verified") {
		t.Errorf("%d records, %d valid /weather, %d lines, summary %q", len(recs), valid, strings.Count(stdout, "\n"), summary)
	}
}

// TestListenEscapesWhatTheSenderChose: an unsigned delivery whose action
// holds terminal escapes and a forged "✓ valid" line must not reach stdout
// raw, in text or JSON lines.
func TestListenEscapesWhatTheSenderChose(t *testing.T) {
	t.Parallel()
	for _, asJSON := range []bool{false, true} {
		args := []string{"github"}
		if asJSON {
			args = append(args, "-o", "json")
		}
		keys := testWebhookKeys(t, "github")
		l := startListen(t, keys.env, args...)
		attack := "\x1b]0;PWNED\x07\x1b[2K\r2026-01-01T00:00:00Z  push 1 B  ✓ valid → 200\n\u009b2K"
		body, _ := json.Marshal(map[string]string{"action": attack})
		postDelivery(t, l.URL, http.Header{"X-Github-Event": {"push"}}, body)
		stdout, _ := l.stop(t)
		if strings.ContainsAny(stdout, "\x1b\x07\r\u009b") || strings.Count(stdout, "\n") != 1 {
			t.Errorf("json=%v: stdout %q carries control characters or more than one line", asJSON, stdout)
		}
		if !strings.Contains(stdout, `\x1b]0;PWNED`) {
			t.Errorf("json=%v: stdout %q does not show the escaped action", asJSON, stdout)
		}
	}
}

// TestListenRefusesAReplayedDelivery: the same signed delivery sent twice is
// answered 409 the second time and forwarded once; --allow-duplicates lets
// both through.
func TestListenRefusesAReplayedDelivery(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{"github", "slack"} { // a delivery id; a signature only
		for _, allow := range []bool{false, true} {
			keys := testWebhookKeys(t, provider)
			var forwarded atomic.Int64
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { forwarded.Add(1) }))
			args := concat([]string{provider, "--forward-to", target.URL}, keys.verifyArgs)
			if allow {
				args = append(args, "--allow-duplicates")
			}
			l := startListen(t, keys.env, args...)
			body := []byte(`{"action":"opened"}`)
			h := signedHeaders(t, keys, provider, body, time.Now())
			h.Set("X-GitHub-Event", "issues")
			var statuses []int
			for range 2 {
				req, _ := http.NewRequest(http.MethodPost, l.URL, bytes.NewReader(body))
				req.Header = h.Clone()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				statuses = append(statuses, resp.StatusCode)
			}
			_, stderr := l.stop(t)
			target.Close()
			want, wantForwarded := []int{200, 409}, int64(1)
			if allow {
				want, wantForwarded = []int{200, 200}, 2
			}
			if !slices.Equal(statuses, want) || forwarded.Load() != wantForwarded {
				t.Errorf("%s allow=%v: statuses %v, forwarded %d; want %v and %d (stderr %q)", provider, allow, statuses, forwarded.Load(), want, wantForwarded, stderr)
			}
		}
	}
}

func TestListenMaxBody(t *testing.T) {
	t.Parallel()
	keys := testWebhookKeys(t, "github")
	record := filepath.Join(t.TempDir(), "rec.jsonl")
	l := startListen(t, keys.env, "github", "--max-body", "1KiB", "--record", record)
	body := bytes.Repeat([]byte("x"), 1025)
	postDelivery(t, l.URL, http.Header{"X-Github-Event": {"push"}}, body)
	stdout, _ := l.stop(t)
	if !strings.Contains(stdout, "body larger than 1024 bytes (--max-body) → 413") {
		t.Errorf("stdout %q", stdout)
	}
	if recs := readRecords(t, record); len(recs) != 1 || recs[0].Body != nil || recs[0].Size != 1025 {
		t.Errorf("records %+v, want one without its body", recs)
	}
	for _, bad := range []string{"0", "-1", "1GB", "lots"} {
		if code, _, stderr := runCLI(t, keys.env, "webhook", "listen", "github", "--max-body", bad); code != exitcode.Usage || !strings.Contains(stderr, "want a positive size") {
			t.Errorf("--max-body %s: exit %d %q", bad, code, stderr)
		}
	}
}
