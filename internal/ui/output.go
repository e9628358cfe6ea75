package ui

import (
	"encoding/json"
	"fmt"
	"io"
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
