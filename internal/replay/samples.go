// Package replay sends signed webhook deliveries (built-in samples, captured
// requests, recorded deliveries) to a handler, in bursts with latency
// statistics, and listens for deliveries to verify, forward and record them.
// Signing and verification are passed in as functions: this package knows
// nothing of any provider's signature scheme.
package replay

import (
	"embed"
	"fmt"
	"net/http"
	"sort"
)

//go:embed samples
var sampleFiles embed.FS

// Sample is a built-in example delivery of one event for one provider. The
// body is stored as a file and sent exactly as stored.
type Sample struct {
	Provider    string
	Name        string
	Description string
	file        string
	header      map[string]string
}

const (
	contentJSON = "application/json"
	contentForm = "application/x-www-form-urlencoded"
)

var samples = []Sample{
	{"github", "ping", "sent when a webhook is created", "github-ping.json", map[string]string{"Content-Type": contentJSON, "X-GitHub-Event": "ping", "User-Agent": "GitHub-Hookshot/authctl", "X-GitHub-Hook-ID": "123456789"}},
	{"github", "push", "commits pushed to a branch (non-ASCII commit message)", "github-push.json", map[string]string{"Content-Type": contentJSON, "X-GitHub-Event": "push", "User-Agent": "GitHub-Hookshot/authctl", "X-GitHub-Hook-ID": "123456789"}},
	{"github", "issues", "an issue opened", "github-issues.json", map[string]string{"Content-Type": contentJSON, "X-GitHub-Event": "issues", "User-Agent": "GitHub-Hookshot/authctl", "X-GitHub-Hook-ID": "123456789"}},
	{"slack", "slash_command", "a slash command (form-encoded)", "slack-slash_command.form", map[string]string{"Content-Type": contentForm, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}},
	{"slack", "url_verification", "the Events API URL challenge", "slack-url_verification.json", map[string]string{"Content-Type": contentJSON, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}},
	{"discord", "ping", "interaction PING (type 1), answered with {\"type\":1}", "discord-ping.json", map[string]string{"Content-Type": contentJSON, "User-Agent": "Discord-Interactions/1.0 (+https://discord.com)"}},
	{"discord", "application_command", "a slash command interaction (type 2)", "discord-application_command.json", map[string]string{"Content-Type": contentJSON, "User-Agent": "Discord-Interactions/1.0 (+https://discord.com)"}},
	{"sentry", "issue.created", "an issue created (compact JSON, \\u-escaped)", "sentry-issue.created.json", map[string]string{"Content-Type": contentJSON, "Sentry-Hook-Resource": "issue"}},
	{"stripe", "payment_intent.succeeded", "a payment succeeded (pretty-printed JSON)", "stripe-payment_intent.succeeded.json", map[string]string{"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}},
	{"standard", "user.created", "a Standard Webhooks (Svix) example event", "standard-user.created.json", map[string]string{"Content-Type": contentJSON}},
	{"shopify", "orders/create", "an order created", "shopify-orders.create.json", map[string]string{"Content-Type": contentJSON, "X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": "sandbox.myshopify.com", "X-Shopify-API-Version": "2024-10"}},
}

// Samples returns the built-in samples of provider, or of every provider when
// provider is "", in a stable order.
func Samples(provider string) []Sample {
	var out []Sample
	for _, s := range samples {
		if provider == "" || s.Provider == provider {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Provider < out[j].Provider })
	return out
}

// LookupSample finds the sample called name for provider.
func LookupSample(provider, name string) (Sample, error) {
	var names []string
	for _, s := range Samples(provider) {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	if len(names) == 0 {
		return Sample{}, fmt.Errorf("no built-in events for %s", provider)
	}
	return Sample{}, fmt.Errorf("no built-in event %q for %s (have: %v)", name, provider, names)
}

// Delivery returns the sample as a delivery template: its headers and the
// exact body bytes.
func (s Sample) Delivery() Delivery {
	body, err := sampleFiles.ReadFile("samples/" + s.file)
	if err != nil {
		panic(fmt.Sprintf("replay: embedded sample %s missing: %v", s.file, err)) // a build defect, caught by tests
	}
	h := http.Header{}
	for k, v := range s.header {
		h.Set(k, v)
	}
	return Delivery{Header: h, Body: body}
}
