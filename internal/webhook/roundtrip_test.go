package webhook

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// testKey returns a secret (or for Discord, a private and public key) that
// the scheme accepts.
func testKey(r *rand.Rand, provider string) (signKey, verifyKey []byte) {
	raw := make([]byte, 1+r.IntN(48))
	for i := range raw {
		raw[i] = byte(r.UintN(256))
	}
	switch provider {
	case "discord":
		seed := make([]byte, ed25519.SeedSize)
		copy(seed, raw)
		priv := ed25519.NewKeyFromSeed(seed)
		return []byte(hex.EncodeToString(seed)), []byte(hex.EncodeToString(priv.Public().(ed25519.PublicKey)))
	case "standard":
		s := []byte("whsec_" + base64.StdEncoding.EncodeToString(raw))
		return s, s
	case "stripe":
		s := []byte("whsec_" + hex.EncodeToString(raw))
		return s, s
	}
	return raw, raw
}

func toHeader(h Headers) http.Header { return h.HTTP() }

var roundTripBodies = map[string][]byte{
	"empty":            {},
	"non-ASCII":        []byte(`{"name":"Zoë — 東京 🚀"}`),
	"CRLF":             []byte("a=1\r\nb=2\r\n\r\n"),
	"trailing newline": []byte("{\"ok\":true}\n"),
	"binary":           {0, 1, 2, 0xff, 0xfe, '\n', 0},
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, _ := Lookup(name)
			r := rand.New(rand.NewPCG(uint64(len(name)), 42))
			bodies := map[string][]byte{}
			for k, v := range roundTripBodies {
				bodies[k] = v
			}
			for i := 0; i < 50; i++ {
				b := make([]byte, r.IntN(4096))
				for j := range b {
					b[j] = byte(r.UintN(256))
				}
				bodies["random"+strconv.Itoa(i)] = b
			}
			for label, body := range bodies {
				signKey, verifyKey := testKey(r, name)
				now := time.Unix(r.Int64N(4_000_000_000), 0)
				h, err := s.Sign(body, signKey, now, "msg_"+strconv.Itoa(r.IntN(1e6)))
				if err != nil {
					t.Fatalf("%s: sign: %v", label, err)
				}
				in := Input{Header: toHeader(h), Body: bytes.NewReader(body), Secret: verifyKey, Now: now.Add(4 * time.Minute), Tolerance: DefaultTolerance}
				res, err := s.Verify(in)
				if err != nil || !res.Valid {
					t.Fatalf("%s: verify: %+v, %v", label, res, err)
				}
				if s.SignsTimestamp() && (res.Timestamp == nil || *res.Timestamp != now.Unix()) {
					t.Fatalf("%s: timestamp %v, want %d", label, res.Timestamp, now.Unix())
				}
				tampered := append(append([]byte{}, body...), 'x')
				in.Body = bytes.NewReader(tampered)
				if res, _ := s.Verify(in); res.Valid || res.Reason != "signature mismatch" {
					t.Fatalf("%s: tampered body verified: %+v", label, res)
				}
				if s.SignsTimestamp() {
					in.Body, in.Now = bytes.NewReader(body), now.Add(6*time.Minute)
					if res, _ := s.Verify(in); res.Valid || res.Reason[:9] != "stale by " {
						t.Fatalf("%s: stale delivery: %+v", label, res)
					}
				}
			}
		})
	}
}

// patternReader yields n bytes of a repeating pattern without holding them.
type patternReader struct{ n, off int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if rem := p.n - p.off; int64(len(b)) > rem {
		b = b[:rem]
	}
	for i := range b {
		b[i] = byte((p.off + int64(i)) * 7)
	}
	p.off += int64(len(b))
	return len(b), nil
}

func TestRoundTrip100MB(t *testing.T) {
	t.Parallel()
	const size = 100 << 20
	body, err := io.ReadAll(&patternReader{n: size})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, name := range Names() {
		s, _ := Lookup(name)
		signKey, verifyKey := testKey(rand.New(rand.NewPCG(1, 2)), name)
		h, err := s.Sign(body, signKey, now, "msg_big")
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Verify(Input{Header: toHeader(h), Body: &patternReader{n: size}, Secret: verifyKey, Now: now, Tolerance: DefaultTolerance})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "discord" {
			if res.Valid || res.Reason != "body larger than 8 MiB; Discord interaction bodies are small" {
				t.Fatalf("discord 100 MB: %+v, want the size cap", res)
			}
			continue
		}
		if !res.Valid {
			t.Fatalf("%s 100 MB: %+v", name, res)
		}
	}
}

// TestVerifyMemoryFlat streams 1 GB through Verify and checks that what it
// allocates does not grow with the body. Not parallel: it reads global MemStats.
func TestVerifyMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("1 GB stream skipped in -short mode")
	}
	secret := []byte("flat-memory")
	const size = 1 << 30
	mac := hmac.New(sha256.New, secret)
	if _, err := io.Copy(mac, &patternReader{n: size}); err != nil {
		t.Fatal(err)
	}
	header := http.Header{}
	header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := github{}.Verify(Input{Header: header, Body: &patternReader{n: size}, Secret: secret})
	runtime.ReadMemStats(&after)
	if err != nil || !res.Valid {
		t.Fatalf("1 GB verify: %+v, %v", res, err)
	}
	grew := after.TotalAlloc - before.TotalAlloc
	if grew > 2<<20 {
		t.Fatalf("verifying 1 GB allocated %d bytes; want under 2 MiB (streamed)", grew)
	}
	t.Logf("verifying 1 GiB allocated %d bytes", grew)
}
