// Command cobraonly measures, for scripts/bench-webhook.sh, what start-up
// costs with only cobra and internal/webhook linked: the same verify as
// `authctl webhook verify github --body FILE -H …`, without the rest of authctl.
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/webhook"
)

func main() {
	var body string
	var headers []string
	verify := &cobra.Command{
		Use:  "verify PROVIDER",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, ok := webhook.Lookup(args[0])
			if !ok {
				return fmt.Errorf("unknown provider %q", args[0])
			}
			h := http.Header{}
			for _, l := range headers {
				name, value, err := webhook.ParseHeaderLine(l)
				if err != nil {
					return err
				}
				h.Add(name, value)
			}
			f, err := os.Open(body)
			if err != nil {
				return err
			}
			defer f.Close()
			res, err := s.Verify(webhook.Input{Header: h, Body: f, Secret: []byte(os.Getenv("AUTHCTL_WEBHOOK_SECRET")), Now: time.Now(), Tolerance: webhook.DefaultTolerance})
			if err != nil {
				return err
			}
			if !res.Valid {
				return fmt.Errorf("invalid: %s", res.Reason)
			}
			return nil
		},
	}
	verify.Flags().StringVar(&body, "body", "", "body file")
	verify.Flags().StringArrayVarP(&headers, "header", "H", nil, "header")
	wh := &cobra.Command{Use: "webhook"}
	wh.AddCommand(verify)
	root := &cobra.Command{Use: "authctl", SilenceUsage: true}
	root.AddCommand(wh)
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}
