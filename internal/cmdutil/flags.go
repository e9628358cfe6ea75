package cmdutil

import (
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/exitcode"
)

// ExclusiveFlags refuses, as a usage error at its source, more than one set
// flag of any group (cobra's own check returns an untyped error).
func ExclusiveFlags(cmd *cobra.Command, groups ...[]string) error {
	for _, group := range groups {
		var set []string
		for _, name := range group {
			if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
				set = append(set, name)
			}
		}
		if len(set) > 1 {
			sort.Strings(set)
			return exitcode.Errorf(exitcode.Usage, "if any flags in the group [%s] are set none of the others can be; %v were all set", strings.Join(group, " "), set)
		}
	}
	return nil
}

// UsageArgs types the errors of a cobra argument validator as usage errors.
func UsageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return exitcode.New(exitcode.Usage, err)
		}
		return nil
	}
}

// UsageIfUnset turns an untyped error into a usage error; nil stays nil.
func UsageIfUnset(err error) error {
	var coded *exitcode.Error
	if err == nil || errors.As(err, &coded) {
		return err
	}
	return exitcode.New(exitcode.Usage, err)
}

// NotNegative refuses a negative duration given to flag.
func NotNegative(flag string, d time.Duration) error {
	if d < 0 {
		return exitcode.Errorf(exitcode.Usage, "%s must not be negative", flag)
	}
	return nil
}
