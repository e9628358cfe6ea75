package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// standard: Standard Webhooks (and Svix): webhook-id, webhook-timestamp and
// webhook-signature: "v1,<base64 HMAC-SHA256(key, id + "." + ts + "." + body)>"
// space-separated, where key is the base64 decoding of the secret after whsec_.
type standard struct{}

func (standard) Name() string { return "standard" }

// Profile is built once: listen asks it for every delivery.
func (standard) Profile() Profile { return standardProfile() }

var standardProfile = sync.OnceValue(func() Profile {
	return Profile{
		Key:              SharedSecret,
		IDHeaders:        []string{"webhook-id", "svix-id"},
		SignatureHeaders: []string{"webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature"},
		IDShape:          MsgID,
		CheckKey: func(key []byte, use Use) error {
			_, err := standardKey(key, use)
			return err
		},
		Samples: []Sample{
			sample("standard", "user.created", "a Standard Webhooks (Svix) example event", "standard-user.created.json", map[string]string{"Content-Type": contentJSON}),
		},
	}
})

func (standard) SignsTimestamp() bool { return true }

// standardKey decodes a Standard Webhooks secret, with or without whsec_;
// its error names the stripe command of the same use.
func standardKey(secret []byte, use Use) ([]byte, error) {
	s := strings.TrimPrefix(string(secret), "whsec_")
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("%w: a Standard Webhooks secret is base64 after an optional whsec_ (a Stripe whsec_ secret is not: use authctl webhook %s stripe)", ErrBadSecret, use)
	}
	return key, nil
}

// ParseStandardSignature parses the space-separated "v1,<base64>" list. As the
// reference libraries do, entries it cannot use (unknown versions, no ',', a v1
// that is not base64 of a sha256 digest) are skipped; the header is malformed
// only when no usable v1 signature remains.
func ParseStandardSignature(v string) ([][]byte, error) {
	var sigs [][]byte
	problem := "no v1 signature"
	for _, part := range strings.Fields(v) {
		version, sig, ok := strings.Cut(part, ",")
		switch {
		case !ok:
			problem = "no v1 signature (an entry has no ',')"
		case version == "v1":
			raw, err := base64.StdEncoding.DecodeString(sig)
			if err != nil || len(raw) != sha256.Size {
				problem = "no usable v1 signature (not base64 of a sha256 digest)"
				continue
			}
			sigs = append(sigs, raw)
		}
	}
	if len(sigs) == 0 {
		return nil, errors.New(problem)
	}
	return sigs, nil
}

// standardHeaders picks the webhook-* names, or svix-* when those are what came.
func standardHeaders(in Input) (id, ts, sig string) {
	if len(in.Header.Values("webhook-signature")) == 0 && len(in.Header.Values("svix-signature")) > 0 {
		return "svix-id", "svix-timestamp", "svix-signature"
	}
	return "webhook-id", "webhook-timestamp", "webhook-signature"
}

func (standard) Verify(in Input) (Result, error) {
	key, err := standardKey(in.Secret, Verifying)
	if err != nil {
		return Result{}, err
	}
	idName, tsName, sigName := standardHeaders(in)
	id, bad := single(in.Header, idName)
	if bad != nil {
		return *bad, nil
	}
	ts, bad := timestamp(in.Header, tsName)
	if bad != nil {
		return *bad, nil
	}
	v, bad := single(in.Header, sigName)
	if bad != nil {
		return withTS(*bad, ts), nil
	}
	sigs, err := ParseStandardSignature(v)
	if err != nil {
		return withTS(malformed(sigName, err.Error()), ts), nil
	}
	match, shape, err := streamMAC(hmacSHA256(key), id+"."+strconv.FormatInt(ts, 10)+".", in.Body, sigs...)
	if err != nil {
		return Result{}, err
	}
	var hints []string
	if in.Header.Get("Stripe-Signature") != "" {
		hints = append(hints, "this delivery carries a Stripe-Signature header: try authctl webhook verify stripe")
	}
	return judge(match, shape, ts, in, hints...), nil
}

func (standard) Sign(body, secret []byte, ts time.Time, id string) (Headers, error) {
	key, err := standardKey(secret, Signing)
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, errors.New("standard webhooks need a message id")
	}
	t := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + t + "."))
	mac.Write(body)
	return Headers{
		{"webhook-id", id},
		{"webhook-timestamp", t},
		{"webhook-signature", "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))},
	}, nil
}
