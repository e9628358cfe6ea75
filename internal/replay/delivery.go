package replay

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
)

// Delivery is one webhook delivery: headers and the exact body bytes.
type Delivery struct {
	Header http.Header
	Body   []byte
}

// hopHeaders belong to one connection, not to the delivery; the transport
// sets them again for the next hop.
var hopHeaders = []string{"Host", "Content-Length", "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Te", "Trailer", "Upgrade", "Accept-Encoding"}

// Template returns the headers to send with every copy of d: captured headers
// without the connection's own ones and without those named in drop.
func (d Delivery) Template(drop []string) http.Header {
	h := d.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	for _, k := range drop {
		h.Del(k)
	}
	return h
}

// ParseRawRequest reads a captured HTTP/1.1 request: request line, headers,
// a blank line, then the body. The body is every byte after the blank line,
// cut to Content-Length when that header is present; it is never decoded.
func ParseRawRequest(raw []byte) (Delivery, error) {
	sep := []byte("\r\n\r\n")
	i := bytes.Index(raw, sep)
	if j := bytes.Index(raw, []byte("\n\n")); j >= 0 && (i < 0 || j < i) {
		i, sep = j, []byte("\n\n")
	}
	if i < 0 {
		return Delivery{}, errors.New("raw request: no blank line after the headers")
	}
	head, body := raw[:i+len(sep)], raw[i+len(sep):]
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(head)))
	line, err := tp.ReadLine()
	if err != nil {
		return Delivery{}, fmt.Errorf("raw request: read request line: %w", err)
	}
	if f := strings.Fields(line); len(f) != 3 || !strings.HasPrefix(f[2], "HTTP/") {
		return Delivery{}, fmt.Errorf("raw request: malformed request line %q", truncate(line, 60))
	}
	mh, err := tp.ReadMIMEHeader()
	if err != nil {
		return Delivery{}, fmt.Errorf("raw request: read headers: %w", err)
	}
	h := http.Header(mh)
	if te := h.Get("Transfer-Encoding"); te != "" && !strings.EqualFold(te, "identity") {
		return Delivery{}, fmt.Errorf("raw request: Transfer-Encoding %q is not supported; capture the decoded body", te)
	}
	if cl := h.Get("Content-Length"); cl != "" {
		var n int
		if _, err := fmt.Sscanf(cl, "%d", &n); err != nil || n < 0 {
			return Delivery{}, fmt.Errorf("raw request: bad Content-Length %q", truncate(cl, 20))
		}
		if n > len(body) {
			return Delivery{}, fmt.Errorf("raw request: body has %d bytes, Content-Length says %d", len(body), n)
		}
		body = body[:n]
	}
	return Delivery{Header: h, Body: body}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
