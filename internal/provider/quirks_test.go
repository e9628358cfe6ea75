package provider

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
)

// fakeProvider serves one canned answer per path and records the requests.
type fakeProvider struct {
	mu       sync.Mutex
	answers  map[string]func(w http.ResponseWriter, r *http.Request)
	requests []*http.Request
	forms    []url.Values
}

func (f *fakeProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	f.mu.Lock()
	f.requests = append(f.requests, r)
	f.forms = append(f.forms, form)
	f.mu.Unlock()
	answer, ok := f.answers[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	answer(w, r)
}

func jsonAnswer(status int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// startFake resolves a provider of kind whose every URL points at a fake.
func startFake(t *testing.T, kind string, answers map[string]func(http.ResponseWriter, *http.Request)) (*Provider, *fakeProvider) {
	t.Helper()
	fake := &fakeProvider{answers: answers}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	cfg := &config.Config{Providers: map[string]config.Provider{kind: {
		ClientID: "cid", ClientSecret: "csecret",
		AuthURL: ptr(srv.URL + "/authorize"), TokenURL: ptr(srv.URL + "/token"),
		RevokeURL: ptr(srv.URL + "/revoke"), APIURL: ptr(srv.URL + "/api"),
	}}}
	p, err := Resolve(context.Background(), cfg, kind, envOf(nil), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return p, fake
}

func TestRefreshErrorsMapToExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		kind     string
		answer   func(http.ResponseWriter, *http.Request)
		wantCode int
		wantMsg  string
	}{
		{"discord invalid_grant", "discord", jsonAnswer(400, `{"error":"invalid_grant","error_description":"Invalid refresh token"}`), exitcode.Auth, "refresh token rejected (invalid_grant: Invalid refresh token); run authctl login discord"},
		{"github HTTP-200 error", "github", jsonAnswer(200, `{"error":"bad_refresh_token","error_description":"The refresh token passed is incorrect or expired."}`), exitcode.Auth, "run authctl login github"},
		{"sentry invalid_client", "sentry", jsonAnswer(401, `{"error":"invalid_client"}`), exitcode.Usage, "client credentials rejected"},
		{"server error", "discord", jsonAnswer(500, `oops`), exitcode.Provider, "HTTP 500"},
		{"garbage", "discord", jsonAnswer(200, `{"access_token":`), exitcode.Provider, "refresh token"},
		{"slack invalid_refresh_token", "slack", jsonAnswer(200, `{"ok":false,"error":"invalid_refresh_token"}`), exitcode.Auth, "run authctl login slack"},
		{"slack server error", "slack", jsonAnswer(502, `bad gateway`), exitcode.Provider, "HTTP 502"},
		{"slack garbage", "slack", jsonAnswer(200, `<html>`), exitcode.Provider, "malformed response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, _ := startFake(t, tt.kind, map[string]func(http.ResponseWriter, *http.Request){"/token": tt.answer})
			_, err := p.Refresh(context.Background(), &Credential{Provider: tt.kind, AccessToken: "old-access", RefreshToken: "PLANTED-REFRESH"})
			if err == nil {
				t.Fatal("Refresh succeeded, want an error")
			}
			if code := exitcode.Of(err); code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (%v)", code, tt.wantCode, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %q, want one line containing %q", err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "PLANTED-REFRESH") || strings.Contains(err.Error(), "csecret") {
				t.Errorf("error leaks a secret: %q", err)
			}
		})
	}
}

