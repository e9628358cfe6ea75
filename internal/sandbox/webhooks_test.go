package sandbox_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

// The recorder keeps method, headers and the exact body bytes, and lists them as JSON.
func TestWebhookRecorder(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	body := []byte("{\"a\":\"\\u00e9\"}\x00\xff raw")
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/_sandbox/webhooks/github?x=1", bytes.NewReader(body))
	req.Header.Set("X-Hub-Signature-256", "sha256=abc")
	req.Header.Set("X-GitHub-Event", "ping")
	if status, _, resp := do(t, req); status != 200 {
		t.Fatalf("record: %d %s", status, resp)
	}
	got := srv.Deliveries("github")
	if len(got) != 1 || !bytes.Equal(got[0].Body, body) || got[0].Header.Get("X-GitHub-Event") != "ping" || got[0].Method != "POST" || got[0].Query != "x=1" {
		t.Fatalf("Deliveries = %+v", got)
	}
	if len(srv.Deliveries("other")) != 0 {
		t.Fatal("deliveries leak between names")
	}
	status, _, list := get(t, srv.URL()+"/_sandbox/webhooks/github", "")
	parsed := decode[struct {
		Deliveries []struct {
			Method  string              `json:"method"`
			Headers map[string][]string `json:"headers"`
			Body    []byte              `json:"body"`
		} `json:"deliveries"`
	}](t, list)
	if status != 200 || len(parsed.Deliveries) != 1 || !bytes.Equal(parsed.Deliveries[0].Body, body) || parsed.Deliveries[0].Headers["X-Hub-Signature-256"][0] != "sha256=abc" {
		t.Fatalf("list: %d %s", status, list)
	}
	if _, _, empty := get(t, srv.URL()+"/_sandbox/webhooks/none", ""); string(empty) != "{\"deliveries\":[]}\n" {
		t.Fatalf("empty list: %s", empty)
	}
}
