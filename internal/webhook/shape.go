package webhook

import (
	"bytes"
	"encoding/json"
)

// maxKept bounds the body bytes kept to test what explains a mismatch;
// larger bodies get no body hints rather than a memory cost.
const maxKept = 256 << 10

// bodyShape watches a body as it streams past and keeps up to maxKept of it,
// so that a mismatch is explained only when the evidence says so: the body
// without its trailing line end, or compacted, does match.
type bodyShape struct {
	size     int64
	kept     []byte
	overflow bool // more than maxKept: nothing kept
	// matches reports whether another body would have verified; nil when
	// the scheme cannot tell.
	matches func(body []byte) bool
}

func (s *bodyShape) Write(p []byte) (int, error) {
	s.size += int64(len(p))
	switch {
	case s.overflow:
	case len(s.kept)+len(p) > maxKept:
		s.overflow, s.kept = true, nil
	default:
		s.kept = append(s.kept, p...)
	}
	return len(p), nil
}

// hints explain a mismatch, each only when a changed body verifies.
func (s *bodyShape) hints() []string {
	if s.size == 0 {
		return []string{"the body is empty; was it read from the right file?"}
	}
	if s.overflow || s.matches == nil {
		return nil
	}
	if trimmed, ok := withoutLineEnd(s.kept); ok && s.matches(trimmed) {
		return []string{"the body matches without its trailing line end: one was added after the provider signed it"}
	}
	var compact bytes.Buffer
	if json.Compact(&compact, s.kept) == nil && !bytes.Equal(compact.Bytes(), s.kept) && s.matches(compact.Bytes()) {
		return []string{"the body matches once compacted: it was re-serialized (pretty-printed) after the provider signed its raw bytes"}
	}
	return nil
}

func withoutLineEnd(b []byte) ([]byte, bool) {
	if t, ok := bytes.CutSuffix(b, []byte("\r\n")); ok {
		return t, true
	}
	return bytes.CutSuffix(b, []byte("\n"))
}
