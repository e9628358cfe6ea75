package ui

import (
	"errors"
	"strconv"
	"strings"
)

// ByteSize is a size flag's value (pflag.Value): bytes, or a number with KiB or MiB.
type ByteSize int64

func (b *ByteSize) String() string {
	switch {
	case *b > 0 && *b%(1<<20) == 0:
		return strconv.FormatInt(int64(*b)>>20, 10) + "MiB"
	case *b > 0 && *b%(1<<10) == 0:
		return strconv.FormatInt(int64(*b)>>10, 10) + "KiB"
	}
	return strconv.FormatInt(int64(*b), 10)
}

// Set parses s; sizes up to 1 TiB are accepted.
func (b *ByteSize) Set(s string) error {
	num, unit := s, int64(1)
	for suffix, u := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			num, unit = n, u
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/unit {
		return errors.New("want a positive size such as 1048576, 512KiB or 4MiB")
	}
	*b = ByteSize(n * unit)
	return nil
}

// Type names the value in help text.
func (b *ByteSize) Type() string { return "size" }
