package webhook

import (
	"net/http"
	"strings"
	"testing"
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
