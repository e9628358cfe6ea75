package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

func TestFaultStatusTimesAndCount(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	path := "/api/v10/users/@me"
	srv.SetFault("GET "+path, sandbox.Fault{Status: 503, Times: 2})
	var got []int
	for range 3 {
		status, _, _ := get(t, srv.URL()+path, "Bot "+sandbox.BotToken)
		got = append(got, status)
	}
	if fmt.Sprint(got) != "[503 503 200]" {
		t.Fatalf("statuses %v, want [503 503 200]", got)
	}
	if n := srv.Count("GET", path); n != 3 {
		t.Fatalf("Count = %d, want 3 (faulted requests count)", n)
	}
	srv.ResetCounts()
	if n := srv.Count("GET", path); n != 0 {
		t.Fatalf("Count after reset = %d", n)
	}
	// The most specific matching route wins.
	srv.SetFault("/api/*", sandbox.Fault{Status: 500})
	srv.SetFault("GET "+path, sandbox.Fault{Status: 502, Times: 1})
	if status, _, _ := get(t, srv.URL()+path, "Bot "+sandbox.BotToken); status != 502 {
		t.Fatalf("specific fault: %d, want 502", status)
	}
	if status, _, _ := get(t, srv.URL()+path, "Bot "+sandbox.BotToken); status != 500 {
		t.Fatalf("prefix fault after the specific one cleared: %d, want 500", status)
	}
	srv.SetFault("/api/*", sandbox.Fault{})
	// A method-qualified fault leaves other methods alone.
	srv.SetFault("POST "+path, sandbox.Fault{Status: 500})
	if status, _, _ := get(t, srv.URL()+path, "Bot "+sandbox.BotToken); status != 200 {
		t.Fatalf("GET under a POST fault: %d", status)
	}
}

func TestFaultKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault sandbox.Fault
		check func(t *testing.T, resp *http.Response, err error)
	}{
		{"forced 429", sandbox.Fault{RetryAfter: 2.5}, func(t *testing.T, resp *http.Response, err error) {
			var body struct {
				RetryAfter float64 `json:"retry_after"`
				Global     bool    `json:"global"`
			}
			if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" || json.NewDecoder(resp.Body).Decode(&body) != nil || body.RetryAfter != 2.5 {
				t.Fatalf("429: %v %v %+v", err, resp.Header, body)
			}
		}},
		{"status 502", sandbox.Fault{Status: 502}, func(t *testing.T, resp *http.Response, err error) {
			if err != nil || resp.StatusCode != 502 {
				t.Fatalf("want 502: %v", err)
			}
		}},
		{"dropped connection", sandbox.Fault{Drop: true}, func(t *testing.T, resp *http.Response, err error) {
			if err == nil {
				t.Fatalf("dropped connection answered %d", resp.StatusCode)
			}
		}},
		{"malformed json", sandbox.Fault{MalformedJSON: true}, func(t *testing.T, resp *http.Response, err error) {
			var v any
			if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || json.NewDecoder(resp.Body).Decode(&v) == nil {
				t.Fatalf("malformed JSON decoded: %v %v", err, v)
			}
		}},
		{"latency beyond the client's deadline", sandbox.Fault{Latency: time.Minute}, func(t *testing.T, resp *http.Response, err error) {
			if err == nil {
				t.Fatalf("a minute of latency answered %d within the client timeout", resp.StatusCode)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := sandboxtest.Start(t)
			srv.SetFault("/api/oauth2/*", tc.fault)
			client := &http.Client{Timeout: 300 * time.Millisecond, Transport: &http.Transport{}}
			resp, err := client.Post(srv.URL()+"/api/oauth2/token", "application/x-www-form-urlencoded", strings.NewReader("client_id=x"))
			if err == nil {
				defer resp.Body.Close()
			}
			tc.check(t, resp, err)
			if n := srv.Count("POST", "/api/oauth2/token"); n != 1 {
				t.Fatalf("Count = %d, want 1", n)
			}
			srv.SetFault("/api/oauth2/*", sandbox.Fault{})
			if status, _, _ := postForm(t, srv.URL()+"/api/oauth2/token", nil, "", ""); status != 401 {
				t.Fatalf("after removing the fault: %d, want the route's own 401", status)
			}
		})
	}
}

func TestFaultRate(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	srv.SetFault("/_sandbox/health", sandbox.Fault{Status: 500, Rate: 0.5})
	failed := 0
	for range 200 {
		if status, _, _ := get(t, srv.URL()+"/_sandbox/health", ""); status == 500 {
			failed++
		}
	}
	// Binomial(200, 0.5) leaves [50, 150] with probability below 1e-12.
	if failed < 50 || failed > 150 {
		t.Fatalf("%d of 200 failed at rate 0.5", failed)
	}
}

