// Command authctl logs in to Discord, GitHub, Slack, Sentry and OpenID Connect
// providers, keeps their tokens, checks Discord guild membership and verifies
// signed webhooks.
package main

import (
	"os"

	"github.com/authctl/authctl/internal/cli"
)

func main() {
	os.Exit(cli.Main())
}
