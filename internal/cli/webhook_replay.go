package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/httplog"
	"github.com/authctl/authctl/internal/replay"
	"github.com/authctl/authctl/internal/ui"
	"github.com/authctl/authctl/internal/webhook"
)

// WebhookReplayOptions are the flags of `webhook replay`.
type WebhookReplayOptions struct {
	IO     *ui.IOStreams
	Global *GlobalOptions
	Now    func() time.Time
	Key    webhookKeyFlags

	Provider     string
	To           string
	BodyFile     string
	RequestFile  string
	Event        string
	FromFile     string
	ID           string
	ListEvents   bool
	Count        int
	Concurrency  int
	Timeout      time.Duration
	ExpectStatus []string
	DropHeaders  []string
	Headers      []string

	extra  http.Header
	expect replay.StatusMatcher

	sign replay.SignFunc
}

func init() { webhookSubcommands = append(webhookSubcommands, newCmdWebhookReplay) }

func newCmdWebhookReplay(f *Factory) *cobra.Command {
	return NewCmdWebhookReplay(f, nil)
}

// NewCmdWebhookReplay builds `webhook replay`; runF replaces the run function in tests.
func NewCmdWebhookReplay(f *Factory, runF func(context.Context, *WebhookReplayOptions) error) *cobra.Command {
	opts := &WebhookReplayOptions{IO: f.IO, Global: f.Global, Now: f.Now}
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
percentiles and failures goes to stderr (-o json: one object on stdout).
Exit 0 when every response is 2xx (or matches --expect-status), 1 when any is
not, 4 when any request got no answer (refused, timed out).`,
		Example: `  authctl webhook replay github --event push --to http://127.0.0.1:3000/webhook
  authctl webhook replay stripe --request captured.http --to http://127.0.0.1:4242/hook
  authctl webhook replay github --from deliveries.jsonl --to http://127.0.0.1:3000/webhook
  authctl webhook replay slack --event slash_command --count 5000 --concurrency 32 --to http://127.0.0.1:3000/slack
  authctl webhook replay --list-events`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeWebhookProviders,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Provider = args[0]
			}
			if err := opts.validate(f, cmd); err != nil {
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
	fl.StringVar(&opts.BodyFile, "body", "", "the body from `FILE`, sent byte for byte (- for stdin)")
	fl.StringVar(&opts.RequestFile, "request", "", "a captured raw HTTP/1.1 request from `FILE` (- for stdin)")
	fl.StringVar(&opts.Event, "event", "", "built-in sample event `NAME` to send (see --list-events)")
	fl.StringVar(&opts.FromFile, "from", "", "deliveries from a JSONL `FILE` written by 'webhook listen --record'")
	fl.StringVar(&opts.ID, "id", "", "with --from: the `ID` of the one delivery to send (default: all)")
	fl.BoolVar(&opts.ListEvents, "list-events", false, "list the built-in sample events and exit")
	fl.IntVar(&opts.Count, "count", 1, "copies of each delivery to send")
	fl.IntVar(&opts.Concurrency, "concurrency", 1, "requests in flight at once")
	fl.DurationVar(&opts.Timeout, "timeout", 10*time.Second, "time limit for each request")
	fl.StringSliceVar(&opts.ExpectStatus, "expect-status", nil, "`STATUS`es that count as success, e.g. 401 or 4xx (default 2xx)")
	fl.StringArrayVar(&opts.DropHeaders, "drop-header", nil, "captured header `NAME` not to send (repeatable)")
	fl.StringArrayVarP(&opts.Headers, "header", "H", nil, "header to add, 'Name: value' (repeatable), e.g. -H 'X-GitHub-Event: push'")
	opts.Key.register(cmd, true)
	cmd.MarkFlagsMutuallyExclusive("body", "request", "event", "from")
	_ = cmd.RegisterFlagCompletionFunc("event", completeReplayEvents)
	return cmd
}

func (o *WebhookReplayOptions) validate(f *Factory, cmd *cobra.Command) error {
	if o.ListEvents {
		if o.Provider != "" && len(replay.Samples(o.Provider)) == 0 {
			return exitcode.Errorf(exitcode.Usage, "no built-in events for %q (providers: %s)", o.Provider, strings.Join(sampleProviders(), ", "))
		}
		return nil
	}
	if o.Provider == "" {
		return exitcode.Errorf(exitcode.Usage, "webhook replay needs a PROVIDER (one of %s)", strings.Join(webhook.Names(), ", "))
	}
	if o.To == "" {
		return exitcode.Errorf(exitcode.Usage, "webhook replay needs --to URL")
	}
	if o.BodyFile == "" && o.RequestFile == "" && o.Event == "" && o.FromFile == "" {
		return exitcode.Errorf(exitcode.Usage, "webhook replay needs one of --body, --request, --event or --from")
	}
	if o.ID != "" && o.FromFile == "" {
		return exitcode.Errorf(exitcode.Usage, "--id needs --from")
	}
	if o.Count < 1 || o.Concurrency < 1 {
		return exitcode.Errorf(exitcode.Usage, "--count and --concurrency must be at least 1")
	}
	if o.Timeout <= 0 {
		return exitcode.Errorf(exitcode.Usage, "--timeout must be positive")
	}
	expect, err := replay.ParseExpect(o.ExpectStatus)
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	o.expect = expect
	o.extra = http.Header{}
	for _, h := range o.Headers {
		name, value, err := webhook.ParseHeaderLine(h)
		if err != nil {
			return exitcode.Errorf(exitcode.Usage, "-H %q: %w", h, err)
		}
		o.extra.Add(name, value)
	}
	sign, err := o.Key.signer(f, cmd, o.Provider)
	if err != nil {
		return err
	}
	o.sign = sign
	return nil
}

func webhookReplayRun(ctx context.Context, o *WebhookReplayOptions) error {
	if o.ListEvents {
		return listSampleEvents(o)
	}
	deliveries, err := o.deliveries()
	if err != nil {
		return err
	}
	for i := range deliveries {
		deliveries[i].Header = deliveries[i].Template(staleSignatureHeaders[o.Provider])
		for k, v := range o.extra {
			deliveries[i].Header[k] = v
		}
	}
	bo := replay.BurstOptions{
		URL:         o.To,
		Deliveries:  deliveries,
		DropHeaders: o.DropHeaders,
		Sign:        o.sign,
		Count:       o.Count,
		Concurrency: o.Concurrency,
		Timeout:     o.Timeout,
		Expect:      o.expect,
		Now:         o.Now,
	}
	client := replay.NewClient(o.Concurrency)
	defer client.CloseIdleConnections()
	if o.Global.Verbose {
		client.Transport = &httplog.Transport{Base: client.Transport, Out: o.IO.ErrOut}
	}
	bo.Client = client
	total := o.Count * len(deliveries)
	if o.IO.StderrTTY && total > 1 {
		bo.Progress = progressBar(o.IO.ErrOut)
	}
	summary, err := replay.Burst(ctx, bo)
	if bo.Progress != nil {
		fmt.Fprint(o.IO.ErrOut, "\r\033[K")
	}
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	target := redactedURL(o.To)
	summary.URL = target
	if o.Global.JSON() {
		if err := ui.WriteJSON(o.IO.Out, summary); err != nil {
			return err
		}
	}
	printReplaySummary(o.IO, summary, total)
	switch {
	case summary.Interrupted:
		return ctx.Err()
	case summary.Unreachable > 0:
		return exitcode.Errorf(exitcode.Provider, "%d of %d requests got no answer from %s", summary.Unreachable, summary.Sent, target)
	case summary.Failed > 0:
		return exitcode.Errorf(exitcode.No, "%d of %d responses were not %s", summary.Failed, summary.Sent, expectText(o.ExpectStatus))
	}
	return nil
}

// staleSignatureHeaders are captured signature headers that the fresh
// signature does not overwrite; kept, they would carry the old signature.
var staleSignatureHeaders = map[string][]string{
	"github":   {"X-Hub-Signature"},
	"sentry":   {"Sentry-App-Signature"},
	"standard": {"Svix-Id", "Svix-Timestamp", "Svix-Signature"},
}

// redactedURL hides secret query values (a handler's ?token=…) in what is printed.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable URL]"
	}
	return httplog.RedactURL(u)
}

func expectText(specs []string) string {
	if len(specs) == 0 {
		return "2xx"
	}
	return strings.Join(specs, " or ")
}

// deliveries reads the body source the user chose.
func (o *WebhookReplayOptions) deliveries() ([]replay.Delivery, error) {
	switch {
	case o.Event != "":
		s, err := replay.LookupSample(o.Provider, o.Event)
		if err != nil {
			return nil, exitcode.New(exitcode.Usage, fmt.Errorf("%w; see --list-events", err))
		}
		return []replay.Delivery{s.Delivery()}, nil
	case o.BodyFile != "":
		body, err := readBodyArg(o.IO.In, o.BodyFile)
		if err != nil {
			return nil, err
		}
		h := http.Header{"Content-Type": {sniffContentType(body)}}
		return []replay.Delivery{{Header: h, Body: body}}, nil
	case o.RequestFile != "":
		var in io.Reader = o.IO.In
		if o.RequestFile != "-" {
			file, err := os.Open(o.RequestFile)
			if err != nil {
				return nil, exitcode.New(exitcode.Usage, fmt.Errorf("read --request: %w", err))
			}
			defer file.Close()
			in = file
		}
		req, err := webhook.ReadRequest(in)
		if err != nil {
			return nil, exitcode.Errorf(exitcode.Usage, "read request %s: %w", o.RequestFile, err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, exitcode.Errorf(exitcode.Usage, "read request %s: %w", o.RequestFile, err)
		}
		return []replay.Delivery{{Header: req.Header, Body: body}}, nil
	default:
		f, err := os.Open(o.FromFile)
		if err != nil {
			return nil, exitcode.New(exitcode.Usage, fmt.Errorf("read --from: %w", err))
		}
		defer f.Close()
		recs, err := replay.ReadRecords(f)
		if err != nil {
			return nil, exitcode.New(exitcode.Usage, fmt.Errorf("%s: %w", o.FromFile, err))
		}
		if len(recs) == 0 {
			return nil, exitcode.Errorf(exitcode.Usage, "%s holds no deliveries", o.FromFile)
		}
		for _, r := range recs {
			if r.Provider != "" && r.Provider != o.Provider {
				return nil, exitcode.Errorf(exitcode.Usage, "delivery %s in %s was recorded for %s, not %s", r.ID, o.FromFile, r.Provider, o.Provider)
			}
		}
		if o.ID != "" {
			r, err := replay.SelectRecord(recs, o.ID)
			if err != nil {
				return nil, exitcode.New(exitcode.Usage, fmt.Errorf("%s: %w", o.FromFile, err))
			}
			if !r.Valid {
				o.IO.Warnf("delivery %s was rejected by listen (%s); sending it signed afresh, as --id asks", r.ID, r.Reason)
			}
			return []replay.Delivery{r.Delivery()}, nil
		}
		// A delivery listen rejected (forged, unsigned, not a POST) is never signed afresh unless
		// --id asks for it: re-signing would turn a forgery into a valid delivery.
		out := make([]replay.Delivery, 0, len(recs))
		for _, r := range recs {
			if r.Valid {
				out = append(out, r.Delivery())
			}
		}
		if skipped := len(recs) - len(out); skipped == len(recs) {
			return nil, exitcode.Errorf(exitcode.Usage, "%s holds no verified deliveries: listen rejected all %d (replay one with --id)", o.FromFile, skipped)
		} else if skipped > 0 {
			o.IO.Warnf("skipping %d of %d deliveries in %s that listen rejected (replay one with --id)", skipped, len(recs), o.FromFile)
		}
		return out, nil
	}
}

func readBodyArg(stdin io.Reader, name string) ([]byte, error) {
	var (
		body []byte
		err  error
	)
	if name == "-" {
		body, err = io.ReadAll(stdin)
	} else {
		body, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, fmt.Errorf("read --body: %w", err))
	}
	return body, nil
}

func listSampleEvents(o *WebhookReplayOptions) error {
	list := replay.Samples(o.Provider)
	if o.Global.JSON() {
		type event struct {
			Provider    string `json:"provider"`
			Name        string `json:"name"`
			Description string `json:"description"`
		}
		events := make([]event, 0, len(list))
		for _, s := range list {
			events = append(events, event{s.Provider, s.Name, s.Description})
		}
		return ui.WriteJSON(o.IO.Out, map[string]any{"events": events})
	}
	tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Provider, s.Name, s.Description)
	}
	return tw.Flush()
}

func sampleProviders() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range replay.Samples("") {
		if !seen[s.Provider] {
			seen[s.Provider] = true
			out = append(out, s.Provider)
		}
	}
	return out
}

func printReplaySummary(ios *ui.IOStreams, s *replay.Summary, total int) {
	st := ios.ErrStyles()
	w := ios.ErrOut
	codes := make([]string, 0, len(s.Statuses))
	for c := range s.Statuses {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%s×%d", c, s.Statuses[c]))
	}
	for _, class := range []string{replay.ClassRefused, replay.ClassTimeout, replay.ClassRedirect, replay.ClassError} {
		if n := s.Errors[class]; n > 0 && class != replay.ClassRedirect {
			parts = append(parts, fmt.Sprintf("%s×%d", class, n))
		}
	}
	verdict := st.Success.Render("✓")
	if s.Failed > 0 {
		verdict = st.Failure.Render("✗")
	}
	fmt.Fprintf(w, "%s sent %d of %d to %s in %.0fms (%.0f req/s): %d ok, %d failed\n", verdict, s.Sent, total, s.URL, s.ElapsedMs, s.RPS, s.OK, s.Failed)
	if len(parts) > 0 {
		fmt.Fprintf(w, "  status   %s\n", strings.Join(parts, "  "))
	}
	if s.Sent > s.Unreachable {
		fmt.Fprintf(w, "  latency  p50 %.1fms  p95 %.1fms  p99 %.1fms  max %.1fms\n", s.P50ms, s.P95ms, s.P99ms, s.MaxMs)
	}
	for _, fl := range s.Failures {
		line := fmt.Sprintf("  #%d %s", fl.Index+1, fl.Class)
		if fl.Status != 0 {
			line += fmt.Sprintf(" (%d)", fl.Status)
		}
		if fl.Error != "" {
			line += ": " + fl.Error
		}
		fmt.Fprintln(w, st.Faint.Render(line))
	}
	if s.Failed > len(s.Failures) {
		fmt.Fprintln(w, st.Faint.Render(fmt.Sprintf("  … and %d more failures", s.Failed-len(s.Failures))))
	}
	if s.Interrupted {
		fmt.Fprintln(w, st.Warning.Render("  interrupted before every request was sent"))
	}
}

// sniffContentType guesses a --body file's type: the JSON most providers
// send, else a form as Slack slash commands send.
func sniffContentType(body []byte) string {
	if t := bytes.TrimSpace(body); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return "application/json"
	}
	return "application/x-www-form-urlencoded"
}

// progressBar draws the burst's progress on a terminal, in place.
func progressBar(w io.Writer) func(done, total int) {
	const width = 30
	return func(done, total int) {
		filled := done * width / total
		fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
	}
}
