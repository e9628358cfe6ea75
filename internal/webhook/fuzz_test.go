package webhook

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

func FuzzParseHeaderLine(f *testing.F) {
	f.Add("X-Hub-Signature-256: sha256=ab")
	f.Add("webhook-id:msg_1")
	f.Add(": x")
	f.Fuzz(func(t *testing.T, line string) {
		name, value, err := ParseHeaderLine(line)
		if err != nil {
			return
		}
		if name == "" || strings.ContainsAny(name, " :\r\n") || strings.ContainsAny(value, "\r\n\x00") {
			t.Fatalf("accepted %q as %q: %q", line, name, value)
		}
		n2, v2, err := ParseHeaderLine(name + ": " + value)
		if err != nil || n2 != name || v2 != value {
			t.Fatalf("%q: re-parse gave %q %q %v", line, n2, v2, err)
		}
	})
}

func FuzzReadRequest(f *testing.F) {
	f.Add([]byte("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"))
	f.Add([]byte("POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n5\nhello\n0\n\n"))
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nhi"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := ReadRequest(bytes.NewReader(raw))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		body, err := io.ReadAll(req.Body)
		if len(body) > len(raw) {
			t.Fatalf("body of %d bytes from %d bytes of input", len(body), len(raw))
		}
		if err == nil {
			// Whatever parsed must verify without panicking.
			for _, name := range Names() {
				s, _ := Lookup(name)
				_, _ = s.Verify(Input{Header: req.Header, Body: bytes.NewReader(body), Secret: []byte("whsec_AAAA"), Now: time.Unix(1_700_000_000, 0), Tolerance: DefaultTolerance})
			}
		}
	})
}

func FuzzParseStripeSignature(f *testing.F) {
	f.Add("t=1700000000,v1=" + strings.Repeat("ab", 32))
	f.Add("t=1,v0=zz,v1=" + strings.Repeat("00", 32) + ",v1=" + strings.Repeat("ff", 32))
	f.Add("v1=,t=")
	f.Fuzz(func(t *testing.T, v string) {
		sig, err := ParseStripeSignature(v)
		if err != nil {
			return
		}
		if len(sig.V1) == 0 || sig.Timestamp < 0 {
			t.Fatalf("%q parsed to %+v", v, sig)
		}
		again := "t=" + strconv.FormatInt(sig.Timestamp, 10)
		for _, s := range sig.V1 {
			again += ",v1=" + hex.EncodeToString(s)
		}
		sig2, err := ParseStripeSignature(again)
		if err != nil || len(sig2.V1) != len(sig.V1) || sig2.Timestamp != sig.Timestamp {
			t.Fatalf("%q: round trip %q failed: %v", v, again, err)
		}
	})
}

func FuzzParseStandardSignature(f *testing.F) {
	f.Add("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	f.Add("v2,abc v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1a,x")
	f.Add("v1,")
	f.Fuzz(func(t *testing.T, v string) {
		sigs, err := ParseStandardSignature(v)
		if err != nil {
			return
		}
		parts := make([]string, len(sigs))
		for i, s := range sigs {
			if len(s) != 32 {
				t.Fatalf("%q: signature of %d bytes", v, len(s))
			}
			parts[i] = "v1," + base64.StdEncoding.EncodeToString(s)
		}
		again, err := ParseStandardSignature(strings.Join(parts, " "))
		if err != nil || len(again) != len(sigs) {
			t.Fatalf("%q: round trip failed: %v", v, err)
		}
	})
}
