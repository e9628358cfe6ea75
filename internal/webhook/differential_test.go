package webhook

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"strconv"
	"testing"
	"time"

	gogithub "github.com/google/go-github/v75/github"
	slackgo "github.com/slack-go/slack"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	stripewebhook "github.com/stripe/stripe-go/v85/webhook"
)

// The providers' own Go libraries must give the same answer as our schemes
// on the same random inputs, valid and tampered. The libraries check ages
// against the real clock, so deliveries here are signed "now".

type diffCase struct {
	label  string
	body   []byte
	header http.Header
	secret []byte
}

// diffCases signs random bodies and returns each delivery plus tampered copies.
func diffCases(t *testing.T, s Scheme, seed uint64, newSecret func(*rand.Rand) []byte) []diffCase {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	var cases []diffCase
	for i := 0; i < 40; i++ {
		body := make([]byte, r.IntN(2048))
		for j := range body {
			body[j] = byte(r.UintN(256))
		}
		secret := newSecret(r)
		ts := time.Now().Add(-time.Duration(r.IntN(200)) * time.Second)
		h, err := s.Sign(body, secret, ts, "msg_"+strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.Itoa(i)
		cases = append(cases,
			diffCase{"valid" + id, body, h.HTTP(), secret},
			diffCase{"body" + id, append(append([]byte{}, body...), byte(r.UintN(256))), h.HTTP(), secret},
			diffCase{"secret" + id, body, h.HTTP(), newSecret(r)},
		)
		if s.SignsTimestamp() {
			old, _ := s.Sign(body, secret, ts.Add(-10*time.Minute), "msg_"+strconv.Itoa(i))
			cases = append(cases, diffCase{"stale" + id, body, old.HTTP(), secret})
		}
	}
	return cases
}

func ours(t *testing.T, s Scheme, c diffCase) bool {
	t.Helper()
	res, err := s.Verify(Input{Header: c.header, Body: bytes.NewReader(c.body), Secret: c.secret, Now: time.Now(), Tolerance: DefaultTolerance})
	if err != nil {
		t.Fatalf("%s: %v", c.label, err)
	}
	return res.Valid
}

func randomSecret(r *rand.Rand) []byte {
	b := make([]byte, 8+r.IntN(40))
	for i := range b {
		b[i] = byte(' ' + r.UintN(95))
	}
	return b
}

func compare(t *testing.T, s Scheme, cases []diffCase, theirs func(diffCase) bool) {
	t.Helper()
	valid := 0
	for _, c := range cases {
		o, th := ours(t, s, c), theirs(c)
		if o != th {
			t.Errorf("%s: ours valid=%v, library valid=%v", c.label, o, th)
		}
		if o {
			valid++
		}
	}
	if valid == 0 || valid == len(cases) {
		t.Fatalf("%d of %d valid: the cases do not exercise both answers", valid, len(cases))
	}
}

func TestDifferentialGitHub(t *testing.T) {
	t.Parallel()
	s, _ := Lookup("github")
	compare(t, s, diffCases(t, s, 1, randomSecret), func(c diffCase) bool {
		return gogithub.ValidateSignature(c.header.Get("X-Hub-Signature-256"), c.body, c.secret) == nil
	})
}

func TestDifferentialSlack(t *testing.T) {
	t.Parallel()
	s, _ := Lookup("slack")
	compare(t, s, diffCases(t, s, 2, randomSecret), func(c diffCase) bool {
		v, err := slackgo.NewSecretsVerifier(c.header, string(c.secret))
		if err != nil {
			return false
		}
		_, _ = v.Write(c.body)
		return v.Ensure() == nil
	})
}

func stripeSecret(r *rand.Rand) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := []byte("whsec_")
	for i := 0; i < 32; i++ {
		b = append(b, alphabet[r.IntN(len(alphabet))])
	}
	return b
}

func TestDifferentialStripe(t *testing.T) {
	t.Parallel()
	s, _ := Lookup("stripe")
	cases := diffCases(t, s, 3, stripeSecret)
	// Deliveries signed by stripe-go itself, with several v1 (secret rolling) and a v0.
	r := rand.New(rand.NewPCG(3, 3))
	for i := 0; i < 20; i++ {
		body, secret, other := randomSecret(r), stripeSecret(r), stripeSecret(r)
		now := time.Now()
		header := "t=" + strconv.FormatInt(now.Unix(), 10) +
			",v1=" + hexOf(stripewebhook.ComputeSignature(now, body, string(other))) +
			",v0=" + hexOf(stripewebhook.ComputeSignature(now, body, string(secret))) +
			",v1=" + hexOf(stripewebhook.ComputeSignature(now, body, string(secret)))
		h := http.Header{}
		h.Set("Stripe-Signature", header)
		cases = append(cases, diffCase{"stripe-go signed " + strconv.Itoa(i), body, h, secret},
			diffCase{"stripe-go other secret " + strconv.Itoa(i), body, h, stripeSecret(r)})
	}
	compare(t, s, cases, func(c diffCase) bool {
		return stripewebhook.ValidatePayloadWithTolerance(c.body, c.header.Get("Stripe-Signature"), string(c.secret), DefaultTolerance) == nil
	})
}

func standardSecret(r *rand.Rand) []byte {
	key := make([]byte, 24+r.IntN(9))
	for i := range key {
		key[i] = byte(r.UintN(256))
	}
	if r.IntN(2) == 0 {
		return []byte(base64.StdEncoding.EncodeToString(key))
	}
	return []byte("whsec_" + base64.StdEncoding.EncodeToString(key))
}

func TestDifferentialStandardWebhooks(t *testing.T) {
	t.Parallel()
	s, _ := Lookup("standard")
	cases := diffCases(t, s, 4, standardSecret)
	// Deliveries signed by the Standard Webhooks library, with a second
	// signature of an unknown version in the list.
	r := rand.New(rand.NewPCG(4, 4))
	for i := 0; i < 20; i++ {
		body, secret := randomSecret(r), standardSecret(r)
		wh, err := standardwebhooks.NewWebhook(string(secret))
		if err != nil {
			t.Fatal(err)
		}
		now, id := time.Now(), "msg_lib"+strconv.Itoa(i)
		sig, err := wh.Sign(id, now, body)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		h.Set("webhook-signature", "v2,AAAA "+sig)
		cases = append(cases, diffCase{"library signed " + strconv.Itoa(i), body, h, secret},
			diffCase{"library other secret " + strconv.Itoa(i), body, h, standardSecret(r)})
	}
	compare(t, s, cases, func(c diffCase) bool {
		wh, err := standardwebhooks.NewWebhook(string(c.secret))
		if err != nil {
			t.Fatal(err)
		}
		return wh.Verify(c.body, c.header) == nil
	})
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