func TestRefreshRotatesAndKeepsIdentity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		kind        string
		body        string
		wantRefresh string
		wantScopes  string
		wantTTL     time.Duration
	}{
		{"discord rotates", "discord", `{"access_token":"new-a","token_type":"Bearer","expires_in":604800,"refresh_token":"new-r","scope":"identify guilds"}`, "new-r", "identify guilds", 604800 * time.Second},
		{"github app keeps old refresh when none sent", "github", `{"access_token":"new-a","token_type":"bearer","expires_in":28800,"scope":"read:user"}`, "old-r", "read:user", 28800 * time.Second},
		{"sentry null expires_in uses expires_at", "sentry", `{"access_token":"new-a","token_type":"bearer","expires_in":null,"expires_at":"` + time.Now().Add(8*time.Hour).UTC().Format(time.RFC3339) + `","refresh_token":"new-r","scope":"org:read"}`, "new-r", "org:read", 8 * time.Hour},
		{"slack user token", "slack", `{"ok":true,"access_token":"bot-a","token_type":"bot","authed_user":{"id":"U1","access_token":"new-a","refresh_token":"new-r","expires_in":43200,"scope":"users:read,chat:write","token_type":"user"}}`, "new-r", "users:read chat:write", 12 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, fake := startFake(t, tt.kind, map[string]func(http.ResponseWriter, *http.Request){"/token": jsonAnswer(200, tt.body)})
			old := &Credential{Provider: tt.kind, Account: "work", AccessToken: "old-a", RefreshToken: "old-r", UserID: "42", UserName: "ann", Extra: map[string]any{"keep": "me"}}
			got, err := p.Refresh(context.Background(), old)
			if err != nil {
				t.Fatal(err)
			}
			if got.AccessToken != "new-a" || got.RefreshToken != tt.wantRefresh {
				t.Errorf("tokens = %q/%q, want new-a/%s", got.AccessToken, got.RefreshToken, tt.wantRefresh)
			}
			if got.Account != "work" || got.UserID != "42" || got.UserName != "ann" || got.Extra["keep"] != "me" {
				t.Errorf("identity or extras lost: %+v", got)
			}
			if strings.Join(got.Scopes, " ") != tt.wantScopes {
				t.Errorf("scopes = %q, want %q", got.Scopes, tt.wantScopes)
			}
			if ttl := time.Until(got.Expiry); ttl < tt.wantTTL-time.Minute || ttl > tt.wantTTL+time.Minute {
				t.Errorf("expiry in %s, want about %s", ttl, tt.wantTTL)
			}
			form := fake.forms[0]
			if form.Get("grant_type") != "refresh_token" || form.Get("refresh_token") != "old-r" {
				t.Errorf("refresh form = %v", form)
			}
			if form.Get("client_id") != "cid" || form.Get("client_secret") != "csecret" {
				t.Errorf("client credentials not in the form: %v", form)
			}
			if _, _, basic := fake.requests[0].BasicAuth(); basic {
				t.Error("client credentials sent both in the form and as Basic")
			}
		})
	}
}

func TestDiscordSendsUserAgentAndReadsIdentity(t *testing.T) {
	t.Parallel()
	p, fake := startFake(t, "discord", map[string]func(http.ResponseWriter, *http.Request){
		"/api/users/@me": jsonAnswer(200, `{"id":"80351110224678912","username":"nelly","global_name":"Nelly"}`),
	})
	id, err := p.Identity(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	if id != (Identity{ID: "80351110224678912", Name: "nelly"}) {
		t.Errorf("identity = %+v", id)
	}
	req := fake.requests[0]
	if ua := req.Header.Get("User-Agent"); !strings.HasPrefix(ua, "DiscordBot (https://github.com/authctl/authctl, ") {
		t.Errorf("User-Agent = %q", ua)
	}
	if req.Header.Get("Authorization") != "Bearer tok" {
		t.Errorf("Authorization = %q", req.Header.Get("Authorization"))
	}
}

func TestIdentityRejectedTokenIsUnauthorized(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind, path, body string
		status           int
	}{
		{"discord", "/api/users/@me", `{"message":"401: Unauthorized","code":0}`, 401},
		{"github", "/api/user", `{"message":"Bad credentials"}`, 401},
		{"slack", "/api/auth.test", `{"ok":false,"error":"invalid_auth"}`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			p, _ := startFake(t, tt.kind, map[string]func(http.ResponseWriter, *http.Request){tt.path: jsonAnswer(tt.status, tt.body)})
			_, err := p.Identity(context.Background(), "dead")
			if !isUnauthorized(err) || exitcode.Of(err) != exitcode.Auth {
				t.Errorf("err = %v (exit %d), want ErrUnauthorized and exit 3", err, exitcode.Of(err))
			}
		})
	}
}

func isUnauthorized(err error) bool {
	return errors.Is(err, ErrUnauthorized)
}

func TestSlackUserOnlyExchange(t *testing.T) {
	t.Parallel()
	p, fake := startFake(t, "slack", map[string]func(http.ResponseWriter, *http.Request){
		"/token":         jsonAnswer(200, `{"ok":true,"app_id":"A1","authed_user":{"id":"U1","scope":"users:read","access_token":"xoxp-user","token_type":"user"},"team":{"id":"T1","name":"Acme"}}`),
		"/api/auth.test": jsonAnswer(200, `{"ok":true,"user":"ann","user_id":"U1","team":"Acme"}`),
	})
	conf := p.OAuth2("http://localhost:5000/callback", nil)
	cred, err := p.Exchange(context.Background(), conf, "the-code", "the-verifier", "")
	if err != nil {
		t.Fatal(err)
	}
	if cred.AccessToken != "xoxp-user" || cred.UserID != "U1" || cred.UserName != "ann" || cred.Extra["team_id"] != "T1" {
		t.Errorf("credential = %+v", cred)
	}
	form := fake.forms[0]
	if form.Get("code") != "the-code" || form.Get("code_verifier") != "the-verifier" || form.Get("redirect_uri") != "http://localhost:5000/callback" {
		t.Errorf("exchange form = %v", form)
	}
}

