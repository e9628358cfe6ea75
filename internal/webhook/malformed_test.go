package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

const discordPub = "36d6164ea133cf20c6575d3da52c20e8a3674d1a10b5158c378a6e5c23372049"

func TestVerifyMalformedInput(t *testing.T) {
	t.Parallel()
	hex64 := strings.Repeat("ab", 32)
	sig128 := strings.Repeat("ab", 64)
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		provider string
		name     string
		headers  [][2]string
		secret   string
		want     string // reason prefix
	}{
		{"github", "missing header", nil, "s", "missing header X-Hub-Signature-256"},
		{"github", "empty header", [][2]string{{"X-Hub-Signature-256", ""}}, "s", "missing header X-Hub-Signature-256"},
		{"github", "duplicated", [][2]string{{"X-Hub-Signature-256", "sha256=" + hex64}, {"X-Hub-Signature-256", "sha256=" + hex64}}, "s", "malformed header X-Hub-Signature-256: given 2 times"},
		{"github", "no prefix", [][2]string{{"X-Hub-Signature-256", hex64}}, "s", "malformed header X-Hub-Signature-256: does not start with sha256="},
		{"github", "non-hex", [][2]string{{"X-Hub-Signature-256", "sha256=zz" + hex64[2:]}}, "s", "malformed header X-Hub-Signature-256: not a hex sha256 digest"},
		{"github", "short", [][2]string{{"X-Hub-Signature-256", "sha256=abcd"}}, "s", "malformed header X-Hub-Signature-256: not a hex sha256 digest"},
		{"github", "sha1 in 256 header", [][2]string{{"X-Hub-Signature-256", "sha1=" + hex64[:40]}}, "s", "malformed header X-Hub-Signature-256: does not start with sha256="},
		{"slack", "missing signature", [][2]string{{"X-Slack-Request-Timestamp", "1700000000"}}, "s", "missing header X-Slack-Signature"},
		{"slack", "missing timestamp", [][2]string{{"X-Slack-Signature", "v0=" + hex64}}, "s", "missing header X-Slack-Request-Timestamp"},
		{"slack", "timestamp not a number", [][2]string{{"X-Slack-Signature", "v0=" + hex64}, {"X-Slack-Request-Timestamp", "yesterday"}}, "s", "malformed header X-Slack-Request-Timestamp: not a Unix timestamp"},
		{"slack", "negative timestamp", [][2]string{{"X-Slack-Signature", "v0=" + hex64}, {"X-Slack-Request-Timestamp", "-5"}}, "s", "malformed header X-Slack-Request-Timestamp"},
		{"slack", "huge timestamp", [][2]string{{"X-Slack-Signature", "v0=" + hex64}, {"X-Slack-Request-Timestamp", "99999999999999999999999"}}, "s", "malformed header X-Slack-Request-Timestamp"},
		{"slack", "wrong version", [][2]string{{"X-Slack-Signature", "v1=" + hex64}, {"X-Slack-Request-Timestamp", "1700000000"}}, "s", "malformed header X-Slack-Signature: does not start with v0="},
		{"slack", "non-hex", [][2]string{{"X-Slack-Signature", "v0=" + strings.Repeat("g", 64)}, {"X-Slack-Request-Timestamp", "1700000000"}}, "s", "malformed header X-Slack-Signature: not a hex"},
		{"discord", "missing signature", [][2]string{{"X-Signature-Timestamp", "1700000000"}}, discordPub, "missing header X-Signature-Ed25519"},
		{"discord", "missing timestamp", [][2]string{{"X-Signature-Ed25519", sig128}}, discordPub, "missing header X-Signature-Timestamp"},
		{"discord", "short signature", [][2]string{{"X-Signature-Ed25519", hex64}, {"X-Signature-Timestamp", "1700000000"}}, discordPub, "malformed header X-Signature-Ed25519"},
		{"discord", "wrong key length", [][2]string{{"X-Signature-Ed25519", sig128}, {"X-Signature-Timestamp", "1700000000"}}, discordPub[:62], "wrong key length: the Discord public key is 31 bytes, want 32"},
		{"discord", "bad timestamp", [][2]string{{"X-Signature-Ed25519", sig128}, {"X-Signature-Timestamp", "1.5"}}, discordPub, "malformed header X-Signature-Timestamp"},
		{"sentry", "missing", nil, "s", "missing header Sentry-Hook-Signature"},
		{"sentry", "non-hex", [][2]string{{"Sentry-Hook-Signature", "not-hex"}}, "s", "malformed header Sentry-Hook-Signature"},
		{"sentry", "app header non-hex", [][2]string{{"Sentry-App-Signature", "zz"}}, "s", "malformed header Sentry-App-Signature"},
		{"stripe", "missing", nil, "whsec_x", "missing header Stripe-Signature"},
		{"stripe", "no timestamp", [][2]string{{"Stripe-Signature", "v1=" + hex64}}, "whsec_x", "malformed header Stripe-Signature: no t= timestamp"},
		{"stripe", "no v1", [][2]string{{"Stripe-Signature", "t=1700000000,v0=" + hex64}}, "whsec_x", "malformed header Stripe-Signature: no v1= signature"},
		{"stripe", "garbage", [][2]string{{"Stripe-Signature", "garbage"}}, "whsec_x", "malformed header Stripe-Signature: element without '='"},
		{"stripe", "timestamp not a number", [][2]string{{"Stripe-Signature", "t=soon,v1=" + hex64}}, "whsec_x", "malformed header Stripe-Signature: t= is not a Unix timestamp"},
		{"stripe", "two timestamps", [][2]string{{"Stripe-Signature", "t=1,t=2,v1=" + hex64}}, "whsec_x", "malformed header Stripe-Signature: more than one t="},
		{"stripe", "non-hex v1", [][2]string{{"Stripe-Signature", "t=1700000000,v1=xyz"}}, "whsec_x", "malformed header Stripe-Signature: no usable v1= signature (not a hex sha256 digest)"},
		{"standard", "missing id", [][2]string{{"webhook-timestamp", "1700000000"}, {"webhook-signature", "v1,x"}}, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "missing header webhook-id"},
		{"standard", "missing timestamp", [][2]string{{"webhook-id", "msg_1"}, {"webhook-signature", "v1,x"}}, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "missing header webhook-timestamp"},
		{"standard", "bad base64", [][2]string{{"webhook-id", "msg_1"}, {"webhook-timestamp", "1700000000"}, {"webhook-signature", "v1,!!!"}}, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "malformed header webhook-signature: no usable v1 signature (not base64 of a sha256 digest)"},
		{"standard", "only unknown versions", [][2]string{{"webhook-id", "msg_1"}, {"webhook-timestamp", "1700000000"}, {"webhook-signature", "v1a,abc v2,def"}}, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "malformed header webhook-signature: no v1 signature"},
		{"standard", "svix missing id", [][2]string{{"svix-timestamp", "1700000000"}, {"svix-signature", "v1,x"}}, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "missing header svix-id"},
		{"shopify", "missing", nil, "s", "missing header X-Shopify-Hmac-Sha256"},
		{"shopify", "bad base64", [][2]string{{"X-Shopify-Hmac-Sha256", "%%%"}}, "s", "malformed header X-Shopify-Hmac-Sha256"},
		{"shopify", "hex instead of base64", [][2]string{{"X-Shopify-Hmac-Sha256", hex64}}, "s", "malformed header X-Shopify-Hmac-Sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.provider+"/"+tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := Lookup(tt.provider)
			h := Headers{}
			for _, kv := range tt.headers {
				h = append(h, Field{kv[0], kv[1]})
			}
			res, err := s.Verify(Input{Header: h.HTTP(), Body: strings.NewReader("{}"), Secret: []byte(tt.secret), Now: now, Tolerance: DefaultTolerance})
			if err != nil {
				t.Fatalf("error %v, want an invalid result", err)
			}
			if res.Valid || !strings.HasPrefix(res.Reason, tt.want) || strings.Contains(res.Reason, "\n") {
				t.Fatalf("reason %q (valid %v), want prefix %q on one line", res.Reason, res.Valid, tt.want)
			}
		})
	}
}

