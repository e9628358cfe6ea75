package cmdutil

import (
	"errors"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/exitcode"
)

// A command-line mistake found by these checks is exit 2 where it is found;
// an error that already has its code keeps it.
func TestUsageErrorsAreTypedAtTheirSource(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	cmd.Flags().String("body", "", "")
	cmd.Flags().String("request", "", "")
	cmd.Flags().String("event", "", "")
	if err := cmd.ParseFlags([]string{"--body", "b", "--event", "e"}); err != nil {
		t.Fatal(err)
	}
	if err := ExclusiveFlags(cmd, []string{"body", "request"}); err != nil {
		t.Errorf("one flag of the group set: %v", err)
	}
	err := ExclusiveFlags(cmd, []string{"body", "request", "event"})
	if exitcode.Of(err) != exitcode.Usage || err.Error() != "if any flags in the group [body request event] are set none of the others can be; [body event] were all set" {
		t.Errorf("two flags of the group set: %v (exit %d)", err, exitcode.Of(err))
	}
	if err := UsageArgs(cobra.ExactArgs(1))(cmd, nil); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("missing argument: %v (exit %d), want exit 2", err, exitcode.Of(err))
	}
	if err := UsageArgs(cobra.ExactArgs(1))(cmd, []string{"a"}); err != nil {
		t.Errorf("one argument: %v", err)
	}
	if UsageIfUnset(nil) != nil || exitcode.Of(UsageIfUnset(errors.New("bad"))) != exitcode.Usage ||
		exitcode.Of(UsageIfUnset(exitcode.Errorf(exitcode.Store, "locked"))) != exitcode.Store {
		t.Error("UsageIfUnset: nil stays nil, an untyped error becomes exit 2, a typed one keeps its code")
	}
	if err := NotNegative("--min-ttl", -time.Second); exitcode.Of(err) != exitcode.Usage || err.Error() != "--min-ttl must not be negative" {
		t.Errorf("NotNegative(-1s): %v", err)
	}
	if err := NotNegative("--min-ttl", 0); err != nil {
		t.Errorf("NotNegative(0): %v", err)
	}
}
