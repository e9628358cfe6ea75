package cli

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/authctl/authctl/internal/httplog"
	"github.com/authctl/authctl/internal/replay"
	"github.com/authctl/authctl/internal/ui"
	"github.com/authctl/authctl/internal/webhook"
)

// printReplaySummary tells people what a burst did: one headline, status
// counts, latency, and each kind of failure once with its count.
func printReplaySummary(ios *ui.IOStreams, s *replay.Summary, total int) {
	st := ios.ErrStyles()
	w := ios.ErrOut
	verdict := st.Success.Render("✓")
	if s.Failed > 0 {
		verdict = st.Failure.Render("✗")
	}
	headline := fmt.Sprintf("%s sent %d of %d to %s in %.0fms (%.0f req/s): %d ok, %d failed", verdict, s.Sent, total, s.URL, s.ElapsedMs, s.RPS, s.OK, s.Failed)
	if s.Cancelled > 0 {
		headline += fmt.Sprintf(", %d cut off in flight", s.Cancelled)
	}
	fmt.Fprintln(w, headline)
	if parts := statusCounts(s); len(parts) > 0 {
		fmt.Fprintf(w, "  status   %s\n", strings.Join(parts, "  "))
	}
	switch answered := s.Sent - s.Unreachable; {
	case answered == 1:
		fmt.Fprintf(w, "  latency  %.1fms\n", s.MaxMs)
	case answered > 1:
		fmt.Fprintf(w, "  latency  p50 %.1fms  p95 %.1fms  p99 %.1fms  max %.1fms\n", s.P50ms, s.P95ms, s.P99ms, s.MaxMs)
	}
	listed := 0
	for _, fl := range s.Failures {
		listed += fl.Count
		fmt.Fprintln(w, st.Faint.Render(replayFailureLine(fl)))
	}
	if s.Failed > listed {
		fmt.Fprintln(w, st.Faint.Render(fmt.Sprintf("  … and %d more failures of other kinds", s.Failed-listed)))
	}
	if s.StoppedUnreachable {
		fmt.Fprintln(w, st.Warning.Render(fmt.Sprintf("  stopped: nothing listens at %s; %d not sent", s.URL, total-s.Sent)))
	}
}

func statusCounts(s *replay.Summary) []string {
	codes := make([]string, 0, len(s.Statuses))
	for c := range s.Statuses {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%s×%d", c, s.Statuses[c]))
	}
	for _, class := range []string{replay.ClassRefused, replay.ClassTimeout, replay.ClassError} {
		if n := s.Errors[class]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s×%d", class, n))
		}
	}
	return parts
}

// replayFailureLine is one kind of failure: the first request, class, status,
// count, error, and the start of the answer the handler gave.
func replayFailureLine(fl replay.Failure) string {
	line := fmt.Sprintf("  #%d %s", fl.Index+1, fl.Class)
	if fl.Status != 0 {
		line += fmt.Sprintf(" (%d)", fl.Status)
	}
	if fl.Count > 1 {
		line += fmt.Sprintf(" ×%d", fl.Count)
	}
	if fl.Error != "" {
		line += ": " + ui.Sanitize(fl.Error)
	}
	if fl.Body != "" {
		line += " — " + ui.Sanitize(fl.Body) // the handler's words, escaped
	}
	return line
}

func listSampleEvents(o *WebhookReplayOptions) error {
	list := webhook.Samples(o.Provider)
	if o.JSON {
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
