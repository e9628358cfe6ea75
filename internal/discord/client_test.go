package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// scripted serves the i-th answer to the i-th request and counts requests.
type scripted struct {
	answers []func(w http.ResponseWriter, r *http.Request)
	n       atomic.Int32
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(s.n.Add(1)) - 1
	if i >= len(s.answers) {
		i = len(s.answers) - 1
	}
	s.answers[i](w, r)
}

func jsonAnswer(status int, body string, headers ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

const memberJSON = `{"roles":["111","222"],"joined_at":"2024-01-01T00:00:00Z","pending":true,"flags":0,"nick":null}`

func newTestClient(t *testing.T, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Client{HTTP: srv.Client(), BaseURL: srv.URL + "/api/v10", MaxWait: time.Second, Backoff: time.Millisecond}
}

func TestCurrentUserGuildMember(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		answers      []func(http.ResponseWriter, *http.Request)
		maxWait      time.Duration
		wantRequests int32
		wantErr      func(error) bool
	}{
		{"member", []func(http.ResponseWriter, *http.Request){jsonAnswer(200, memberJSON)}, time.Second, 1, nil},
		{"not a member", []func(http.ResponseWriter, *http.Request){jsonAnswer(404, `{"message":"Unknown Guild","code":10004}`)}, time.Second, 1,
			func(err error) bool {
				var e *APIError
				return errors.As(err, &e) && e.Code == CodeUnknownGuild && e.Status == 404
			}},
		{"unauthorized without JSON", []func(http.ResponseWriter, *http.Request){jsonAnswer(401, `nope`)}, time.Second, 1,
			func(err error) bool { var e *APIError; return errors.As(err, &e) && e.IsAuth() }},
		{"malformed member", []func(http.ResponseWriter, *http.Request){jsonAnswer(200, `{"roles":`)}, time.Second, 1,
			func(err error) bool { var e *MalformedError; return errors.As(err, &e) }},
		{"malformed error body", []func(http.ResponseWriter, *http.Request){jsonAnswer(404, `<html>`)}, time.Second, 1,
			func(err error) bool { var e *MalformedError; return errors.As(err, &e) }},
		{"429 within budget", []func(http.ResponseWriter, *http.Request){
			jsonAnswer(429, `{"message":"You are being rate limited.","retry_after":0.05,"global":false}`, "Retry-After", "1"),
			jsonAnswer(200, memberJSON)}, time.Second, 2, nil},
		{"429 header only", []func(http.ResponseWriter, *http.Request){
			jsonAnswer(429, `not json`, "X-RateLimit-Reset-After", "0.02"),
			jsonAnswer(200, memberJSON)}, time.Second, 2, nil},
		{"429 beyond budget", []func(http.ResponseWriter, *http.Request){
			jsonAnswer(429, `{"message":"You are being rate limited.","retry_after":30,"global":true}`),
			jsonAnswer(200, memberJSON)}, time.Second, 1,
			func(err error) bool {
				var e *RateLimitError
				return errors.As(err, &e) && e.Global && e.RetryAfter == 30*time.Second && e.InARow == 0
			}},
		{"429 with zero budget", []func(http.ResponseWriter, *http.Request){
			jsonAnswer(429, `{"retry_after":0.01}`), jsonAnswer(200, memberJSON)}, 0, 1,
			func(err error) bool { var e *RateLimitError; return errors.As(err, &e) }},
		{"429 with zero wait forever", []func(http.ResponseWriter, *http.Request){jsonAnswer(429, `{"retry_after":0}`)}, time.Second, 1 + maxRateLimited,
			func(err error) bool {
				var e *RateLimitError
				return errors.As(err, &e) && e.InARow == 1+maxRateLimited && strings.Contains(e.Error(), "times in a row")
			}},
		{"500 then success", []func(http.ResponseWriter, *http.Request){
			jsonAnswer(500, `{}`), jsonAnswer(502, ``), jsonAnswer(200, memberJSON)}, time.Second, 3, nil},
		{"500 forever", []func(http.ResponseWriter, *http.Request){jsonAnswer(500, `{}`)}, time.Second, 1 + DefaultMaxRetries,
			func(err error) bool {
				var e *UnavailableError
				return errors.As(err, &e) && e.Attempts == 1+DefaultMaxRetries
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &scripted{answers: tt.answers}
			c := newTestClient(t, s)
			c.MaxWait = tt.maxWait
			m, err := c.CurrentUserGuildMember(context.Background(), Credentials{Token: "tok"}, "456")
			if got := s.n.Load(); got != tt.wantRequests {
				t.Errorf("requests = %d, want %d", got, tt.wantRequests)
			}
			if tt.wantErr != nil {
				if err == nil || !tt.wantErr(err) {
					t.Fatalf("err = %v (%T), not the expected kind", err, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if len(m.Roles) != 2 || m.Roles[1] != "222" || !m.Pending {
				t.Errorf("member = %+v", m)
			}
		})
	}
}

func TestRequestHeadersAndPath(t *testing.T) {
	t.Parallel()
	var got *http.Request
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		fmt.Fprint(w, `{"user":{"id":"9","username":"alice"},"roles":[]}`)
	}))
	c.UserAgent = UserAgent("1.2.3")
	m, err := c.GuildMember(context.Background(), Credentials{Token: "bot-secret", Bot: true}, "456", "9")
	if err != nil {
		t.Fatal(err)
	}
	if got.URL.Path != "/api/v10/guilds/456/members/9" {
		t.Errorf("path = %s", got.URL.Path)
	}
	if a := got.Header.Get("Authorization"); a != "Bot bot-secret" {
		t.Errorf("Authorization = %q", a)
	}
	if ua := got.Header.Get("User-Agent"); ua != "DiscordBot (https://github.com/authctl/authctl, 1.2.3)" {
		t.Errorf("User-Agent = %q", ua)
	}
	if m.User == nil || m.User.Username != "alice" {
		t.Errorf("member = %+v", m)
	}
}

