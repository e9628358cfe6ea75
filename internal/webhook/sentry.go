package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"
)

// isSentryClientSecret tells whether key has the shape of an integration's
// client secret: 64 lowercase hex characters.
func isSentryClientSecret(key []byte) bool {
	_, err := hex.DecodeString(string(key))
	return len(key) == 64 && err == nil && strings.ToLower(string(key)) == string(key)
}

// sentry: Sentry-Hook-Signature (or Sentry-App-Signature): <hex
// HMAC-SHA256(client secret, body)>. Sentry-Hook-Timestamp is sent but not signed.
type sentry struct{}

const (
	sentrySig       = "Sentry-Hook-Signature"
	sentryAppSig    = "Sentry-App-Signature"
	sentryRequestID = "Request-ID"
)

func (sentry) Name() string { return "sentry" }

// Profile is built once: listen asks it for every delivery.
func (sentry) Profile() Profile { return sentryProfile() }

var sentryProfile = sync.OnceValue(func() Profile {
	return Profile{
		Key:              SharedSecret,
		EventHeader:      "Sentry-Hook-Resource",
		IDHeaders:        []string{sentryRequestID},
		SignatureHeaders: []string{sentrySig, sentryAppSig},
		IDShape:          HexUUID, // uuid4().hex in Sentry's AppPlatformEvent
		Samples: []Sample{
			sample("sentry", "issue.created", "an issue created (compact JSON, \\u-escaped)", "sentry-issue.created.json", map[string]string{"Content-Type": contentJSON, "Sentry-Hook-Resource": "issue"}),
		},
	}
})

func (sentry) SignsTimestamp() bool { return false }

func (sentry) Verify(in Input) (Result, error) {
	name := sentrySig
	if len(in.Header.Values(sentrySig)) == 0 && len(in.Header.Values(sentryAppSig)) > 0 {
		name = sentryAppSig
	}
	v, bad := single(in.Header, name)
	if bad != nil {
		return *bad, nil
	}
	want, err := hex.DecodeString(v)
	if err != nil || len(want) != sha256.Size {
		return malformed(name, "not a hex sha256 digest"), nil
	}
	match, shape, err := streamMAC(hmacSHA256(in.Secret), "", in.Body, want)
	if err != nil {
		return Result{}, err
	}
	if !match {
		var hints []string
		if !isSentryClientSecret(in.Secret) {
			hints = append(hints, "Sentry signs with the integration's client secret (64 hex characters); this secret is not one (a DSN or auth token is the wrong kind)")
		}
		return mismatch(shape, hints...), nil
	}
	return valid(nil), nil
}

func (sentry) Sign(body, secret []byte, ts time.Time, id string) (Headers, error) {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	h := Headers{}
	if id != "" {
		h = append(h, Field{sentryRequestID, id})
	}
	return append(h,
		Field{"Sentry-Hook-Timestamp", strconv.FormatInt(ts.Unix(), 10)},
		Field{sentrySig, hex.EncodeToString(mac.Sum(nil))},
	), nil
}
