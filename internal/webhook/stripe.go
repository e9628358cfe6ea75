package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// stripe: Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(whole whsec_ string, t + "." + body)>[,v1=…].
type stripe struct{}

const stripeSig = "Stripe-Signature"

func (stripe) Name() string { return "stripe" }

// Profile is built once: listen asks it for every delivery.
func (stripe) Profile() Profile { return stripeProfile() }

var stripeProfile = sync.OnceValue(func() Profile {
	return Profile{
		Key:              SharedSecret,
		SignatureHeaders: []string{stripeSig},
		// Signing with what verify would warn about makes deliveries no handler accepts.
		CheckKey: func(key []byte, use Use) error {
			if use == Signing && !strings.HasPrefix(string(key), "whsec_") {
				return fmt.Errorf("%w: a Stripe endpoint signing secret starts with whsec_ (an API key sk_… is the wrong kind)", ErrBadSecret)
			}
			return nil
		},
		Samples: []Sample{
			sample("stripe", "payment_intent.succeeded", "a payment succeeded (pretty-printed JSON)", "stripe-payment_intent.succeeded.json", map[string]string{"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}),
		},
	}
})

func (stripe) SignsTimestamp() bool { return true }

// StripeSignature is a parsed Stripe-Signature header.
type StripeSignature struct {
	Timestamp int64
	V1        [][]byte
}

// ParseStripeSignature parses "t=…,v1=…[,v1=…]". Other schemes (v0, …) are
// skipped, as Stripe asks; a v1 that is not a hex sha256 digest is an error.
func ParseStripeSignature(v string) (StripeSignature, error) {
	var s StripeSignature
	seenT, badV1 := false, false
	for _, part := range strings.Split(v, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return s, errors.New("element without '='")
		}
		switch key {
		case "t":
			if seenT {
				return s, errors.New("more than one t=")
			}
			ts, err := strconv.ParseInt(val, 10, 64)
			if err != nil || ts < 0 {
				return s, errors.New("t= is not a Unix timestamp")
			}
			s.Timestamp, seenT = ts, true
		case "v1":
			// As stripe-go does, a v1= it cannot decode is skipped: another may match.
			sig, err := hex.DecodeString(val)
			if err != nil || len(sig) != sha256.Size {
				badV1 = true
				continue
			}
			s.V1 = append(s.V1, sig)
		}
	}
	if !seenT {
		return s, errors.New("no t= timestamp")
	}
	if len(s.V1) == 0 && badV1 {
		return s, errors.New("no usable v1= signature (not a hex sha256 digest)")
	}
	if len(s.V1) == 0 {
		return s, errors.New("no v1= signature")
	}
	return s, nil
}

func (stripe) Verify(in Input) (Result, error) {
	v, bad := single(in.Header, stripeSig)
	if bad != nil {
		return *bad, nil
	}
	sig, err := ParseStripeSignature(v)
	if err != nil {
		return malformed(stripeSig, err.Error()), nil
	}
	match, shape, err := streamMAC(hmacSHA256(in.Secret), strconv.FormatInt(sig.Timestamp, 10)+".", in.Body, sig.V1...)
	if err != nil {
		return Result{}, err
	}
	return judge(match, shape, sig.Timestamp, in, stripeSecretHints(in)...), nil
}

// stripeSecretHints explain a mismatch by what the secret and headers show.
func stripeSecretHints(in Input) []string {
	var h []string
	if !strings.HasPrefix(string(in.Secret), "whsec_") {
		h = append(h, "Stripe endpoint signing secrets start with whsec_; this one does not (an API key sk_… is the wrong kind)")
	}
	if in.Header.Get("Webhook-Signature") != "" || in.Header.Get("Svix-Signature") != "" {
		h = append(h, "this delivery also carries Standard Webhooks headers: try authctl webhook verify standard")
	}
	return h
}

func (stripe) Sign(body, secret []byte, ts time.Time, _ string) (Headers, error) {
	t := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(t + "."))
	mac.Write(body)
	return Headers{{stripeSig, "t=" + t + ",v1=" + hex.EncodeToString(mac.Sum(nil))}}, nil
}
