package cli

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/golden"
	"github.com/authctl/authctl/internal/replay/replaytest"
	"github.com/authctl/authctl/internal/webhook"
)

// volatile are the parts of webhook output that change from run to run:
// ports, timings, record ids, wall-clock times and keygen's random public key.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	{regexp.MustCompile(`\d+(\.\d+)?ms`), "Nms"},
	{regexp.MustCompile(`\(\d+ req/s\)`), "(N req/s)"},
	{regexp.MustCompile(`"(p50_ms|p95_ms|p99_ms|max_ms|elapsed_ms|requests_per_second)": ?[0-9.e+-]+`), `"$1":0`},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "TIME"},
	{regexp.MustCompile(`"id": ?"[0-9a-f]{24}"`), `"id":"ID"`},
	{regexp.MustCompile(`(?m)^[0-9a-f]{64}$`), "PUBLIC_KEY"},
	{regexp.MustCompile(`"public_key":"[0-9a-f]{64}"`), `"public_key":"PUBLIC_KEY"`},
}

// normalize replaces the volatile parts of out, and each of dirs by TMP.
func normalize(out string, dirs ...string) string {
	for _, d := range dirs {
		if d == "" {
			continue
		}
		out = strings.ReplaceAll(out, d, "TMP")
	}
	for _, v := range volatile {
		out = v.re.ReplaceAllString(out, v.with)
	}
	return out
}

// goldenRun is one webhook command whose stdout, stderr and exit code are held by a golden file.
type goldenRun struct {
	name  string
	env   map[string]string
	stdin string
	args  []string
}

func assertGoldenRuns(t *testing.T, dir string, runs []goldenRun) {
	t.Helper()
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runWebhook(t, r.env, r.stdin, r.args...)
			got := fmt.Sprintf("$ authctl %s\nexit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(r.args, " "), code, stdout, stderr)
			golden.AssertString(t, "webhook/"+r.name+".txt", normalize(got, dir))
		})
	}
}

// TestWebhookVerifyGolden holds verify's JSON shapes and human messages.
func TestWebhookVerifyGolden(t *testing.T) {
	t.Parallel()
	gh := map[string]string{"AUTHCTL_WEBHOOK_SECRET": ghSecret}
	slackEnv := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "8f742231b10e8888abcd99yyyzzz85a5"}
	slack := []string{"webhook", "verify", "slack", "--body", "-", "-H", "X-Slack-Request-Timestamp: 1700000000", "-H", "X-Slack-Signature: v0=3df9f4f80d7e11c365711ffa13a0d877874ef9d96f5e7f66b5f6e144f6d798bd"}
	discordKey := "36d6164ea133cf20c6575d3da52c20e8a3674d1a10b5158c378a6e5c23372049"
	discord := []string{"webhook", "verify", "discord", "--body", "-", "--tolerance", "0", "--public-key", discordKey, "-H", "X-Signature-Timestamp: 1700000000", "-H", "X-Signature-Ed25519: daed1ea256bc20f638de4708404609b166a5bef846f87502f83c2c07026b9143a4fc382724ce0f58c3c475f7a621119c69278b74d291f8d9ff42ca8d452e1906"}
	stripe := []string{"webhook", "verify", "stripe", "--body", "-", "--tolerance", "0", "-H", "Stripe-Signature: t=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925"}
	dir := t.TempDir()
	request := filepath.Join(dir, "req.http")
	writeAt(t, request, "POST /h HTTP/1.1\r\nContent-Length: 13\r\n"+ghSig+"\r\n\r\n"+ghBody)
	assertGoldenRuns(t, dir, []goldenRun{
		{"verify-json-valid", slackEnv, "token=abc&text=hi", append([]string{"-o", "json"}, slack...)},
		{"verify-json-valid-no-timestamp", gh, ghBody, []string{"-o", "json", "webhook", "verify", "github", "--body", "-", "-H", ghSig}},
		{"verify-json-invalid", slackEnv, "token=abc&text=ho", append([]string{"-o", "json"}, slack...)},
		{"verify-json-stale", slackEnv, "token=abc&text=hi", append([]string{"-o", "json"}, append(slack, "--tolerance", "10s")...)},
		{"verify-json-malformed", gh, ghBody, []string{"-o", "json", "webhook", "verify", "github", "--body", "-", "-H", "X-Hub-Signature-256: md5=00"}},
		{"verify-json-missing", gh, ghBody, []string{"-o", "json", "webhook", "verify", "github", "--body", "-"}},
		{"verify-json-usage", nil, ghBody, []string{"-o", "json", "webhook", "verify", "github", "--body", "-"}},
		{"verify-json-cobra-usage", nil, "", []string{"-o", "json", "webhook", "verify"}},
		{"verify-valid", gh, ghBody, []string{"webhook", "verify", "github", "--body", "-", "-H", ghSig}},
		{"verify-valid-request", gh, "", []string{"webhook", "verify", "github", "--request", request}},
		{"verify-newline-hint", gh, ghBody + "\n", []string{"webhook", "verify", "github", "--body", "-", "-H", ghSig}},
		{"verify-pretty-json-hint", gh, "{\n  \"a\": 1\n}", []string{"webhook", "verify", "github", "--body", "-", "-H", ghSig}},
		{"verify-empty-body-hint", gh, "", []string{"webhook", "verify", "github", "--body", "-", "-H", ghSig}},
		{"verify-sha1-warning", gh, ghBody, []string{"webhook", "verify", "github", "--body", "-", "-H", "X-Hub-Signature: sha1=" + strings.Repeat("0", 40)}},
		{"verify-discord-valid", nil, `{"type":1}`, discord},
		{"verify-discord-mismatch", nil, `{"type":2}`, discord},
		{"verify-stripe-mismatch", map[string]string{"AUTHCTL_WEBHOOK_SECRET": "sk_test_wrong"}, `{"id":"evt_1"}`, stripe},
		{"verify-stripe-whsec-mismatch", map[string]string{"AUTHCTL_WEBHOOK_SECRET": "whsec_wrong"}, `{"id":"evt_1"}`, stripe},
		{"verify-stale", slackEnv, "token=abc&text=hi", append(slack, "--tolerance", "10s")},
		{"verify-usage-no-secret", nil, ghBody, []string{"webhook", "verify", "github", "--body", "-", "-H", ghSig}},
		{"verify-usage-unknown-provider", gh, ghBody, []string{"webhook", "verify", "gitlab", "--body", "-"}},
		{"verify-usage-discord-no-public-key", map[string]string{"AUTHCTL_WEBHOOK_SECRET": discordKey}, `{"type":1}`, []string{"webhook", "verify", "discord", "--body", "-"}},
	})
}

