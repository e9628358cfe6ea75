package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVerifyAndSignOffline: GitHub's published example verifies from a body
// file, what Sign makes for a body verifies again, and a pinned id is kept.
func TestVerifyAndSignOffline(t *testing.T) {
	t.Parallel()
	body := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(body, []byte("Hello, World!"), 0o600); err != nil {
		t.Fatal(err)
	}
	github := mustScheme(t, "github")
	res, err := Verify(github, []byte("It's a Secret to Everybody"), Source{BodyFile: body},
		[]string{"X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}, time.Now(), 0)
	if err != nil || !res.Valid {
		t.Fatalf("GitHub's example: %+v %v, want valid", res, err)
	}
	ts := time.Unix(1700000000, 0)
	headers, err := Sign(github, []byte("s3cret"), Source{BodyFile: body}, ts, "")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, h := range headers {
		lines = append(lines, h.Name+": "+h.Value)
	}
	if id := headers.HTTP().Get("X-GitHub-Delivery"); len(id) != 36 {
		t.Errorf("delivery id %q, want a fresh UUID", id)
	}
	if res, err := Verify(github, []byte("s3cret"), Source{BodyFile: "-", Stdin: strings.NewReader("Hello, World!")}, lines, ts, time.Minute); err != nil || !res.Valid {
		t.Errorf("signed headers %v: %+v %v, want valid", lines, res, err)
	}
	if headers, err := Sign(mustScheme(t, "standard"), []byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), Source{BodyFile: body}, ts, "msg_1"); err != nil || headers.HTTP().Get("Webhook-Id") != "msg_1" {
		t.Errorf("standard with a pinned id: %v %v", headers, err)
	}
}

func TestVerifyAndSignErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope")
	if _, err := Sign(mustScheme(t, "github"), []byte("s"), Source{BodyFile: missing}, time.Now(), ""); err == nil || !strings.HasPrefix(err.Error(), "read body: open ") {
		t.Errorf("missing body: %v", err)
	}
	if _, err := Sign(mustScheme(t, "github"), []byte("s"), Source{RequestFile: missing}, time.Now(), ""); err == nil || err.Error() != "give the body with --body FILE or --body -" {
		t.Errorf("no body: %v", err)
	}
	stdin := Source{BodyFile: "-", Stdin: strings.NewReader("{}")}
	if _, err := Sign(mustScheme(t, "standard"), []byte("whsec_!!"), stdin, time.Now(), ""); err == nil || !strings.HasPrefix(err.Error(), "sign standard: unusable secret") {
		t.Errorf("standard secret not base64: %v", err)
	}
	stdin = Source{BodyFile: "-", Stdin: strings.NewReader("{}")}
	if _, err := Verify(mustScheme(t, "standard"), []byte("whsec_!!"), stdin, []string{"webhook-id: msg_1", "webhook-timestamp: 1", "webhook-signature: v1,AAAA"}, time.Unix(1, 0), 0); err == nil || !strings.HasPrefix(err.Error(), "verify standard: ") {
		t.Errorf("verify with an unusable secret: %v", err)
	}
}
