package ui

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// Output formats accepted by -o/--output.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// ValidFormat reports whether f is an accepted output format.
func ValidFormat(f string) bool { return f == FormatText || f == FormatJSON }

// WriteJSON writes v as one JSON object followed by a newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// LockedWriter lets several goroutines write to one stream, a whole Write at a time.
type LockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// NewLockedWriter serialises the writes to w.
func NewLockedWriter(w io.Writer) *LockedWriter { return &LockedWriter{w: w} }

func (l *LockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
