package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/replay"
	"github.com/authctl/authctl/internal/ui"
	"github.com/authctl/authctl/internal/webhook"
)

// WebhookVerifyOptions are the inputs of `webhook verify`.
type WebhookVerifyOptions struct {
	webhookEnv
	Key webhookKeyFlags

	Provider    string
	BodyPath    string
	RequestPath string
	Headers     []string
	Tolerance   time.Duration
}

// verifyExamples are run by a test: each must verify as valid.
const verifyExamples = `  # GitHub (secret "It's a Secret to Everybody", body from stdin)
  printf 'Hello, World!' | AUTHCTL_WEBHOOK_SECRET="It's a Secret to Everybody" authctl webhook verify github --body - -H 'X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'

  # Slack (a captured request would be newer; --tolerance 0 skips the age check)
  printf 'token=abc&text=hi' | AUTHCTL_WEBHOOK_SECRET=8f742231b10e8888abcd99yyyzzz85a5 authctl webhook verify slack --body - --tolerance 0 -H 'X-Slack-Request-Timestamp: 1700000000' -H 'X-Slack-Signature: v0=3df9f4f80d7e11c365711ffa13a0d877874ef9d96f5e7f66b5f6e144f6d798bd'

  # Discord (public key in hex; the signed message is timestamp + body)
  printf '{"type":1}' | authctl webhook verify discord --body - --tolerance 0 --public-key 36d6164ea133cf20c6575d3da52c20e8a3674d1a10b5158c378a6e5c23372049 -H 'X-Signature-Timestamp: 1700000000' -H 'X-Signature-Ed25519: daed1ea256bc20f638de4708404609b166a5bef846f87502f83c2c07026b9143a4fc382724ce0f58c3c475f7a621119c69278b74d291f8d9ff42ca8d452e1906'

  # Sentry (integration client secret from a file)
  printf '{"action":"created"}' > body.json; printf 'sentry-secret\n' > secret.txt
  authctl webhook verify sentry --body body.json --secret-file secret.txt -H 'Sentry-Hook-Signature: 7b9b9bf3b532b5d668ca50b79d6cec2eaed276f1444f15d63c6186790ce72ae7'

  # Stripe (the whole whsec_ string is the key)
  printf '{"id":"evt_1"}' | STRIPE_SECRET=whsec_test authctl webhook verify stripe --secret-env STRIPE_SECRET --body - --tolerance 0 -H 'Stripe-Signature: t=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925'

  # Standard Webhooks / Svix (svix-* header names work too)
  printf '{"test": 2432232314}' | AUTHCTL_WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw authctl webhook verify standard --body - --tolerance 0 -H 'webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek' -H 'webhook-timestamp: 1614265330' -H 'webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='

  # Shopify
  printf '{"id":1}' | AUTHCTL_WEBHOOK_SECRET=shpss_test authctl webhook verify shopify --body - -H 'X-Shopify-Hmac-Sha256: 1GxccvotnkOedTjSm8S0m/VA3yAUKshyqT52ccNYHj4='

  # A raw HTTP request as captured (CRLF or LF line ends)
  printf 'POST /hook HTTP/1.1\r\nHost: example.com\r\nContent-Length: 13\r\nX-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17\r\n\r\nHello, World!' > delivery.http
  AUTHCTL_WEBHOOK_SECRET="It's a Secret to Everybody" authctl webhook verify github --request delivery.http`

func newCmdWebhookVerify(f *cmdutil.Factory, runF func(context.Context, *WebhookVerifyOptions) error) *cobra.Command {
	opts := &WebhookVerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify PROVIDER",
		Short: "Check a webhook signature offline: exit 0 valid, 1 invalid, 2 usage",
		Long: "Check the signature of one webhook delivery for PROVIDER, one of\n" + strings.Join(webhook.Names(), ", ") + ` (standard is Standard Webhooks / Svix).

Give the body with --body FILE (or - for stdin) and the headers with -H, or a
raw HTTP/1.1 request with --request FILE. The secret comes from --secret-env,
--secret-file or AUTHCTL_WEBHOOK_SECRET; Discord takes the application public
key with --public-key. The body is streamed, so any size works (Discord bodies
are capped at 8 MiB).

Exit 0: valid. Exit 1: invalid, with one line on stderr saying why. Exit 2:
usage. With -o json, one object {"provider","valid","reason","timestamp"}.`,
		Example:   verifyExamples,
		Args:      cmdutil.UsageArgs(cobra.ExactArgs(1)),
		ValidArgs: webhook.Names(),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.webhookEnv = newWebhookEnv(f)
			opts.Provider = args[0]
			err := cmdutil.ExclusiveFlags(cmd, []string{"body", "request"}, []string{"request", "header"})
			if err == nil {
				err = opts.Key.parsed(cmd)
			}
			if err == nil && opts.Tolerance < 0 {
				err = exitcode.Errorf(exitcode.Usage, "--tolerance must not be negative")
			}
			if err != nil {
				return reportVerifyError(opts, err) // -o json promises one object in every case
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return webhookVerifyRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.BodyPath, "body", "", "the raw body from `FILE`, or - for stdin")
	fl.StringVar(&opts.RequestPath, "request", "", "a raw HTTP/1.1 request (request line, headers, blank line, body) from `FILE`, or -")
	fl.StringArrayVarP(&opts.Headers, "header", "H", nil, "a header as 'Name: value' (repeatable; names are case-insensitive)")
	fl.DurationVar(&opts.Tolerance, "tolerance", webhook.DefaultTolerance, "how far a signed timestamp may be from now, either way (0 skips the check)")
	opts.Key.register(cmd, webhook.Verifying)
	return cmd
}

// verifyReport is the -o json answer.
type verifyReport struct {
	Provider  string `json:"provider"`
	Valid     bool   `json:"valid"`
	Reason    string `json:"reason"`
	Timestamp *int64 `json:"timestamp"`
}

func webhookVerifyRun(_ context.Context, opts *WebhookVerifyOptions) error {
	scheme, key, err := opts.Key.key(opts.Provider, webhook.Verifying, opts.Getenv)
	var res webhook.Result
	if err == nil {
		src := replay.Source{BodyFile: opts.BodyPath, RequestFile: opts.RequestPath, Stdin: opts.IO.In}
		res, err = replay.Verify(scheme, key, src, opts.Headers, opts.Now(), opts.Tolerance)
	}
	if err != nil {
		return reportVerifyError(opts, cmdutil.UsageIfUnset(err))
	}
	for _, w := range res.Warnings {
		opts.IO.Warnf("%s", w)
	}
	if opts.JSON {
		if err := ui.WriteJSON(opts.IO.Out, verifyReport{opts.Provider, res.Valid, res.Reason, res.Timestamp}); err != nil {
			return err
		}
	}
	styles := opts.IO.ErrStyles()
	if res.Valid {
		fmt.Fprintf(opts.IO.ErrOut, "%s %s signature valid\n", styles.Mark(true), opts.Provider)
		return nil
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s %s\n", styles.Failure.Render("invalid:"), res.Reason)
	for _, h := range res.Hints {
		fmt.Fprintf(opts.IO.ErrOut, "hint: %s\n", h)
	}
	return &exitcode.Silent{Code: exitcode.No}
}

// reportVerifyError writes, with -o json, the one object verify promises also
// when it cannot verify, and returns err.
func reportVerifyError(opts *WebhookVerifyOptions, err error) error {
	if opts.JSON {
		if werr := ui.WriteJSON(opts.IO.Out, verifyReport{Provider: opts.Provider, Reason: ui.OneLine(err.Error())}); werr != nil {
			return werr
		}
	}
	return err
}