// writeAt writes content to path with mode 0600.
func writeAt(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestWebhookSignGolden holds sign's header lines and JSON for every scheme, and keygen's output.
func TestWebhookSignGolden(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.hex")
	writeAt(t, seed, strings.Repeat("1f", 32)+"\n")
	body := `{"hello":"world"}`
	var runs []goldenRun
	for _, p := range replayProviders {
		env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "test-secret-" + p}
		var keyArgs []string
		switch p {
		case "discord":
			env, keyArgs = nil, []string{"--private-key-file", seed}
		case "standard":
			env["AUTHCTL_WEBHOOK_SECRET"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		case "stripe":
			env["AUTHCTL_WEBHOOK_SECRET"] = "whsec_test"
		}
		args := append([]string{"webhook", "sign", p, "--body", "-", "--timestamp", "1700000000", "--id", "msg_2Lpz1qRa"}, keyArgs...)
		runs = append(runs,
			goldenRun{"sign-" + p, env, body, args},
			goldenRun{"sign-json-" + p, env, body, append([]string{"-o", "json"}, args...)})
	}
	runs = append(runs,
		goldenRun{"sign-usage-discord-no-key", nil, body, []string{"webhook", "sign", "discord", "--body", "-"}},
		goldenRun{"sign-usage-standard-bad-secret", map[string]string{"AUTHCTL_WEBHOOK_SECRET": "whsec_not base64!"}, body, []string{"webhook", "sign", "standard", "--body", "-"}},
		goldenRun{"keygen", nil, "", []string{"webhook", "keygen", "discord", "--out", filepath.Join(dir, "k.pem")}},
		goldenRun{"keygen-json", nil, "", []string{"-o", "json", "webhook", "keygen", "discord", "--out", filepath.Join(dir, "k2.pem")}},
		goldenRun{"keygen-exists", nil, "", []string{"webhook", "keygen", "discord", "--out", seed}},
		goldenRun{"keygen-not-discord", nil, "", []string{"webhook", "keygen", "github"}},
		goldenRun{"keygen-public-key-of", nil, "", []string{"webhook", "keygen", "discord", "--public-key-of", seed}},
		goldenRun{"keygen-json-public-key-of", nil, "", []string{"-o", "json", "webhook", "keygen", "discord", "--public-key-of", seed}},
		goldenRun{"keygen-public-key-of-missing", nil, "", []string{"webhook", "keygen", "discord", "--public-key-of", filepath.Join(dir, "nope.pem")}},
		goldenRun{"sign-usage-stripe-not-whsec", map[string]string{"AUTHCTL_WEBHOOK_SECRET": "sk_test_123"}, body, []string{"webhook", "sign", "stripe", "--body", "-"}},
	)
	assertGoldenRuns(t, dir, runs)
}

// TestWebhookReplayGolden holds replay's summaries, human and JSON, for a
// handler that accepts, one that fails and one that is down.
func TestWebhookReplayGolden(t *testing.T) {
	t.Parallel()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(ok.Close)
	targets := replaytest.Start(t)
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "s3cret"}
	replayTo := func(url string, extra ...string) []string {
		return append([]string{"webhook", "replay", "github", "--event", "ping", "--to", url}, extra...)
	}
	assertGoldenRuns(t, "", []goldenRun{
		{"replay-ok-single", env, "", replayTo(ok.URL)},
		{"replay-ok-burst", env, "", replayTo(ok.URL, "--count", "4", "--concurrency", "2")},
		{"replay-json-ok", env, "", append([]string{"-o", "json"}, replayTo(ok.URL, "--count", "2")...)},
		{"replay-failing", env, "", replayTo(targets.Failing, "--count", "3")},
		{"replay-json-failing", env, "", append([]string{"-o", "json"}, replayTo(targets.Failing, "--count", "3")...)},
		{"replay-down", env, "", replayTo(targets.Down, "--count", "2")},
		{"replay-list-events", nil, "", []string{"webhook", "replay", "--list-events"}},
	})
}

