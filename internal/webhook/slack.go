package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
)

// slack: X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:" + ts + ":" + body)>.
type slack struct{}

const (
	slackSig = "X-Slack-Signature"
	slackTS  = "X-Slack-Request-Timestamp"
)

func (slack) Name() string { return "slack" }

// Profile is built once: listen asks it for every delivery.
func (slack) Profile() Profile { return slackProfile() }

var slackProfile = sync.OnceValue(func() Profile {
	ua := "Slackbot 1.0 (+https://api.slack.com/robots)"
	return Profile{
		Key:              SharedSecret,
		SignatureHeaders: []string{slackSig, slackTS},
		Answer:           slackChallenge,
		Samples: []Sample{
			sample("slack", "slash_command", "a slash command (form-encoded)", "slack-slash_command.form", map[string]string{"Content-Type": contentForm, "User-Agent": ua}),
			sample("slack", "url_verification", "the Events API URL challenge", "slack-url_verification.json", map[string]string{"Content-Type": contentJSON, "User-Agent": ua}),
		},
	}
})

// slackChallenge answers the Events API url_verification with its challenge.
func slackChallenge(body []byte) ([]byte, bool) {
	var msg struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.Type != "url_verification" {
		return nil, false
	}
	reply, err := json.Marshal(map[string]string{"challenge": msg.Challenge})
	return append(reply, '\n'), err == nil
}
func (slack) SignsTimestamp() bool { return true }

func (slack) Verify(in Input) (Result, error) {
	v, bad := single(in.Header, slackSig)
	if bad != nil {
		return *bad, nil
	}
	ts, bad := timestamp(in.Header, slackTS)
	if bad != nil {
		return *bad, nil
	}
	hexSig, ok := strings.CutPrefix(v, "v0=")
	if !ok {
		return withTS(malformed(slackSig, "does not start with v0="), ts), nil
	}
	want, err := hex.DecodeString(hexSig)
	if err != nil || len(want) != sha256.Size {
		return withTS(malformed(slackSig, "not a hex sha256 digest"), ts), nil
	}
	match, shape, err := streamMAC(hmacSHA256(in.Secret), "v0:"+strconv.FormatInt(ts, 10)+":", in.Body, want)
	if err != nil {
		return Result{}, err
	}
	return judge(match, shape, ts, in), nil
}

func (slack) Sign(body, secret []byte, ts time.Time, _ string) (Headers, error) {
	t := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + t + ":"))
	mac.Write(body)
	return Headers{{slackTS, t}, {slackSig, "v0=" + hex.EncodeToString(mac.Sum(nil))}}, nil
}

func withTS(r Result, ts int64) Result {
	r.Timestamp = &ts
	return r
}

// judge turns a MAC comparison on timestamped content into a Result: a
// mismatch says so; a match is still refused when the timestamp is stale.
func judge(match bool, shape *bodyShape, ts int64, in Input, hints ...string) Result {
	if !match {
		return withTS(mismatch(shape, hints...), ts)
	}
	if reason, ok := checkAge(ts, in.Now, in.Tolerance); !ok {
		return withTS(invalid(reason), ts)
	}
	return valid(&ts)
}