func TestConnectionErrorIsRetriedThenUnavailable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens any more: every attempt fails to connect
	c := &Client{BaseURL: base, Backoff: time.Millisecond}
	_, err := c.CurrentUserGuildMember(context.Background(), Credentials{Token: "tok"}, "1")
	var e *UnavailableError
	if !errors.As(err, &e) || e.Attempts != 1+DefaultMaxRetries {
		t.Fatalf("err = %v, want UnavailableError after %d attempts", err, 1+DefaultMaxRetries)
	}
}

func guildPage(from, n int) string {
	gs := make([]Guild, n)
	for i := range gs {
		id := strconv.Itoa(1000 + from + i)
		gs[i] = Guild{ID: id, Name: "g" + id, Permissions: "0"}
	}
	b, _ := json.Marshal(gs)
	return string(b)
}

func TestCurrentUserGuildsPaging(t *testing.T) {
	t.Parallel()
	var afters []string
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		afters = append(afters, r.URL.Query().Get("after"))
		if r.URL.Query().Get("limit") != "200" {
			t.Errorf("limit = %q", r.URL.Query().Get("limit"))
		}
		if r.URL.Query().Get("after") == "" {
			// The bucket is exhausted: the next page must wait for the reset.
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset-After", "0.05")
			fmt.Fprint(w, guildPage(0, 200))
			return
		}
		fmt.Fprint(w, guildPage(200, 50))
	}))
	start := time.Now()
	gs, err := c.CurrentUserGuilds(context.Background(), Credentials{Token: "tok"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 250 || gs[249].ID != "1249" {
		t.Fatalf("got %d guilds, last %+v", len(gs), gs[len(gs)-1])
	}
	if len(afters) != 2 || afters[0] != "" || afters[1] != "1199" {
		t.Errorf("after values = %q, want [\"\" \"1199\"]", afters)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Errorf("second page was requested before the bucket reset")
	}
}

// A server that answers a full page which does not move past `after` would be paged forever:
// the client stops with a malformed-response error after the second such request.
func TestCurrentUserGuildsPagingMustMoveForward(t *testing.T) {
	t.Parallel()
	requests := 0
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		fmt.Fprint(w, guildPage(0, 200)) // ignores after
	}))
	_, err := c.CurrentUserGuilds(context.Background(), Credentials{Token: "tok"}, nil)
	var malformed *MalformedError
	if !errors.As(err, &malformed) || requests != 2 {
		t.Fatalf("err = %v after %d requests, want a MalformedError after 2", err, requests)
	}
}

func TestExhaustedBucketBeyondBudget(t *testing.T) {
	t.Parallel()
	s := &scripted{answers: []func(http.ResponseWriter, *http.Request){
		jsonAnswer(200, guildPage(0, 200), "X-RateLimit-Remaining", "0", "X-RateLimit-Reset-After", "60"),
	}}
	c := newTestClient(t, s)
	_, err := c.CurrentUserGuilds(context.Background(), Credentials{Token: "tok"}, nil)
	var e *RateLimitError
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want RateLimitError", err)
	}
	if s.n.Load() != 1 {
		t.Errorf("requests = %d, want 1: no request to an exhausted bucket", s.n.Load())
	}
}

func TestCurrentUserGuildsStop(t *testing.T) {
	t.Parallel()
	s := &scripted{answers: []func(http.ResponseWriter, *http.Request){jsonAnswer(200, guildPage(0, 200))}}
	c := newTestClient(t, s)
	gs, err := c.CurrentUserGuilds(context.Background(), Credentials{Token: "tok"}, func(g Guild) bool { return g.ID == "1010" })
	if err != nil || len(gs) != 11 || s.n.Load() != 1 {
		t.Fatalf("guilds %d, requests %d, err %v", len(gs), s.n.Load(), err)
	}
}

func TestCheckRoles(t *testing.T) {
	t.Parallel()
	member := &Member{Roles: []string{"111", "222"}}
	tests := []struct {
		name        string
		want        []string
		all         bool
		ok          bool
		matched     int
		missingWant []string
	}{
		{"no roles asked", nil, false, true, 0, nil},
		{"any of, one held", []string{"999", "222"}, false, true, 1, []string{"999"}},
		{"any of, none held", []string{"999"}, false, false, 0, []string{"999"}},
		{"all of, all held", []string{"111", "222"}, true, true, 2, nil},
		{"all of, one missing", []string{"111", "999"}, true, false, 1, []string{"999"}},
		{"@everyone always held", []string{"456"}, true, true, 1, nil},
		{"ids compared as strings", []string{"0111"}, false, false, 0, []string{"0111"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := CheckRoles("456", member, tt.want, tt.all)
			if rc.OK != tt.ok || len(rc.Matched) != tt.matched || len(rc.Missing) != len(tt.missingWant) {
				t.Fatalf("CheckRoles = %+v", rc)
			}
			for i, m := range tt.missingWant {
				if rc.Missing[i] != m {
					t.Errorf("missing[%d] = %q, want %q", i, rc.Missing[i], m)
				}
			}
		})
	}
}
