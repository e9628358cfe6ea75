package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
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
	ListEvents   bool
	ExpectStatus []string
	// Send holds what the flags choose; the run adds the client, the clock and the output.
	Send replay.SendOptions
}

func newCmdWebhookReplay(f *cmdutil.Factory, runF func(context.Context, *WebhookReplayOptions) error) *cobra.Command {
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
		Args:              cmdutil.UsageArgs(cobra.MaximumNArgs(1)),
		ValidArgsFunction: completeWebhookProviders,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.ExclusiveFlags(cmd, []string{"body", "request", "event", "from"}); err != nil {
				return err
			}
			opts.webhookEnv = newWebhookEnv(f)
			opts.Send.Source.Stdin = f.IO.In
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
	so, src := &opts.Send, &opts.Send.Source
	fl.StringVar(&so.URL, "to", "", "`URL` of the handler to send to")
	fl.StringVar(&src.BodyFile, "body", "", "the body from `FILE`, sent byte for byte (- for stdin)")
	fl.StringVar(&src.RequestFile, "request", "", "a captured raw HTTP/1.1 request from `FILE` (- for stdin)")
	fl.StringVar(&src.Event, "event", "", "built-in sample event `NAME` to send (see --list-events)")
	fl.StringVar(&src.FromFile, "from", "", "deliveries from a JSONL `FILE` written by 'webhook listen --record'")
	fl.StringVar(&src.ID, "id", "", "with --from: the `ID` of the one delivery to send (default: all)")
	fl.StringVar(&src.APIVersion, "api-version", "", "with --event: the API `VERSION` the sample declares (Stripe's api_version, default 2026-03-25.dahlia, the release train stripe-go v85 accepts; Shopify's X-Shopify-API-Version)")
	fl.BoolVar(&opts.ListEvents, "list-events", false, "list the built-in sample events and exit")
	fl.IntVar(&so.Count, "count", 1, "copies of each delivery to send")
	fl.IntVar(&so.Concurrency, "concurrency", 1, "requests in flight at once")
	fl.DurationVar(&so.Timeout, "timeout", 10*time.Second, "time limit for each request")
	fl.StringSliceVar(&opts.ExpectStatus, "expect-status", nil, "`STATUS`es that count as success, e.g. 401 or 4xx (default 2xx)")
	fl.StringArrayVar(&so.DropHeaders, "drop-header", nil, "captured header `NAME` not to send (repeatable)")
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
	so, src := &o.Send, o.Send.Source
	switch {
	case o.Provider == "":
		return exitcode.Errorf(exitcode.Usage, "webhook replay needs a PROVIDER (one of %s)", strings.Join(webhook.Names(), ", "))
	case so.URL == "":
		return exitcode.Errorf(exitcode.Usage, "webhook replay needs --to URL")
	case src.BodyFile == "" && src.RequestFile == "" && src.Event == "" && src.FromFile == "":
		return exitcode.Errorf(exitcode.Usage, "webhook replay needs one of --body, --request, --event or --from")
	case src.ID != "" && src.FromFile == "":
		return exitcode.Errorf(exitcode.Usage, "--id needs --from")
	case src.APIVersion != "" && src.Event == "":
		return exitcode.Errorf(exitcode.Usage, "--api-version sets the API version of a built-in sample: it needs --event")
	case so.Count < 1 || so.Concurrency < 1:
		return exitcode.Errorf(exitcode.Usage, "--count and --concurrency must be at least 1")
	case so.Timeout <= 0:
		return exitcode.Errorf(exitcode.Usage, "--timeout must be positive")
	}
	var err error
	if so.Expect, err = replay.ParseExpect(o.ExpectStatus); err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	so.Extra, err = webhook.ParseHeaderLines(headers)
	return cmdutil.UsageIfUnset(err)
}

func webhookReplayRun(ctx context.Context, o *WebhookReplayOptions) error {
	if o.ListEvents {
		return listSampleEvents(o)
	}
	scheme, key, err := o.Key.key(o.Provider, webhook.Signing, o.Getenv)
	if err != nil {
		return err
	}
	so := o.Send
	so.Client = o.HTTPClient(so.Concurrency)
	defer so.Client.CloseIdleConnections()
	so.Now = o.Now
	so.Warn = func(w string) { o.IO.Warnf("%s", w) }
	bar := ui.NewProgressBar(o.IO.ErrOut)
	if o.IO.StderrTTY {
		so.Progress = bar.Draw
	}
	summary, err := replay.Send(ctx, scheme, key, so)
	if err != nil {
		return err
	}
	bar.Clear()
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
	fmt.Fprintln(w, st.Mark(r.OK), r.Headline)
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