func TestSentryExchangeTakesUserFromResponse(t *testing.T) {
	t.Parallel()
	p, fake := startFake(t, "sentry", map[string]func(http.ResponseWriter, *http.Request){
		"/token": jsonAnswer(200, `{"access_token":"a","refresh_token":"r","expires_in":null,"expires_at":"2099-01-01T00:00:00Z","token_type":"bearer","scope":"org:read","user":{"id":"7","name":"Ann","email":"ann@example.com"}}`),
	})
	cred, err := p.Exchange(context.Background(), p.OAuth2("http://127.0.0.1:1/callback", nil), "c", "v", "")
	if err != nil {
		t.Fatal(err)
	}
	if cred.UserID != "7" || cred.UserName != "ann@example.com" || cred.Expiry.Year() != 2099 {
		t.Errorf("credential = %+v", cred)
	}
	if len(fake.requests) != 1 {
		t.Errorf("%d requests, want only the token request", len(fake.requests))
	}
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	t.Run("discord RFC 7009 form", func(t *testing.T) {
		t.Parallel()
		p, fake := startFake(t, "discord", map[string]func(http.ResponseWriter, *http.Request){"/revoke": jsonAnswer(200, `{}`)})
		if err := p.Revoke(context.Background(), &Credential{AccessToken: "a"}); err != nil {
			t.Fatal(err)
		}
		form := fake.forms[0]
		if form.Get("token") != "a" || form.Get("client_id") != "cid" || fake.requests[0].Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("revoke request: %v", form)
		}
	})
	t.Run("github applications API", func(t *testing.T) {
		t.Parallel()
		p, fake := startFake(t, "github", map[string]func(http.ResponseWriter, *http.Request){"/api/applications/cid/token": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }})
		if err := p.Revoke(context.Background(), &Credential{AccessToken: "a"}); err != nil {
			t.Fatal(err)
		}
		req := fake.requests[0]
		if user, pass, ok := req.BasicAuth(); req.Method != http.MethodDelete || !ok || user != "cid" || pass != "csecret" {
			t.Errorf("revoke request %s with basic %v", req.Method, ok)
		}
	})
	t.Run("sentry without a secret cannot revoke", func(t *testing.T) {
		t.Parallel()
		p, fake := startFake(t, "sentry", nil)
		p.ClientSecret = "" // a public device-flow client: OAuthRevokeView requires client_secret
		if err := p.Revoke(context.Background(), &Credential{AccessToken: "a"}); err != ErrRevokeUnsupported || len(fake.requests) != 0 {
			t.Errorf("err = %v after %d requests, want ErrRevokeUnsupported without a request", err, len(fake.requests))
		}
	})
	t.Run("server error", func(t *testing.T) {
		t.Parallel()
		p, _ := startFake(t, "discord", map[string]func(http.ResponseWriter, *http.Request){"/revoke": jsonAnswer(503, `down`)})
		if err := p.Revoke(context.Background(), &Credential{AccessToken: "a"}); exitcode.Of(err) != exitcode.Provider {
			t.Errorf("err = %v, want exit 4", err)
		}
	})
}

func TestRefreshWithoutRefreshToken(t *testing.T) {
	t.Parallel()
	p, fake := startFake(t, "github", nil)
	tests := []struct {
		name     string
		cred     Credential
		wantCode int
		wantMsg  string
	}{
		{"OAuth App token that never expires", Credential{AccessToken: "a"}, exitcode.Usage, "never expires and has no refresh token"},
		{"expired without refresh token", Credential{AccessToken: "a", Expiry: time.Now().Add(-time.Minute)}, exitcode.Auth, "cannot be refreshed; run authctl login github"},
		{"refresh token expired", Credential{AccessToken: "a", RefreshToken: "r", RefreshExpiry: time.Now().Add(-time.Minute)}, exitcode.Auth, "refresh token has expired; run authctl login github"},
	}
	for _, tt := range tests {
		_, err := p.Refresh(context.Background(), &tt.cred)
		if exitcode.Of(err) != tt.wantCode || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: %v (exit %d), want exit %d with %q", tt.name, err, exitcode.Of(err), tt.wantCode, tt.wantMsg)
		}
	}
	if len(fake.requests) != 0 {
		t.Errorf("%d requests, want none", len(fake.requests))
	}
}
