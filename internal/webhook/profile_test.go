package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func mustLookup(t *testing.T, name string) Scheme {
	t.Helper()
	s, ok := Lookup(name)
	if !ok {
		t.Fatalf("no scheme %q", name)
	}
	return s
}

func TestSamplesCoverTheIssueList(t *testing.T) {
	t.Parallel()
	want := map[string][]string{
		"github":   {"ping", "push", "issues"},
		"slack":    {"slash_command", "url_verification"},
		"discord":  {"ping", "application_command"},
		"sentry":   {"issue.created"},
		"stripe":   {"payment_intent.succeeded"},
		"standard": {"user.created"},
	}
	for provider, names := range want {
		for _, name := range names {
			s, err := LookupSample(provider, name)
			if err != nil {
				t.Errorf("LookupSample(%s, %s): %v", provider, name, err)
				continue
			}
			if len(s.Body()) == 0 || s.Header().Get("Content-Type") == "" {
				t.Errorf("%s/%s: empty body or no Content-Type", provider, name)
			}
			if h := mustLookup(t, provider).Profile().EventHeader; h != "" && s.Header().Get(h) == "" {
				t.Errorf("%s/%s: no %s header", provider, name, h)
			}
		}
	}
	for _, s := range Samples("") {
		if len(s.Body()) == 0 {
			t.Errorf("%s/%s has an empty body", s.Provider, s.Name)
		}
	}
}

func TestLookupSampleErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ provider, name, want string }{
		{"github", "nope", `no built-in event "nope" for github`},
		{"gitlab", "push", "no built-in events for gitlab"},
	} {
		if _, err := LookupSample(tt.provider, tt.name); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LookupSample(%q, %q) = %v, want %q", tt.provider, tt.name, err, tt.want)
		}
	}
}

func TestEventName(t *testing.T) {
	t.Parallel()
	form := http.Header{"Content-Type": {contentForm}}
	tests := []struct {
		provider string
		h        http.Header
		body     string
		want     string
	}{
		{"github", http.Header{"X-Github-Event": {"issues"}}, `{"action":"opened"}`, "issues.opened"},
		{"github", http.Header{"X-Github-Event": {"push"}}, `{}`, "push"},
		{"slack", form, "command=%2Fweather&text=x", "/weather"},
		{"slack", form, "payload=%7B%7D", "interactive"},
		{"slack", nil, `{"type":"event_callback"}`, "event_callback"},
		{"discord", nil, `{"type":1}`, "ping"},
		{"discord", nil, `{"type":2}`, "application_command"},
		{"stripe", nil, `{"type":"payment_intent.succeeded"}`, "payment_intent.succeeded"},
		{"standard", nil, `not json`, ""},
	}
	for _, tt := range tests {
		if got := EventName(mustLookup(t, tt.provider), tt.h, []byte(tt.body)); got != tt.want {
			t.Errorf("EventName(%s, %s) = %q, want %q", tt.provider, tt.body, got, tt.want)
		}
	}
}