func TestVerifyUnusableSecret(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ provider, secret string }{
		{"standard", "whsec_not base64!"},
		{"standard", "whsec_"},
		{"discord", "zz" + discordPub[2:]},
	} {
		s, _ := Lookup(tt.provider)
		_, err := s.Verify(Input{Header: Headers{}.HTTP(), Body: strings.NewReader(""), Secret: []byte(tt.secret)})
		if !errors.Is(err, ErrBadSecret) {
			t.Errorf("%s %q: err %v, want ErrBadSecret", tt.provider, tt.secret, err)
		}
	}
}

func TestStaleAndFuture(t *testing.T) {
	t.Parallel()
	s, _ := Lookup("slack")
	h, _ := s.Sign([]byte("b"), []byte("k"), time.Unix(1_700_000_000, 0), "")
	for _, tt := range []struct {
		now       int64
		tolerance time.Duration
		want      string
	}{
		{1_700_000_400, DefaultTolerance, "stale by 100 s (timestamp 400 s old, tolerance 300 s)"},
		{1_699_999_000, DefaultTolerance, "stale by 700 s (timestamp 1000 s in the future, tolerance 300 s)"},
		{1_800_000_000, 0, "valid"},
		{1_700_000_300, DefaultTolerance, "valid"},
	} {
		res, _ := s.Verify(Input{Header: h.HTTP(), Body: strings.NewReader("b"), Secret: []byte("k"), Now: time.Unix(tt.now, 0), Tolerance: tt.tolerance})
		if res.Reason != tt.want {
			t.Errorf("now %d: %q, want %q", tt.now, res.Reason, tt.want)
		}
	}
}

