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

// ErrTrailingData marks a request followed by more than a line end after its
// body: a second, pipelined request or data the signature does not cover,
// which must not pass unnoticed beside a valid signature.
var ErrTrailingData = errors.New("data after the request body")

// ReadRequest parses a raw request (CRLF or LF line ends). The body honours
// Content-Length and chunked encoding, and anything but one line end after
// it is ErrTrailingData when the body is read; with neither, the body is the
// rest of r.
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
		out.Body = &strictBody{r: req.Body, want: req.ContentLength, rest: br}
	case req.Header.Get("Content-Length") != "":
		out.Body = &strictBody{r: strings.NewReader(""), rest: br} // Content-Length: 0
	default:
		out.Body = br
	}
	return out, nil
}

// strictBody turns the short read of a body into ErrTruncated with the
// counts, and data after its end into ErrTrailingData.
type strictBody struct {
	r    io.Reader
	want int64 // -1 for chunked
	got  int64
	rest *bufio.Reader // what follows the body
}

func (b *strictBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.got += int64(n)
	if err == io.EOF {
		if terr := b.nothingAfter(); terr != nil {
			return n, terr
		}
	}
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

// nothingAfter allows one line end after the body, as a saved capture often
// has, and nothing else.
func (b *strictBody) nothingAfter() error {
	after, _ := io.ReadAll(io.LimitReader(b.rest, 3))
	switch string(after) {
	case "", "\n", "\r\n":
		return nil
	}
	if b.want < 0 {
		return fmt.Errorf("%w: the request goes on after its last chunk (a second request, or bytes the signature does not cover)", ErrTrailingData)
	}
	return fmt.Errorf("%w: the request goes on after the %d bytes of its Content-Length (a second request, or bytes the signature does not cover)", ErrTrailingData, b.got)
}
