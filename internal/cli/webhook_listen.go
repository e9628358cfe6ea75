package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/loopback"
	"github.com/authctl/authctl/internal/replay"
	"github.com/authctl/authctl/internal/ui"
	"github.com/authctl/authctl/internal/webhook"
)

// WebhookListenOptions are the inputs of `webhook listen`.
type WebhookListenOptions struct {
	webhookEnv
	Key webhookKeyFlags

	Provider string
	// Serve holds what the flags choose; the run adds the client, the clock and the output.
	Serve replay.ServeOptions

	// ready is told the address once the listener accepts connections (tests).
	ready func(addr string)
}

func newCmdWebhookListen(f *cmdutil.Factory, runF func(context.Context, *WebhookListenOptions) error) *cobra.Command {
	opts := &WebhookListenOptions{}
	cmd := &cobra.Command{
		Use:   "listen PROVIDER [--addr 127.0.0.1:PORT] [--forward-to URL] [--record FILE.jsonl]",
		Short: "Receive webhook deliveries, verify, print, forward and record them",
		Long: `Listen on a loopback address for PROVIDER's webhook deliveries. Each one is
verified and printed as one line on stdout (time, event, size, ✓/✗ and why;
-o json: one object per line). A bad or missing signature gets 401, an empty
body or a missing event header (e.g. X-GitHub-Event) gets 400, a body over
--max-body 413; none is ever forwarded. A delivery whose id (or, for schemes
without one, signature) was already received within --tolerance gets 409,
unless --allow-duplicates. At most 16 deliveries are handled at once; more get
503. Verified deliveries are forwarded byte for byte to --forward-to and the
target's answer is returned; without it, authctl answers itself (a Discord PING
gets {"type":1}, a Slack url_verification its challenge). --record appends
every delivery to a JSONL file that 'webhook replay --from' reads; a rejected
one is recorded without its body. Ctrl-C stops gracefully and prints a summary
on stderr.

The secret is read as for 'webhook verify': --secret-env, --secret-file or
AUTHCTL_WEBHOOK_SECRET (Discord: --public-key, or hex from --secret-env or
--secret-file).`,
		Example: `  authctl webhook listen github --addr 127.0.0.1:8787 --forward-to http://127.0.0.1:3000/webhook
  authctl webhook listen discord --public-key 3b6a27bc… --record deliveries.jsonl`,
		Args:              cmdutil.UsageArgs(cobra.ExactArgs(1)),
		ValidArgsFunction: completeWebhookProviders,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.webhookEnv = newWebhookEnv(f)
			opts.Provider = args[0]
			if err := opts.Key.parsed(cmd); err != nil {
				return err
			}
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return webhookListenRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	so := &opts.Serve
	fl.StringVar(&so.Addr, "addr", "127.0.0.1:8787", "loopback `HOST:PORT` to listen on (port 0 picks a free one)")
	fl.BoolVar(&so.AllowRemote, "allow-remote", false, "allow a non-loopback --addr (anyone who can reach it can send deliveries)")
	fl.StringVar(&so.ForwardTo, "forward-to", "", "`URL` to pass verified deliveries on to")
	fl.StringVar(&so.Record, "record", "", "JSONL `FILE` to append every delivery to (mode 0600)")
	fl.DurationVar(&so.Tolerance, "tolerance", 5*time.Minute, "how far a signed timestamp may be from now; 0 skips the check")
	fl.DurationVar(&so.Timeout, "timeout", 30*time.Second, "time limit for each forwarded request")
	so.MaxBody = replay.DefaultMaxBody
	fl.Var((*ui.ByteSize)(&so.MaxBody), "max-body", "largest body accepted, e.g. 512KiB or 4MiB; larger ones get 413 unread")
	fl.BoolVar(&so.AllowDuplicates, "allow-duplicates", false, "accept a delivery whose id (or signature) was already received within --tolerance, to test redelivery")
	opts.Key.register(cmd, webhook.Verifying)
	return cmd
}

// validate checks the flags that need no key; the key is checked when the run starts.
func (o *WebhookListenOptions) validate() error {
	so := o.Serve
	// A listener that forwards verified deliveries is a door into the handler.
	isLoopback, err := loopback.IsLoopbackName(so.Addr)
	switch {
	case err != nil:
		return exitcode.Errorf(exitcode.Usage, "--addr %q: %w", so.Addr, err)
	case !isLoopback && !so.AllowRemote:
		return exitcode.Errorf(exitcode.Usage, "--addr %q is not a loopback address; add --allow-remote to listen on it anyway", so.Addr)
	case so.ForwardTo != "" && !replay.IsHTTPURL(so.ForwardTo):
		return exitcode.Errorf(exitcode.Usage, "--forward-to %q is not an http(s) URL", so.ForwardTo)
	}
	if so.Tolerance < 0 || so.Timeout <= 0 {
		return exitcode.Errorf(exitcode.Usage, "--tolerance must not be negative and --timeout must be positive")
	}
	return nil
}

func webhookListenRun(ctx context.Context, o *WebhookListenOptions) error {
	scheme, key, err := o.Key.key(o.Provider, webhook.Verifying, o.Getenv)
	if err != nil {
		return err
	}
	so := o.Serve
	so.Client = o.HTTPClient(8)
	defer so.Client.CloseIdleConnections()
	so.Now = o.Now
	so.OnDelivery = func(r replay.Record) { printDelivery(o, r) }
	srv, err := replay.Bind(scheme, key, so)
	if err != nil {
		return err
	}
	o.IO.Infof("Listening for %s webhooks on http://%s, %s (Ctrl-C to stop)", o.Provider, srv.Addr(), srv.Target())
	if o.ready != nil {
		o.ready(srv.Addr().String())
	}
	serveErr := srv.Run(ctx)
	o.IO.Infof("Stopped: %s", srv.Report())
	if serveErr != nil {
		return serveErr
	}
	return ctx.Err() // the root turns Ctrl-C into 130 and SIGTERM into 143
}

// printDelivery writes one line per delivery on stdout: it is data a script
// may follow, so what the sender chose (event, reason) is sanitized.
func printDelivery(o *WebhookListenOptions, r replay.Record) {
	event, reason := ui.Sanitize(r.Event), ui.Sanitize(r.Reason)
	if o.JSON {
		_ = ui.WriteJSON(o.IO.Out, map[string]any{
			"id": r.ID, "time": r.Time, "provider": r.Provider, "event": event, "size": r.Size,
			"valid": r.Valid, "reason": reason, "status": r.Status,
		})
		return
	}
	mark := ui.NewStyles(o.IO.Out, o.IO.ColorOnStdout()).Mark(r.Valid)
	fmt.Fprintf(o.IO.Out, "%s  %-24s %8d B  %s %s → %d\n", r.Time.Format(time.RFC3339), ui.OrDash(event), r.Size, mark, reason, r.Status)
}
