package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// standard: Standard Webhooks (and Svix): webhook-id, webhook-timestamp and
// webhook-signature: "v1,<base64 HMAC-SHA256(key, id + "." + ts + "." + body)>"
// space-separated, where key is the base64 decoding of the secret after whsec_.
type standard struct{}

func (standard) Name() string { return "standard" }

func (standard) Profile() Profile {
	return Profile{
		Key:              SharedSecret,
		IDHeaders:        []string{"webhook-id", "svix-id"},
		SignatureHeaders: []string{"webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature"},
		IDShape:          MsgID,
		CheckKey: func(key []byte, _ Use) error {
			_, err := StandardKey(key)
			return err
		},
		Samples: []Sample{
			sample("standard", "user.created", "a Standard Webhooks (Svix) example event", "standard-user.created.json", map[string]string{"Content-Type": contentJSON}),
		},
	}
}
func (standard) SignsTimestamp() bool { return true }

// StandardKey decodes a Standard Webhooks secret, with or without whsec_.
func StandardKey(secret []byte) ([]byte, error) {
	s := strings.TrimPrefix(string(secret), "whsec_")
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("%w: a Standard Webhooks secret is base64 after an optional whsec_ (a Stripe whsec_ secret is not: use authctl webhook verify stripe)", ErrBadSecret)
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
	key, err := StandardKey(in.Secret)
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
	mac := hmac.New(sha256.New, key)
	shape, err := streamMAC(mac, id+"."+strconv.FormatInt(ts, 10)+".", in.Body)
	if err != nil {
		return Result{}, err
	}
	sum := mac.Sum(nil)
	match := false
	for _, want := range sigs {
		if equalHMAC(sum, want) {
			match = true
		}
	}
	return judge(match, shape, ts, in,
		"Standard Webhooks uses the base64 after whsec_ as the key; a Stripe whsec_ secret is used as-is (use: authctl webhook verify stripe)"), nil
}

func (standard) Sign(body, secret []byte, ts time.Time, id string) (Headers, error) {
	key, err := StandardKey(secret)
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
