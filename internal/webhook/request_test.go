package webhook

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestReadRequest(t *testing.T) {
	t.Parallel()
	sig := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	tests := []struct {
		name, raw, body string
	}{
		{"CRLF with Content-Length", "POST /hook HTTP/1.1\r\nHost: x\r\nx-hub-signature-256: " + sig + "\r\nContent-Length: 13\r\n\r\nHello, World!", "Hello, World!"},
		{"LF only", "POST /hook HTTP/1.1\nHost: x\nX-Hub-Signature-256: " + sig + "\nContent-Length: 13\n\nHello, World!", "Hello, World!"},
		{"no Content-Length: rest of file", "POST /hook HTTP/1.1\r\nX-Hub-Signature-256: " + sig + "\r\n\r\nHello, World!", "Hello, World!"},
		{"chunked", "POST /hook HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-Hub-Signature-256: " + sig + "\r\n\r\n5\r\nHello\r\n8\r\n, World!\r\n0\r\n\r\n", "Hello, World!"},
		{"one line end after Content-Length allowed", "POST / HTTP/1.1\r\nX-Hub-Signature-256: " + sig + "\r\nContent-Length: 13\r\n\r\nHello, World!\r\n", "Hello, World!"},
		{"LF after a chunked body allowed", "POST /hook HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-Hub-Signature-256: " + sig + "\r\n\r\n5\r\nHello\r\n8\r\n, World!\r\n0\r\n\r\n\n", "Hello, World!"},
		{"Content-Length 0", "POST / HTTP/1.1\r\nContent-Length: 0\r\nX-Hub-Signature-256: " + sig + "\r\n\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := ReadRequest(strings.NewReader(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(req.Body)
			if err != nil || string(body) != tt.body {
				t.Fatalf("body %q, %v; want %q", body, err, tt.body)
			}
			if req.Header.Get("X-Hub-Signature-256") != sig {
				t.Fatalf("header lookup is not case-insensitive: %v", req.Header)
			}
			if tt.body != "Hello, World!" {
				return
			}
			req, _ = ReadRequest(strings.NewReader(tt.raw))
			res, err := github{}.Verify(Input{Header: req.Header, Body: req.Body, Secret: []byte("It's a Secret to Everybody"), Now: time.Now()})
			if err != nil || !res.Valid {
				t.Fatalf("verify from raw request: %+v %v", res, err)
			}
		})
	}
}

func TestReadRequestMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw string
		readErr   string // error from ReadRequest, or "" when the body read fails
		bodyErr   error
	}{
		{"empty file", "", "truncated request: no blank line after the headers", nil},
		{"headers never end", "POST / HTTP/1.1\r\nX-A: b\r\n", "truncated request: no blank line after the headers", nil},
		{"not a request line", "hello\r\n\r\n", "parse request: malformed HTTP request", nil},
		{"bad header line", "POST / HTTP/1.1\r\nno colon here\r\n\r\n", "parse request: malformed MIME header: missing colon", nil},
		{"bad Content-Length", "POST / HTTP/1.1\r\nContent-Length: many\r\n\r\n", "parse request: bad Content-Length", nil},
		{"truncated body", "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nshort", "", ErrTruncated},
		{"truncated chunk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort", "", ErrTruncated},
		{"bad chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nshort", "", ErrTruncated},
		{"extra JSON after Content-Length", "POST / HTTP/1.1\r\nContent-Length: 13\r\n\r\nHello, World!{\"admin\":true}", "", ErrTrailingData},
		{"pipelined second request", "POST / HTTP/1.1\r\nContent-Length: 13\r\n\r\nHello, World!POST /admin HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", "", ErrTrailingData},
		{"data after Content-Length 0", "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\ntrailing", "", ErrTrailingData},
		{"data after the last chunk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\nPOST / HTTP/1.1\r\n\r\n", "", ErrTrailingData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := ReadRequest(strings.NewReader(tt.raw))
			if tt.readErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.readErr) {
					t.Fatalf("err %v, want %q", err, tt.readErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadAll(req.Body)
			if !errors.Is(err, tt.bodyErr) {
				t.Fatalf("body err %v, want %v", err, tt.bodyErr)
			}
			if tt.name == "truncated body" && err.Error() != "request body truncated: Content-Length 100, got 5 bytes" {
				t.Fatalf("message %q", err)
			}
		})
	}
}

func TestParseHeaderLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, name, value, err string }{
		{"X-Hub-Signature-256: sha256=ab", "X-Hub-Signature-256", "sha256=ab", ""},
		{"webhook-id:msg_1", "Webhook-Id", "msg_1", ""},
		{"  Stripe-Signature :  t=1,v1=a  ", "Stripe-Signature", "t=1,v1=a", ""},
		{"X-Empty:", "X-Empty", "", ""},
		{"X-Colon: a:b:c", "X-Colon", "a:b:c", ""},
		{"no colon", "", "", "header must look like 'Name: value'"},
		{": value", "", "", "header name is empty"},
		{"Bad Name: v", "", "", "header name is empty or has characters"},
		{"X-A: a\x00b", "", "", "header value has control characters"},
	}
	for _, tt := range tests {
		name, value, err := ParseHeaderLine(tt.in)
		if tt.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || name != tt.name || value != tt.value {
			t.Errorf("%q: %q %q %v, want %q %q", tt.in, name, value, err, tt.name, tt.value)
		}
	}
}

func TestParseHeaderLines(t *testing.T) {
	t.Parallel()
	h, err := ParseHeaderLines([]string{"X-A: 1", "x-a: 2", "X-B: 3"})
	if err != nil || len(h) != 2 || strings.Join(h.Values("X-A"), ",") != "1,2" || h.Get("X-B") != "3" {
		t.Fatalf("got %v %v, want X-A 1,2 and X-B 3", h, err)
	}
	if _, err := ParseHeaderLines([]string{"X-A: 1", "no colon"}); err == nil || err.Error() != `-H "no colon": header must look like 'Name: value'` {
		t.Fatalf("bad line: %v", err)
	}
	if h, err := ParseHeaderLines(nil); err != nil || h == nil || len(h) != 0 {
		t.Fatalf("no lines: %v %v, want an empty header", h, err)
	}
}
