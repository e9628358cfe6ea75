package credential

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
)

// Status shows each login without its tokens, notes the providers whose variable overrides the
// store, and says why when the one provider asked for has nothing stored.
func TestStatus(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	s, st := newSource(t, map[string]string{"AUTHCTL_KNOWN_TOKEN": "from-env"}, now)
	put(t, st,
		&provider.Credential{Provider: "known", Account: "work", AccessToken: "tok-1", Expiry: now.Add(-time.Minute), RefreshToken: "refresh-1", UserID: "7", UserName: "alice"},
		&provider.Credential{Provider: "known", Account: "home", AccessToken: "tok-2", Scopes: []string{"identify"}},
		&provider.Credential{Provider: "other", Account: "home", AccessToken: "tok-3", Expiry: now.Add(time.Hour)})
	ctx := context.Background()
	status, err := s.Status(ctx, "", now)
	if err != nil || status.Missing != nil {
		t.Fatal(err, status.Missing)
	}
	expired, valid := now.Add(-time.Minute), now.Add(time.Hour)
	want := []LoginStatus{
		{Provider: "known", Account: "home", Scopes: []string{"identify"}, Store: "file"},
		{Provider: "known", Account: "work", UserID: "7", User: "alice", Scopes: []string{}, Expiry: &expired, Expired: true, Refreshable: true, Store: "file"},
		{Provider: "other", Account: "home", Scopes: []string{}, Expiry: &valid, Store: "file"},
	}
	if !reflect.DeepEqual(status.Accounts, want) || !reflect.DeepEqual(status.Overridden, []string{"known"}) {
		t.Errorf("Status = %+v, overridden %q", status.Accounts, status.Overridden)
	}
	b, err := json.Marshal(status)
	if err != nil || strings.Contains(string(b), "tok-") || strings.Contains(string(b), "refresh-1") || strings.Contains(string(b), "from-env") {
		t.Errorf("status JSON %s, %v: shows a token", b, err)
	}
	if status, err := s.Status(ctx, "nothing", now); err != nil || exitcode.Of(status.Missing) != exitcode.Usage {
		t.Errorf("an unknown provider: %v, missing %v; want exit 2", err, status.Missing)
	}
	empty, _ := newSource(t, nil, now)
	status, err = empty.Status(ctx, "known", now)
	if err != nil || exitcode.Of(status.Missing) != exitcode.Auth || status.Missing.Error() != "not logged in to known; run authctl login known" || len(status.Accounts) != 0 {
		t.Errorf("nothing stored: %+v, %v; want exit 3 with the way out", status, err)
	}
}

// AppStatus gives each integration token's key, its expiry in UTC (or never) and whether it is still valid.
func TestAppStatus(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	s, _ := newSource(t, nil, now)
	ctx := context.Background()
	github := GitHubAppKey("https://api.github.com", "42", 0, "o/r", "", "")
	sentry := SentryAppKey("uuid")
	for key, expiry := range map[AppKey]time.Time{github: now.Add(-time.Second), sentry: {}} {
		if err := s.SaveAppToken(ctx, key, &provider.Credential{AccessToken: "secret", Expiry: expiry}); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := s.AppStatus(ctx, now)
	if err != nil || len(entries) != 2 {
		t.Fatalf("AppStatus = %+v, %v", entries, err)
	}
	got := map[string]AppTokenStatus{}
	for _, e := range entries {
		got[e.Key] = e
	}
	if e := got["github-app:api.github.com:42:repo:o/r"]; e.Expires != "2026-12-04T10:59:59Z" || e.Valid || e.AppKey != github {
		t.Errorf("github entry %+v", e)
	}
	if e := got["sentry-app:uuid"]; e.Expires != "never" || !e.Valid || !e.Expiry.IsZero() {
		t.Errorf("sentry entry %+v", e)
	}
}
