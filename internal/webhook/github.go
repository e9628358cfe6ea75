package webhook

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
	"sync"
	"time"
)

// github: X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>, with
// the legacy SHA-1 X-Hub-Signature accepted only when it is all there is.
// GitHub sends both; so does Sign.
type github struct{}

const (
	githubSig256   = "X-Hub-Signature-256"
	githubSig1     = "X-Hub-Signature"
	githubDelivery = "X-GitHub-Delivery"
)

func (github) Name() string { return "github" }

// Profile is built once: listen asks it for every delivery.
func (github) Profile() Profile { return githubProfile() }

var githubProfile = sync.OnceValue(func() Profile {
	// The headers of a repository webhook, as in GitHub's example delivery
	// (docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers).
	h := func(event string) map[string]string {
		return map[string]string{
			"Content-Type": contentJSON, "X-GitHub-Event": event, "User-Agent": "GitHub-Hookshot/authctl", "X-GitHub-Hook-ID": "123456789",
			"X-GitHub-Hook-Installation-Target-ID": "1296269", "X-GitHub-Hook-Installation-Target-Type": "repository",
		}
	}
	return Profile{
		Key:              SharedSecret,
		EventHeader:      "X-GitHub-Event",
		IDHeaders:        []string{githubDelivery},
		SignatureHeaders: []string{githubSig256, githubSig1},
		IDShape:          UUID,
		Samples: []Sample{
			sample("github", "ping", "sent when a webhook is created", "github-ping.json", h("ping")),
			sample("github", "push", "commits pushed to a branch (non-ASCII commit message)", "github-push.json", h("push")),
			sample("github", "issues", "an issue opened", "github-issues.json", h("issues")),
		},
	}
})

func (github) SignsTimestamp() bool { return false }

func (github) Verify(in Input) (Result, error) {
	name, prefix, newHash := githubSig256, "sha256=", sha256.New
	var warnings []string
	if len(in.Header.Values(githubSig256)) == 0 && len(in.Header.Values(githubSig1)) > 0 {
		name, prefix, newHash = githubSig1, "sha1=", func() hash.Hash { return sha1.New() }
		warnings = append(warnings, "only the legacy SHA-1 X-Hub-Signature is present; GitHub also sends X-Hub-Signature-256, prefer it")
	}
	v, bad := single(in.Header, name)
	if bad != nil {
		return *bad, nil
	}
	hexSig, ok := strings.CutPrefix(v, prefix)
	if !ok {
		return malformed(name, "does not start with "+prefix), nil
	}
	want, err := hex.DecodeString(hexSig)
	if err != nil || len(want) != newHash().Size() {
		return malformed(name, "not a hex "+strings.TrimSuffix(prefix, "=")+" digest"), nil
	}
	match, shape, err := streamMAC(func() hash.Hash { return hmac.New(newHash, in.Secret) }, "", in.Body, want)
	if err != nil {
		return Result{}, err
	}
	var r Result
	if match {
		r = valid(nil)
	} else {
		r = mismatch(shape)
	}
	r.Warnings = warnings
	return r, nil
}

// Sign sends both signatures, as GitHub does for a webhook with a secret.
func (github) Sign(body, secret []byte, _ time.Time, id string) (Headers, error) {
	var h Headers
	if id != "" {
		h = append(h, Field{githubDelivery, id})
	}
	mac1 := hmac.New(sha1.New, secret)
	mac1.Write(body)
	mac256 := hmac.New(sha256.New, secret)
	mac256.Write(body)
	return append(h,
		Field{githubSig1, "sha1=" + hex.EncodeToString(mac1.Sum(nil))},
		Field{githubSig256, "sha256=" + hex.EncodeToString(mac256.Sum(nil))},
	), nil
}
