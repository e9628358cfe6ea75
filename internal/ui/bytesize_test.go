package ui

import "testing"

func TestByteSize(t *testing.T) {
	t.Parallel()
	// String names the largest unit that divides the size exactly.
	for in, want := range map[string]string{"1048576": "1MiB", "512KiB": "512KiB", "4MiB": "4MiB", "1000": "1000", "3072": "3KiB", "1536": "1536"} {
		var b ByteSize
		if err := b.Set(in); err != nil {
			t.Errorf("Set(%q): %v", in, err)
			continue
		}
		if got := b.String(); got != want {
			t.Errorf("Set(%q).String() = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "1GiB", "2KB", "1.5MiB", "x", "1048577MiB"} {
		var b ByteSize
		if err := b.Set(bad); err == nil {
			t.Errorf("Set(%q) = %d, want an error", bad, b)
		}
	}
}
