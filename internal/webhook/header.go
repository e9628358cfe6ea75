package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ParseHeaderLine parses one "Name: value" as given to -H.
func ParseHeaderLine(line string) (name, value string, err error) {
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return "", "", errors.New("header must look like 'Name: value'")
	}
	name = strings.TrimSpace(name)
	if name == "" || strings.IndexFunc(name, notTokenChar) >= 0 {
		return "", "", errors.New("header name is empty or has characters a header name cannot have")
	}
	value = strings.Trim(value, " \t")
	if strings.IndexFunc(value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) >= 0 {
		return "", "", errors.New("header value has control characters")
	}
	return http.CanonicalHeaderKey(name), value, nil
}

// ParseHeaderLines parses -H lines into one header; the error names the line.
func ParseHeaderLines(lines []string) (http.Header, error) {
	h := http.Header{}
	for _, line := range lines {
		name, value, err := ParseHeaderLine(line)
		if err != nil {
			return nil, fmt.Errorf("-H %q: %w", line, err)
		}
		h.Add(name, value)
	}
	return h, nil
}

// notTokenChar reports a rune outside RFC 9110's token characters.
func notTokenChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		return false
	}
	return true
}
