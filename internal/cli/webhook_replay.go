package cli

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/replay"
	"github.com/authctl/authctl/internal/ui"
	"github.com/authctl/authctl/internal/webhook"
)

// WebhookReplayOptions are the inputs of `webhook replay`.
type WebhookReplayOptions struct {
	webhookEnv
	Key webhookKeyFlags

	Provider     string
	To           string
	Source       replay.Source
	ListEvents   bool
	Count        int
	Concurrency  int
	Timeout      time.Duration
	ExpectStatus []string
	DropHeaders  []string
	// Extra are the -H headers, set on every delivery.
	Extra  http.Header
	expect replay.StatusMatcher
}

func newCmdWebhookReplay(f *Factory, runF func(context.Context, *WebhookReplayOptions) error) *cobra.Command {
	opts := &WebhookReplayOptions{}
	var headers []string
	cmd := &cobra.Command{
		Use:   "replay PROVIDER --to URL [--body FILE | --request FILE | --event NAME | --from FILE.jsonl [--id ID]]",
		Short: "Send re-signed webhook deliveries to a local handler",
		Long: `Send a webhook delivery to URL, signed afresh for PROVIDER: a fresh timestamp,
delivery id and signature on every request. The body comes from --body, from a
captured raw HTTP request (--request), from a file written by 'webhook listen
--record' (--from, one delivery with --id or all it verified), or from a built-in
sample (--event; --list-events shows them). The body bytes are sent exactly as
given; captured headers are kept unless named by --drop-header.

--count and --concurrency send a burst; a summary with status counts, latency
percentiles and each kind of failure (with its count and the start of the
handler's answer) goes to stderr, or with -o json one object to stdout instead.
A target that refuses the connection before it ever answers stops the burst.
Exit 0 when every response is 2xx (or matches --expect-status), 1 when any is
not, 4 when any request got no answer (refused, timed out).`,
		Example: `  authctl webhook replay github --event push --to http://127.0.0.1:3000/webhook
  authctl webhook replay stripe --request captured.http --to http://127.0.0.1:4242/hook
  authctl webhook replay github --from deliveries.jsonl --to http://127.0.0.1:3000/webhook
  authctl webhook replay slack --event slash_command --count 5000 --concurrency 32 --to http://127.0.0.1:3000/slack
  authctl webhook replay --list-events`,
		Args:              usageArgs(cobra.MaximumNArgs(1)),
		ValidArgsFunction: completeWebhookProviders,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := exclusiveFlags(cmd, []string{"body", "request", "event", "from"}); err != nil {
				return err
			}
			opts.webhookEnv = newWebhookEnv(f)
			opts.Source.Stdin = f.IO.In
			if len(args) == 1 {
				opts.Provider = args[0]
			}
			if err := opts.Key.parsed(cmd); err != nil {
				return err
			}
			if err := opts.validate(headers); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return webhookReplayRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "`URL` of the handler to send to")
	fl.StringVar(&opts.Source.BodyFile, "body", "", "the body from `FILE`, sent byte for byte (- for stdin)")
	fl.StringVar(&opts.Source.RequestFile, "request", "", "a captured raw HTTP/1.1 request from `FILE` (- for stdin)")
	fl.StringVar(&opts.Source.Event, "event", "", "built-in sample event `NAME` to send (see --list-events)")
	fl.StringVar(&opts.Source.FromFile, "from", "", "deliveries from a JSONL `FILE` written by 'webhook listen --record'")
	fl.StringVar(&opts.Source.ID, "id", "", "with --from: the `ID` of the one delivery to send (default: all)")
	fl.StringVar(&opts.Source.APIVersion, "api-version", "", "with --event: the API `VERSION` the sample declares (Stripe's api_version, default 2026-03-25.dahlia, the release train stripe-go v85 accepts; Shopify's X-Shopify-API-Version)")
	fl.BoolVar(&opts.ListEvents, "list-events", false, "list the built-in sample events and exit")
	fl.IntVar(&opts.Count, "count", 1, "copies of each delivery to send")
	fl.IntVar(&opts.Concurrency, "concurrency", 1, "requests in flight at once")
	fl.DurationVar(&opts.Timeout, "timeout", 10*time.Second, "time limit for each request")
	fl.StringSliceVar(&opts.ExpectStatus, "expect-status", nil, "`STATUS`es that count as success, e.g. 401 or 4xx (default 2xx)")
	fl.StringArrayVar(&opts.DropHeaders, "drop-header", nil, "captured header `NAME` not to send (repeatable)")
	fl.StringArrayVarP(&headers, "header", "H", nil, "header to add, 'Name: value' (repeatable), e.g. -H 'X-GitHub-Event: push'")
	opts.Key.register(cmd, webhook.Signing)
	_ = cmd.RegisterFlagCompletionFunc("event", completeReplayEvents)
	return cmd
}

