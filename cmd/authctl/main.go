// Command authctl logs in to Discord, GitHub, Slack, Sentry and OpenID Connect
// providers, keeps their tokens, checks Discord guild membership and verifies
// signed webhooks.
package main

import (
	"os"

	"github.com/authctl/authctl/internal/cli"
)

func main() {
	growStack(len(os.Args))
	os.Exit(cli.Main())
}

// stackSink keeps growStack's frame from being optimised away.
var stackSink byte

// growStack grows the main goroutine's stack to the 32 KiB a command such as
// `authctl token` reaches, in one copy of a shallow stack instead of four
// doublings deep inside cobra, viper and encoding/json, each of which walks
// every frame through the pcln tables (BENCHMARKS.md, start-up).
//
//go:noinline
func growStack(i int) {
	var frame [30 << 10]byte
	frame[i] = 1
	stackSink = frame[i/2]
}
