package replay

import (
	"bytes"
	"net/http"
	"time"

	"github.com/authctl/authctl/internal/webhook"
)

// Signer signs each copy for scheme s with key: a fresh delivery id in the
// provider's shape, the given timestamp, the provider's signature headers.
func Signer(s webhook.Scheme, key []byte) SignFunc {
	return func(body []byte, ts time.Time) (http.Header, error) {
		h, err := s.Sign(body, key, ts, webhook.NewDeliveryID(s))
		if err != nil {
			return nil, err
		}
		return h.HTTP(), nil
	}
}

// Verifier checks deliveries for scheme s with key, within tolerance.
func Verifier(s webhook.Scheme, key []byte, tolerance time.Duration) VerifyFunc {
	return func(h http.Header, body []byte, now time.Time) (bool, string) {
		res, err := s.Verify(webhook.Input{Header: h, Body: bytes.NewReader(body), Secret: key, Now: now, Tolerance: tolerance})
		if err != nil {
			return false, "verify: " + err.Error()
		}
		return res.Valid, res.Reason
	}
}

// Resign prepares deliveries to be signed afresh for s: the signature
// material they were captured with is dropped (kept, a legacy or second
// signature header would carry the old signature), then extra is set.
func Resign(s webhook.Scheme, ds []Delivery, extra http.Header) []Delivery {
	drop := s.Profile().SignatureHeaders
	out := make([]Delivery, len(ds))
	for i, d := range ds {
		h := d.Template(drop)
		for k, v := range extra {
			h[k] = v
		}
		out[i] = Delivery{Header: h, Body: d.Body}
	}
	return out
}
