package webhook

import "bytes"

// bodyShape watches a body as it streams past, keeping only what explains a
// signature mismatch: a trailing newline, or JSON that was pretty-printed.
type bodyShape struct {
	size     int64
	first    byte // first non-space byte, once seen
	seen     bool
	last     byte
	prev     byte
	indented bool // a newline followed by indentation
}

func (s *bodyShape) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if !s.seen {
		if t := bytes.TrimLeft(p, " \t\r\n"); len(t) > 0 {
			s.first, s.seen = t[0], true
		}
	}
	if !s.indented && (s.first == '{' || s.first == '[') {
		if s.prev == '\n' && (p[0] == ' ' || p[0] == '\t') ||
			bytes.Contains(p, []byte("\n ")) || bytes.Contains(p, []byte("\n\t")) {
			s.indented = true
		}
	}
	s.size += int64(len(p))
	s.last = p[len(p)-1]
	s.prev = s.last
	return len(p), nil
}

func (s *bodyShape) hints() []string {
	var h []string
	if s.size > 0 && s.last == '\n' {
		h = append(h, "the body ends with a newline; was one added?")
	}
	if s.indented {
		h = append(h, "the body looks like pretty-printed JSON; providers sign the raw bytes they sent, so a re-serialized body never matches")
	}
	if s.size == 0 {
		h = append(h, "the body is empty; was it read from the right file?")
	}
	return h
}
