package ui

import (
	"fmt"
	"time"
)

// StartSpinner animates msg on stderr while waiting, only on a terminal; it
// never blocks the caller. The returned function stops and clears it.
func StartSpinner(ios *IOStreams, msg string) func() {
	if !ios.StderrTTY {
		return func() {}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
		tick := time.NewTicker(120 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(ios.ErrOut, "\r%s %s", frames[i%len(frames)], msg)
			select {
			case <-done:
				ClearLine(ios.ErrOut)
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-stopped }
}