// TestSignLikeTheProvider: GitHub's two signatures both verify (the SHA-1 one
// alone, too); Shopify's Events header without X- verifies as the classic one.
func TestSignLikeTheProvider(t *testing.T) {
	t.Parallel()
	body, secret, now := []byte(`{"a":1}`), []byte("s3cret"), time.Unix(1_700_000_000, 0)
	gh, err := mustLookup(t, "github").Sign(body, secret, now, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	if err != nil {
		t.Fatal(err)
	}
	h := gh.HTTP()
	if h.Get("X-Hub-Signature") == "" || h.Get("X-Hub-Signature-256") == "" {
		t.Fatalf("github headers %v, want both signatures", h)
	}
	sha1Only := http.Header{"X-Hub-Signature": h.Values("X-Hub-Signature")}
	for _, hh := range []http.Header{h, sha1Only} {
		if res, err := mustLookup(t, "github").Verify(Input{Header: hh, Body: bytes.NewReader(body), Secret: secret, Now: now}); err != nil || !res.Valid {
			t.Errorf("github %v: %+v %v", hh, res, err)
		}
	}
	shop, err := mustLookup(t, "shopify").Sign(body, secret, now, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
	if err != nil {
		t.Fatal(err)
	}
	sh := shop.HTTP()
	if sh.Get("X-Shopify-Triggered-At") != "2023-11-14T22:13:20Z" || sh.Get("X-Shopify-Event-Id") == "" {
		t.Errorf("shopify headers %v lack the trigger time or event id", sh)
	}
	events := http.Header{"Shopify-Hmac-Sha256": sh.Values("X-Shopify-Hmac-Sha256")}
	if res, err := mustLookup(t, "shopify").Verify(Input{Header: events, Body: bytes.NewReader(body), Secret: secret, Now: now}); err != nil || !res.Valid {
		t.Errorf("shopify Events header: %+v %v", res, err)
	}
}

func TestSampleAPIVersion(t *testing.T) {
	t.Parallel()
	stripe, _ := LookupSample("stripe", "payment_intent.succeeded")
	if !bytes.Contains(stripe.Body(), []byte(`"api_version": "2026-03-25.dahlia"`)) {
		t.Errorf("stripe sample does not default to stripe-go v85's release train")
	}
	older, err := stripe.WithAPIVersion("2024-06-20")
	if err != nil || !bytes.Contains(older.Body(), []byte(`"api_version": "2024-06-20"`)) || len(older.Body()) != len(stripe.Body())-len(".dahlia") {
		t.Errorf("WithAPIVersion: %v, body %s", err, older.Body())
	}
	shop, _ := LookupSample("shopify", "orders/create")
	if s, err := shop.WithAPIVersion("2026-10"); err != nil || s.Header().Get("X-Shopify-API-Version") != "2026-10" {
		t.Errorf("shopify WithAPIVersion: %v", err)
	}
	gh, _ := LookupSample("github", "push")
	if _, err := gh.WithAPIVersion("2022-11-28"); err == nil || !strings.Contains(err.Error(), "declares no API version") {
		t.Errorf("github WithAPIVersion: %v", err)
	}
	if _, err := stripe.WithAPIVersion(`x", "livemode": true, "y": "`); err == nil {
		t.Error("an API version that breaks out of its JSON string was accepted")
	}
}

// The Discord command's member carries what an interaction's member does
// (discord.com/developers/docs/resources/guild#guild-member-object).
func TestDiscordCommandSampleMember(t *testing.T) {
	t.Parallel()
	s, _ := LookupSample("discord", "application_command")
	var in struct {
		Member struct {
			Permissions string  `json:"permissions"`
			JoinedAt    *string `json:"joined_at"`
		} `json:"member"`
	}
	if err := json.Unmarshal(s.Body(), &in); err != nil || in.Member.Permissions == "" || in.Member.JoinedAt == nil {
		t.Errorf("member %+v (%v): want permissions and joined_at", in.Member, err)
	}
}

func TestProviderLists(t *testing.T) {
	t.Parallel()
	if got := strings.Join(NamesWithKey(KeyPair), ","); got != "discord" {
		t.Errorf("NamesWithKey(KeyPair) = %s, want discord", got)
	}
	if got := len(NamesWithKey(SharedSecret)) + len(NamesWithKey(KeyPair)); got != len(Names()) {
		t.Errorf("the key kinds cover %d schemes, want all %d", got, len(Names()))
	}
	var want []string
	for _, s := range Samples("") {
		if len(want) == 0 || want[len(want)-1] != s.Provider {
			want = append(want, s.Provider)
		}
	}
	if got := SampleProviders(); strings.Join(got, ",") != strings.Join(want, ",") || len(got) == 0 {
		t.Errorf("SampleProviders() = %v, want %v", got, want)
	}
}

func TestByName(t *testing.T) {
	t.Parallel()
	if s, err := ByName("github"); err != nil || s.Name() != "github" {
		t.Errorf("github: %v %v", s, err)
	}
	want := `unknown webhook provider "gitlab" (one of ` + strings.Join(Names(), ", ") + ")"
	if _, err := ByName("gitlab"); err == nil || err.Error() != want {
		t.Errorf("gitlab: %v, want %q", err, want)
	}
}
