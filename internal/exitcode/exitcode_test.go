package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, OK},
		{"plain error is could-not-tell", errors.New("boom"), Provider},
		{"coded", New(Auth, errors.New("login")), Auth},
		{"wrapped coded", fmt.Errorf("ctx: %w", Errorf(Store, "locked")), Store},
		{"silent", &Silent{Code: No}, No},
		{"wrapped silent", fmt.Errorf("x: %w", &Silent{Code: Usage}), Usage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Of(tt.err); got != tt.want {
				t.Errorf("Of(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
	if New(Usage, nil) != nil {
		t.Error("New with nil error must stay nil")
	}
}
