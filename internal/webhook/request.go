package webhook

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Request is a raw HTTP/1.1 request as captured: its headers and a body
// that streams from the source.
type Request struct {
	Method, Target string
	Header         http.Header
	Body           io.Reader
}

// ErrTruncated marks a request whose body ends before its Content-Length.
var ErrTruncated = errors.New("request body truncated")

// ReadRequest parses a raw request (CRLF or LF line ends). The body honours
// Content-Length and chunked encoding; with neither, it is the rest of r.
func ReadRequest(r io.Reader) (*Request, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	req, err := http.ReadRequest(br)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("truncated request: no blank line after the headers")
		}
		return nil, fmt.Errorf("parse request: %w", err)
	}
	out := &Request{Method: req.Method, Target: req.RequestURI, Header: req.Header}
	if req.Host != "" && out.Header.Get("Host") == "" {
		out.Header.Set("Host", req.Host)
	}
	switch {
	case len(req.TransferEncoding) > 0 || req.ContentLength > 0:
		out.Body = &strictBody{r: req.Body, want: req.ContentLength}
	case req.Header.Get("Content-Length") != "":
		out.Body = strings.NewReader("") // Content-Length: 0
	default:
		out.Body = br
	}
	return out, nil
}

// strictBody turns the short read of a body into ErrTruncated with the counts.
type strictBody struct {
	r    io.Reader
	want int64 // -1 for chunked
	got  int64
}

func (b *strictBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.got += int64(n)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		if b.want >= 0 {
			return n, fmt.Errorf("%w: Content-Length %s, got %d bytes", ErrTruncated, strconv.FormatInt(b.want, 10), b.got)
		}
		return n, fmt.Errorf("%w: chunked body ends early", ErrTruncated)
	}
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("%w: %v", ErrTruncated, err)
	}
	return n, err
}