func (o *WebhookReplayOptions) validate(headers []string) error {
	if o.ListEvents {
		if o.Provider != "" && len(webhook.Samples(o.Provider)) == 0 {
			return exitcode.Errorf(exitcode.Usage, "no built-in events for %q (providers: %s)", o.Provider, strings.Join(webhook.SampleProviders(), ", "))
		}
		return nil
	}
	src := o.Source
	switch {
	case o.Provider == "":
		return exitcode.Errorf(exitcode.Usage, "webhook replay needs a PROVIDER (one of %s)", strings.Join(webhook.Names(), ", "))
	case o.To == "":
		return exitcode.Errorf(exitcode.Usage, "webhook replay needs --to URL")
	case src.BodyFile == "" && src.RequestFile == "" && src.Event == "" && src.FromFile == "":
		return exitcode.Errorf(exitcode.Usage, "webhook replay needs one of --body, --request, --event or --from")
	case src.ID != "" && src.FromFile == "":
		return exitcode.Errorf(exitcode.Usage, "--id needs --from")
	case src.APIVersion != "" && src.Event == "":
		return exitcode.Errorf(exitcode.Usage, "--api-version sets the API version of a built-in sample: it needs --event")
	case o.Count < 1 || o.Concurrency < 1:
		return exitcode.Errorf(exitcode.Usage, "--count and --concurrency must be at least 1")
	case o.Timeout <= 0:
		return exitcode.Errorf(exitcode.Usage, "--timeout must be positive")
	}
	expect, err := replay.ParseExpect(o.ExpectStatus)
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	o.expect = expect
	o.Extra, err = webhook.ParseHeaderLines(headers)
	return usageIfUnset(err)
}

func webhookReplayRun(ctx context.Context, o *WebhookReplayOptions) error {
	if o.ListEvents {
		return listSampleEvents(o)
	}
	scheme, err := webhookScheme(o.Provider)
	if err != nil {
		return err
	}
	key, err := o.Key.key(scheme, webhook.Signing, o.Getenv)
	if err != nil {
		return err
	}
	deliveries, warnings, err := replay.Load(scheme, o.Source)
	if err != nil {
		return exitcode.Errorf(exitcode.Usage, "%s", ui.Sanitize(err.Error())) // it may quote a file or a request
	}
	for _, w := range warnings {
		o.IO.Warnf("%s", ui.Sanitize(w)) // they quote a recorded file
	}
	client := o.HTTPClient(o.Concurrency)
	defer client.CloseIdleConnections()
	bo := replay.BurstOptions{
		URL:         o.To,
		Deliveries:  replay.Resign(scheme, deliveries, o.Extra),
		DropHeaders: o.DropHeaders,
		Sign:        replay.Signer(scheme, key),
		Count:       o.Count,
		Concurrency: o.Concurrency,
		Timeout:     o.Timeout,
		Expect:      o.expect,
		Now:         o.Now,
		Client:      client,
	}
	if o.IO.StderrTTY && o.Count*len(deliveries) > 1 {
		bo.Progress = ui.ProgressBar(o.IO.ErrOut)
	}
	summary, err := replay.Burst(ctx, bo)
	if bo.Progress != nil {
		ui.ClearLine(o.IO.ErrOut)
	}
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	if o.JSON {
		if err := ui.WriteJSON(o.IO.Out, summary); err != nil {
			return err
		}
	} else {
		printReplaySummary(o.IO, summary.Report())
	}
	if summary.Interrupted {
		return ctx.Err()
	}
	return summary.Err(o.ExpectStatus)
}

// printReplaySummary styles the burst's report on stderr.
func printReplaySummary(ios *ui.IOStreams, r replay.Report) {
	st, w := ios.ErrStyles(), ios.ErrOut
	verdict := st.Success.Render("✓")
	if !r.OK {
		verdict = st.Failure.Render("✗")
	}
	fmt.Fprintln(w, verdict, r.Headline)
	for _, line := range r.Details {
		fmt.Fprintln(w, line)
	}
	for _, line := range r.Failures {
		fmt.Fprintln(w, st.Faint.Render(line))
	}
	if r.Stopped != "" {
		fmt.Fprintln(w, st.Warning.Render(r.Stopped))
	}
}

func listSampleEvents(o *WebhookReplayOptions) error {
	list := webhook.Samples(o.Provider)
	if o.JSON {
		return ui.WriteJSON(o.IO.Out, map[string]any{"events": list})
	}
	tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Provider, s.Name, s.Description)
	}
	return tw.Flush()
}
