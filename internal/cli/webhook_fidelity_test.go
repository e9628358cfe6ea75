package cli

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	stripewebhook "github.com/stripe/stripe-go/v85/webhook"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/ui"
)

// TestReplayStripeSampleIsAcceptedByStripeGo: a handler built on stripe-go's
// own webhook.ConstructEvent accepts the replayed sample by default; with an
// API version of another release train it refuses it, as it would refuse
// such an event from Stripe.
func TestReplayStripeSampleIsAcceptedByStripeGo(t *testing.T) {
	t.Parallel()
	const secret = "whsec_test_stripe_go"
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		event, err := stripewebhook.ConstructEvent(body, r.Header.Get("Stripe-Signature"), secret)
		if err != nil || event.Type != "payment_intent.succeeded" {
			http.Error(w, "stripe-go refused: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(handler.Close)
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": secret}
	replay := []string{"webhook", "replay", "stripe", "--event", "payment_intent.succeeded", "--to", handler.URL}
	if code, _, stderr := runCLI(t, env, replay...); code != exitcode.OK {
		t.Fatalf("replay with the default API version: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, append(replay, "--api-version", "2024-06-20")...); code != exitcode.No {
		t.Fatalf("replay with API version 2024-06-20: exit %d (%s), want stripe-go to refuse it", code, stderr)
	}
	for _, bad := range [][]string{
		{"--api-version", "2024-06-20"},             // without --event
		{"--event", "push", "--api-version", "x y"}, // not a version
	} {
		args := append([]string{"webhook", "replay", "github", "--to", handler.URL}, bad...)
		if code, _, stderr := runCLI(t, env, args...); code != exitcode.Usage {
			t.Errorf("%v: exit %d (%s), want 2", bad, code, stderr)
		}
	}
}

// TestReplayGitHubPushLooksLikeGitHub: both signature headers, the hook
// target headers, and a push payload with the fields GitHub sends.
func TestReplayGitHubPushLooksLikeGitHub(t *testing.T) {
	t.Parallel()
	got := make(chan *http.Request, 1)
	bodies := make(chan []byte, 1)
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	t.Cleanup(handler.Close)
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "s3cret"}
	if code, _, stderr := runCLI(t, env, "webhook", "replay", "github", "--event", "push", "--to", handler.URL); code != 0 {
		t.Fatalf("replay: exit %d: %s", code, stderr)
	}
	r, body := <-got, <-bodies
	for _, h := range []string{"X-Hub-Signature", "X-Hub-Signature-256", "X-GitHub-Hook-Installation-Target-ID", "X-GitHub-Hook-Installation-Target-Type", "X-GitHub-Delivery"} {
		if r.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if !strings.HasPrefix(r.Header.Get("X-Hub-Signature"), "sha1=") {
		t.Errorf("X-Hub-Signature %q", r.Header.Get("X-Hub-Signature"))
	}
	var push struct {
		BaseRef    *string `json:"base_ref"`
		Repository struct {
			Owner struct{ Login string } `json:"owner"`
		} `json:"repository"`
		HeadCommit struct {
			Timestamp, URL string
			Author         struct{ Name, Email string }
		} `json:"head_commit"`
	}
	if err := json.Unmarshal(body, &push); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `"base_ref":null`) || push.Repository.Owner.Login == "" || push.HeadCommit.Timestamp == "" || push.HeadCommit.URL == "" || push.HeadCommit.Author.Email == "" {
		t.Errorf("push payload lacks GitHub's fields: %+v", push)
	}
}

// TestReplayResignsACapturedSHA1Signature: a captured GitHub request keeps
// both signature headers, each signed afresh, never the captured SHA-1.
func TestReplayResignsACapturedSHA1Signature(t *testing.T) {
	t.Parallel()
	got := make(chan http.Header, 1)
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.Header }))
	t.Cleanup(handler.Close)
	captured := writeFile(t, "captured.http", "POST /hook HTTP/1.1\r\nX-GitHub-Event: ping\r\nX-Hub-Signature: sha1=0000000000000000000000000000000000000000\r\nContent-Length: 2\r\n\r\n{}")
	env := map[string]string{"AUTHCTL_WEBHOOK_SECRET": "s3cret"}
	if code, _, stderr := runCLI(t, env, "webhook", "replay", "github", "--request", captured, "--to", handler.URL); code != 0 {
		t.Fatalf("replay: exit %d: %s", code, stderr)
	}
	h := <-got
	mac := hmac.New(sha1.New, []byte("s3cret"))
	mac.Write([]byte("{}"))
	if sigs, want := h.Values("X-Hub-Signature"), "sha1="+hex.EncodeToString(mac.Sum(nil)); len(sigs) != 1 || sigs[0] != want {
		t.Errorf("X-Hub-Signature %v, want only the fresh %s", sigs, want)
	}
	if h.Get("X-Hub-Signature-256") == "" {
		t.Error("no X-Hub-Signature-256")
	}
}

// TestReplayInterruptAccounting: Ctrl-C mid-burst exits 130, says
// "interrupted" once (the root's line), and counts the requests cut off in
// flight apart instead of as failures.
func TestReplayInterruptAccounting(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var seen atomic.Int64
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) == 20 {
			cancel(exitcode.Errorf(exitcode.Interrupted, "interrupted"))
		}
	}))
	t.Cleanup(handler.Close)
	ios, _, _, errOut := ui.Test()
	f := &cmdutil.Factory{IO: ios, Global: &cmdutil.GlobalOptions{Output: ui.FormatText}, Getenv: func(string) string { return "s3cret" }, Now: time.Now}
	code := Run(ctx, f, []string{"webhook", "replay", "github", "--event", "ping", "--count", "100000", "--concurrency", "4", "--secret-env", "S", "--to", handler.URL})
	stderr := errOut.String()
	if code != exitcode.Interrupted || strings.Count(stderr, "interrupted") != 1 || !strings.Contains(stderr, " 0 failed") {
		t.Fatalf("exit %d, stderr %q: want 130, 'interrupted' once and no failures", code, stderr)
	}
}
