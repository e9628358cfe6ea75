package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkVerify measures each scheme on a 1 MiB body; BenchmarkHMACFloor is
// the bare HMAC-SHA256 of the same bytes, the floor the HMAC schemes sit on.
func BenchmarkVerify(b *testing.B) {
	body := make([]byte, 1<<20)
	for i := range body {
		body[i] = byte(i * 31)
	}
	now := time.Unix(1_700_000_000, 0)
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			s, _ := Lookup(name)
			signKey, verifyKey := testKey(rand.New(rand.NewPCG(9, 9)), name)
			h, err := s.Sign(body, signKey, now, "msg_bench")
			if err != nil {
				b.Fatal(err)
			}
			header := h.HTTP()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := s.Verify(Input{Header: header, Body: bytes.NewReader(body), Secret: verifyKey, Now: now, Tolerance: DefaultTolerance})
				if err != nil || !res.Valid {
					b.Fatal(res, err)
				}
			}
		})
	}
}

func BenchmarkHMACFloor(b *testing.B) {
	body := make([]byte, 1<<20)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		mac := hmac.New(sha256.New, []byte("secret"))
		if _, err := io.Copy(mac, bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
		mac.Sum(nil)
	}
}