// Close ends requests waiting in injected latency instead of waiting for them.
func TestCloseEndsLatency(t *testing.T) {
	t.Parallel()
	srv := sandbox.New(sandbox.Options{})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	srv.SetFault("/_sandbox/health", sandbox.Fault{Latency: time.Hour})
	done := make(chan error, 1)
	go func() {
		resp, err := http.Get(srv.URL() + "/_sandbox/health")
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for srv.Count("GET", "/_sandbox/health") == 0 {
		time.Sleep(time.Millisecond) // the request has reached the fault once it is counted
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("request still waiting after Close")
	}
}

func TestParseFault(t *testing.T) {
	t.Parallel()
	good := []struct {
		in    string
		route string
		want  sandbox.Fault
	}{
		{"/a=status=503,times=2", "/a", sandbox.Fault{Status: 503, Times: 2}},
		{"GET /api/v10/users/@me=latency=250ms", "GET /api/v10/users/@me", sandbox.Fault{Latency: 250 * time.Millisecond}},
		{"/x/*=retry_after=1.5", "/x/*", sandbox.Fault{RetryAfter: 1.5}},
		{"/d=drop", "/d", sandbox.Fault{Drop: true}},
		{"/m=malformed_json,rate=0.25", "/m", sandbox.Fault{MalformedJSON: true, Rate: 0.25}},
		{"/user=status=403,rate_limit", "/user", sandbox.Fault{Status: 403, RateLimit: true}},
	}
	for _, tc := range good {
		route, f, err := sandbox.ParseFault(tc.in)
		if err != nil || route != tc.route || f != tc.want {
			t.Errorf("ParseFault(%q) = %q %+v %v", tc.in, route, f, err)
		}
	}
	for _, bad := range []string{"", "/a", "=status=500", "/a=", "/a=status=abc", "/a=status=200", "/a=rate=1.5", "/a=latency=soon", "/a=bogus=1", "/a=times=-1", "/a=retry_after=-2", "/a=rate_limit,status=500"} {
		if _, _, err := sandbox.ParseFault(bad); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseFault(%q) error %v, want one line", bad, err)
		}
	}
}

// Injected rate limits and error statuses take the shape of the provider whose route it is:
// GitHub's x-ratelimit-* headers (403 or 429) and Retry-After for a secondary limit, Slack's 429
// with Retry-After and {"ok":false,"error":"ratelimited"}.
// fidelity: github-rate-limit, slack-rate-limit, github-error-body, slack-error-status, sentry-rate-limit, oidc-error-status
func TestFaultShapesPerProvider(t *testing.T) {
	t.Parallel()
	srv := sandboxtest.Start(t)
	check := func(path string, f sandbox.Fault, status int, headers map[string]string, body map[string]any) {
		t.Helper()
		srv.SetFault(path, f)
		got, h, raw := get(t, srv.URL()+path, "")
		srv.SetFault(path, sandbox.Fault{})
		if got != status {
			t.Errorf("%s %+v: status %d, want %d", path, f, got, status)
		}
		for k, v := range headers {
			if (v == "*" && h.Get(k) == "") || (v != "*" && h.Get(k) != v) {
				t.Errorf("%s %+v: header %s = %q, want %q", path, f, k, h.Get(k), v)
			}
		}
		decoded := decode[map[string]any](t, raw)
		for k, v := range body {
			if decoded[k] != v {
				t.Errorf("%s %+v: body %s = %v, want %v (%s)", path, f, k, decoded[k], v, raw)
			}
		}
	}
	check("/user", sandbox.Fault{Status: 403, RateLimit: true}, 403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "*"}, map[string]any{"message": "API rate limit exceeded for user ID 1."})
	check("/user", sandbox.Fault{RateLimit: true}, 429, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "*"}, nil)
	check("/user", sandbox.Fault{RetryAfter: 30}, 429, map[string]string{"Retry-After": "30"}, nil)
	check("/user", sandbox.Fault{Status: 403, RetryAfter: 30}, 403, map[string]string{"Retry-After": "30"}, nil)
	check("/user", sandbox.Fault{Status: 503}, 503, nil, map[string]any{"message": "Service Unavailable"})
	check("/api/v3/user", sandbox.Fault{Status: 403, RateLimit: true}, 403, map[string]string{"X-RateLimit-Remaining": "0"}, nil)
	check("/api/auth.test", sandbox.Fault{RetryAfter: 7}, 429, map[string]string{"Retry-After": "7"}, map[string]any{"ok": false, "error": "ratelimited"})
	check("/api/auth.test", sandbox.Fault{Status: 502}, 502, nil, map[string]any{"ok": false, "error": "fatal_error"})
	check("/api/0/users/me/", sandbox.Fault{Status: 500}, 500, nil, map[string]any{"detail": "Internal Server Error"})
	check("/api/0/users/me/", sandbox.Fault{RetryAfter: 4}, 429, map[string]string{"Retry-After": "4"}, nil)
	check("/oidc/userinfo", sandbox.Fault{Status: 503}, 503, nil, map[string]any{"error": "server_error"})
	check("/oidc/userinfo", sandbox.Fault{RetryAfter: 2}, 429, map[string]string{"Retry-After": "2"}, map[string]any{"error": "temporarily_unavailable"})
	// fidelity: discord-fault-429-bucket-headers
	check("/api/v10/users/@me", sandbox.Fault{RetryAfter: 1.5}, 429, map[string]string{"Retry-After": "2", "X-RateLimit-Remaining": "0",
		"X-RateLimit-Reset-After": "1.500", "X-RateLimit-Bucket": "*", "X-RateLimit-Reset": "*", "X-RateLimit-Limit": "*"}, map[string]any{"retry_after": 1.5})
}