// TestWebhookListenGolden holds listen's delivery lines, human and JSON, and its summary.
func TestWebhookListenGolden(t *testing.T) {
	t.Parallel()
	for _, json := range []bool{false, true} {
		name := "listen-lines"
		args := []string{"github"}
		if json {
			name, args = "listen-json-lines", append(args, "-o", "json")
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			keys := testWebhookKeys(t, "github")
			l := startListen(t, keys.env, args...)
			sign := time.Now()
			good := []byte(`{"action":"opened","n":1}`)
			deliveries := []struct {
				header http.Header
				body   []byte
			}{
				{withEvent(signedHeaders(t, keys, "github", good, sign), "issues"), good},
				{withEvent(http.Header{}, "push"), []byte(`{"unsigned":true}`)},
				{withEvent(signedHeaders(t, keys, "github", good, sign), ""), good},
				{withEvent(signedHeaders(t, keys, "github", nil, sign), "ping"), nil},
			}
			for _, d := range deliveries {
				postDelivery(t, l.URL, d.header, d.body)
			}
			stdout, stderr := l.stop(t)
			golden.AssertString(t, "webhook/"+name+".txt", normalize("--- stdout\n"+stdout+"--- stderr\n"+stderr))
		})
	}
}

func withEvent(h http.Header, event string) http.Header {
	if event != "" {
		h.Set("X-GitHub-Event", event)
	}
	return h
}

func postDelivery(t *testing.T, url string, h http.Header, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestWebhookReplaySampleHeadersGolden holds the headers replay sends with
// every built-in sample; values that are random per delivery are masked.
func TestWebhookReplaySampleHeadersGolden(t *testing.T) {
	t.Parallel()
	random := map[string]bool{"Webhook-Id": true, "Webhook-Signature": true, "X-Github-Delivery": true, "Request-Id": true, "X-Shopify-Webhook-Id": true, "X-Shopify-Event-Id": true, "X-Signature-Ed25519": true}
	for _, p := range replayProviders {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			keys := testWebhookKeys(t, p)
			var got strings.Builder
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				names := make([]string, 0, len(r.Header))
				for k := range r.Header {
					names = append(names, k)
				}
				sort.Strings(names)
				body, _ := io.ReadAll(r.Body)
				fmt.Fprintf(&got, "POST %s (%d bytes, sha256 %x)\n", r.URL.Path, len(body), sha256.Sum256(body))
				for _, k := range names {
					v := strings.Join(r.Header[k], ", ")
					if random[k] {
						v = "RANDOM"
					}
					fmt.Fprintf(&got, "%s: %s\n", k, v)
				}
			}))
			t.Cleanup(srv.Close)
			for _, s := range webhook.Samples(p) {
				args := concat([]string{"webhook", "replay", p, "--event", s.Name, "--to", srv.URL + "/" + s.Name}, keys.signArgs)
				if code, _, stderr := runWebhook(t, keys.env, "", args...); code != 0 {
					t.Fatalf("replay %s: exit %d: %s", s.Name, code, stderr)
				}
			}
			golden.AssertString(t, "webhook/replay-headers-"+p+".txt", got.String())
		})
	}
}
