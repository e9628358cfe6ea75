// Package gitcred answers git's credential helper protocol (gitcredentials(7),
// `git help credential`) with authctl's GitHub tokens: it parses git's
// request, decides which token serves the host and repository git asks about
// (a configured entry's user token or a GitHub App installation token) and
// formats the answer (Serve); setup-git's writing of git's global config is
// here too (SetupHelper). It never prints a token anywhere but the answer.
package gitcred

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// maxRequestBytes bounds what a helper reads from git: requests are a few short lines.
const maxRequestBytes = 64 << 10

// Request is the credential description git writes to a helper's stdin.
type Request struct {
	Protocol string
	Host     string // with ":PORT" when git's URL has one
	Path     string // sent only with credential.useHttpPath
	Username string
	Password string
}

// ReadRequest reads key=value lines up to a blank line or the end of input.
// Keys it does not know (wwwauth[], capability[], …) are skipped, as git asks
// of helpers; a line without '=' or a value with NUL is an error.
func ReadRequest(r io.Reader) (*Request, error) {
	sc := bufio.NewScanner(io.LimitReader(r, maxRequestBytes))
	sc.Buffer(make([]byte, 0, 4096), maxRequestBytes)
	req := &Request{}
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" {
			break
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("credential request: line %q is not key=value", truncate(line))
		}
		if strings.ContainsRune(value, 0) {
			return nil, fmt.Errorf("credential request: the value of %q holds a NUL byte", truncate(key))
		}
		switch key {
		case "protocol":
			req.Protocol = value
		case "host":
			req.Host = value
		case "path":
			req.Path = value
		case "username":
			req.Username = value
		case "password":
			req.Password = value
		case "url":
			if err := req.fromURL(value); err != nil {
				return nil, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("credential request: %w", err)
	}
	return req, nil
}

// fromURL fills protocol, host and path from a url= line, as git does.
func (r *Request) fromURL(raw string) error {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" {
		return fmt.Errorf("credential request: url %q has no scheme", truncate(raw))
	}
	hostPart, path, _ := strings.Cut(rest, "/")
	if at := strings.LastIndex(hostPart, "@"); at >= 0 {
		hostPart = hostPart[at+1:] // userinfo is never taken from a URL: it would be a secret on argv
	}
	r.Protocol, r.Host, r.Path = scheme, hostPart, path
	return nil
}

// truncate keeps error messages one short line; a request line could be anything.
func truncate(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…" // never half a character
	}
	return s
}

// Answer is what a helper gives git for a get.
type Answer struct {
	Username string
	Password string
	// Expiry, when set, is sent as password_expiry_utc so that git (2.41 and
	// later) neither caches nor reuses the token past it.
	Expiry time.Time
}

// ErrUnsafeValue is returned for an answer git would misread: a value with a newline or NUL.
var ErrUnsafeValue = errors.New("credential answer: a value holds a newline or NUL byte")

// Write writes the answer in git's format, ending with a blank line.
func (a *Answer) Write(w io.Writer) error {
	for _, v := range []string{a.Username, a.Password} {
		if v == "" || strings.ContainsAny(v, "\n\r\x00") {
			return ErrUnsafeValue
		}
	}
	var b strings.Builder
	b.WriteString("username=" + a.Username + "\n")
	b.WriteString("password=" + a.Password + "\n")
	if !a.Expiry.IsZero() {
		b.WriteString("password_expiry_utc=" + strconv.FormatInt(a.Expiry.Unix(), 10) + "\n")
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