func TestGitHubLegacySHA1(t *testing.T) {
	t.Parallel()
	// sha1 of "Hello, World!" under "It's a Secret to Everybody", computed with openssl dgst -sha1 -hmac.
	h := Headers{{"X-Hub-Signature", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"}}.HTTP()
	res, err := github{}.Verify(Input{Header: h, Body: strings.NewReader("Hello, World!"), Secret: []byte("It's a Secret to Everybody")})
	if err != nil || !res.Valid || len(res.Warnings) != 1 {
		t.Fatalf("legacy sha1: %+v %v, want valid with one warning", res, err)
	}
	h.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("00", 32))
	if res, _ := (github{}).Verify(Input{Header: h, Body: strings.NewReader("Hello, World!"), Secret: []byte("It's a Secret to Everybody")}); res.Valid {
		t.Fatal("a valid sha1 must not rescue a wrong sha256")
	}
}

// TestMismatchHints: a hint only where the evidence supports it — the body
// verifies without its line end, or compacted; a tampered body that merely
// ends with a newline, or is indented, gets none.
func TestMismatchHints(t *testing.T) {
	t.Parallel()
	secret := []byte("whsec_" + strings.Repeat("A", 32))
	sign := func(body string) http.Header {
		h, _ := stripe{}.Sign([]byte(body), secret, time.Unix(1_700_000_000, 0), "")
		return h.HTTP()
	}
	tests := []struct {
		name, signed, body string
		want               []string
	}{
		{"line end added", `{"a":1}`, "{\"a\":1}\n", []string{"the body matches without its trailing line end: one was added after the provider signed it"}},
		{"CRLF added", `{"a":1}`, "{\"a\":1}\r\n", []string{"the body matches without its trailing line end: one was added after the provider signed it"}},
		{"re-serialized", `{"a":1}`, "{\n  \"a\": 1\n}", []string{"the body matches once compacted: it was re-serialized (pretty-printed) after the provider signed its raw bytes"}},
		{"tampered, ends with a newline", `{"a":1}`, "{\"a\":2}\n", nil},
		{"tampered, indented", `{"a":1}`, "{\n  \"a\": 2\n}", nil},
		{"signed with its newline, tampered", "{\"a\":1}\n", "{\"a\":2}\n", nil},
		{"empty", `{"a":1}`, "", []string{"the body is empty; was it read from the right file?"}},
	}
	for _, tt := range tests {
		res, _ := stripe{}.Verify(Input{Header: sign(tt.signed), Body: strings.NewReader(tt.body), Secret: secret, Now: time.Unix(1_700_000_000, 0)})
		if res.Reason != "signature mismatch" || !slices.Equal(res.Hints, tt.want) {
			t.Errorf("%s: %q hints %q, want %q", tt.name, res.Reason, res.Hints, tt.want)
		}
	}
}

// stripe-go skips a v1= it cannot decode; so does authctl, when a good one follows.
func TestStripeSkipsUndecodableV1(t *testing.T) {
	t.Parallel()
	mac := hmac.New(sha256.New, []byte("whsec_test"))
	mac.Write([]byte("1700000000.{}"))
	good := hex.EncodeToString(mac.Sum(nil))
	s, _ := Lookup("stripe")
	for header, valid := range map[string]bool{
		"t=1700000000,v1=zz,v1=" + good:                           true,
		"t=1700000000,v1=" + good[:32] + ",v1=" + good:            true,
		"t=1700000000,v1=zz,v1=" + strings.Repeat("0", len(good)): false,
	} {
		res, err := s.Verify(Input{Header: http.Header{"Stripe-Signature": {header}}, Body: strings.NewReader("{}"),
			Secret: []byte("whsec_test"), Now: time.Unix(1_700_000_000, 0), Tolerance: DefaultTolerance})
		if err != nil || res.Valid != valid {
			t.Errorf("%q: %+v, %v; want valid = %v", header, res, err, valid)
		}
	}
}

// TestKeyHintsNeedEvidence: Discord's "not the bot token" advice belongs to
// a key that cannot be a public key, not to a tampered body; Sentry's to a
// secret that is not shaped like a client secret.
func TestKeyHintsNeedEvidence(t *testing.T) {
	t.Parallel()
	h := Headers{{discordSig, strings.Repeat("ab", 64)}, {discordTS, "1700000000"}}.HTTP()
	res, err := discord{}.Verify(Input{Header: h, Body: strings.NewReader(`{"type":2}`), Secret: []byte(discordPub)})
	if err != nil || res.Valid || len(res.Hints) != 0 {
		t.Errorf("discord, tampered body: %+v %v, want a mismatch without hints", res, err)
	}
	if _, err := DiscordPublicKey([]byte("Bot MTIz.abc")); err == nil || !strings.Contains(err.Error(), "not the bot token") {
		t.Errorf("discord key that is a bot token: %v", err)
	}
	sig := Headers{{sentrySig, strings.Repeat("00", 32)}}.HTTP()
	for secret, hinted := range map[string]bool{strings.Repeat("3f", 32): false, "sntrys_eyJpYXQiOjE3MDAwMDAwMDB9": true} {
		res, _ := sentry{}.Verify(Input{Header: sig, Body: strings.NewReader("{}"), Secret: []byte(secret)})
		if got := len(res.Hints) > 0; got != hinted {
			t.Errorf("sentry secret %q: hints %q, want hinted=%v", secret, res.Hints, hinted)
		}
	}
}
