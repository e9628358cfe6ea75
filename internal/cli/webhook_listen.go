package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/httplog"
	"github.com/authctl/authctl/internal/replay"
	"github.com/authctl/authctl/internal/ui"
)

// WebhookListenOptions are the flags of `webhook listen`.
type WebhookListenOptions struct {
	IO     *ui.IOStreams
	Global *GlobalOptions
	Now    func() time.Time
	Key    webhookKeyFlags

	Provider    string
	Addr        string
	AllowRemote bool
	ForwardTo   string
	Record      string
	Tolerance   time.Duration
	Timeout     time.Duration

	verify replay.VerifyFunc
	// ready is told the address once the listener accepts connections (tests).
	ready func(addr string)
}

func init() { webhookSubcommands = append(webhookSubcommands, newCmdWebhookListen) }

func newCmdWebhookListen(f *Factory) *cobra.Command {
	return NewCmdWebhookListen(f, nil)
}

// NewCmdWebhookListen builds `webhook listen`; runF replaces the run function in tests.
func NewCmdWebhookListen(f *Factory, runF func(context.Context, *WebhookListenOptions) error) *cobra.Command {
	opts := &WebhookListenOptions{IO: f.IO, Global: f.Global, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "listen PROVIDER [--addr 127.0.0.1:PORT] [--forward-to URL] [--record FILE.jsonl]",
		Short: "Receive webhook deliveries, verify, print, forward and record them",
		Long: `Listen on a loopback address for PROVIDER's webhook deliveries. Each one is
verified and printed as one line on stdout (time, event, size, ✓/✗ and why;
-o json: one object per line). A bad or missing signature gets 401, an empty
body or a missing event header (e.g. X-GitHub-Event) gets 400; neither is ever
forwarded. Verified deliveries are forwarded byte for byte to --forward-to and
the target's answer is returned; without it, authctl answers itself (a Discord
PING gets {"type":1}, a Slack url_verification its challenge). --record appends
every delivery to a JSONL file that 'webhook replay --from' reads. Ctrl-C stops
gracefully and prints a summary on stderr.

The secret is read as for 'webhook verify': --secret-env, --secret-file or
AUTHCTL_WEBHOOK_SECRET (Discord: --public-key or the same sources, hex).`,
		Example: `  authctl webhook listen github --addr 127.0.0.1:8787 --forward-to http://127.0.0.1:3000/webhook
  authctl webhook listen discord --public-key 3b6a27bc… --record deliveries.jsonl`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeWebhookProviders,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = args[0]
			if err := opts.validate(f, cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return webhookListenRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:8787", "loopback `HOST:PORT` to listen on (port 0 picks a free one)")
	fl.BoolVar(&opts.AllowRemote, "allow-remote", false, "allow a non-loopback --addr (anyone who can reach it can send deliveries)")
	fl.StringVar(&opts.ForwardTo, "forward-to", "", "`URL` to pass verified deliveries on to")
	fl.StringVar(&opts.Record, "record", "", "JSONL `FILE` to append every delivery to (mode 0600)")
	fl.DurationVar(&opts.Tolerance, "tolerance", 5*time.Minute, "how far a signed timestamp may be from now; 0 skips the check")
	fl.DurationVar(&opts.Timeout, "timeout", 30*time.Second, "time limit for each forwarded request")
	opts.Key.register(cmd, false)
	return cmd
}

func (o *WebhookListenOptions) validate(f *Factory, cmd *cobra.Command) error {
	if err := checkListenAddr(o.Addr, o.AllowRemote); err != nil {
		return err
	}
	if o.ForwardTo != "" {
		u, err := url.Parse(o.ForwardTo)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return exitcode.Errorf(exitcode.Usage, "--forward-to %q is not an http(s) URL", o.ForwardTo)
		}
	}
	if o.Tolerance < 0 || o.Timeout <= 0 {
		return exitcode.Errorf(exitcode.Usage, "--tolerance must not be negative and --timeout must be positive")
	}
	verify, err := o.Key.verifier(f, cmd, o.Provider, o.Tolerance)
	if err != nil {
		return err
	}
	o.verify = verify
	return nil
}

// checkListenAddr refuses any address but loopback unless forced: a
// listener that forwards verified deliveries is a door into the handler.
func checkListenAddr(addr string, allowRemote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return exitcode.Errorf(exitcode.Usage, "--addr %q: want HOST:PORT, e.g. 127.0.0.1:8787", addr)
	}
	if allowRemote {
		return nil
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return exitcode.Errorf(exitcode.Usage, "--addr %q is not a loopback address; add --allow-remote to listen on it anyway", addr)
}

func webhookListenRun(ctx context.Context, o *WebhookListenOptions) error {
	var rec *replay.Recorder
	if o.Record != "" {
		var err error
		if rec, err = replay.OpenRecorder(o.Record); err != nil {
			return exitcode.New(exitcode.Usage, err)
		}
		defer rec.Close()
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return exitcode.New(exitcode.Usage, fmt.Errorf("listen on %s: %w", o.Addr, err))
	}
	client := replay.NewClient(8)
	defer client.CloseIdleConnections()
	if o.Global.Verbose {
		client.Transport = &httplog.Transport{Base: client.Transport, Out: o.IO.ErrOut}
	}
	var outMu sync.Mutex
	l := replay.NewListener(replay.ListenOptions{
		Provider:   o.Provider,
		Verify:     o.verify,
		ForwardTo:  o.ForwardTo,
		Client:     client,
		Timeout:    o.Timeout,
		Recorder:   rec,
		Now:        o.Now,
		OnDelivery: func(r replay.Record) { outMu.Lock(); defer outMu.Unlock(); printDelivery(o, r) },
	})
	srv := &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	addr := "http://" + ln.Addr().String()
	target := "answering itself"
	if o.ForwardTo != "" {
		target = "forwarding to " + redactedURL(o.ForwardTo)
	}
	o.IO.Infof("Listening for %s webhooks on %s, %s (Ctrl-C to stop)", o.Provider, addr, target)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if o.ready != nil {
		o.ready(ln.Addr().String())
	}
	select {
	case err := <-served:
		return exitcode.New(exitcode.Provider, fmt.Errorf("serve: %w", err))
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	shutdownErr := srv.Shutdown(shutdownCtx)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		shutdownErr = errors.Join(shutdownErr, err)
	}
	s := l.Summary()
	parts := []string{fmt.Sprintf("%d received", s.Received), fmt.Sprintf("%d verified", s.Verified), fmt.Sprintf("%d rejected", s.Rejected)}
	if o.ForwardTo != "" {
		parts = append(parts, fmt.Sprintf("%d forwarded", s.Forwarded), fmt.Sprintf("%d forward failures", s.ForwardFailed))
	}
	if o.Record != "" {
		parts = append(parts, fmt.Sprintf("recorded to %s", o.Record))
		if s.RecordFailed > 0 {
			parts = append(parts, fmt.Sprintf("%d not recorded", s.RecordFailed))
		}
	}
	o.IO.Infof("Stopped: %s", strings.Join(parts, ", "))
	if shutdownErr != nil {
		return exitcode.New(exitcode.Provider, fmt.Errorf("shut down: %w", shutdownErr))
	}
	return ctx.Err() // the root turns Ctrl-C into 130 and SIGTERM into 143
}

// printDelivery writes one line per delivery on stdout: it is data a script
// may follow.
func printDelivery(o *WebhookListenOptions, r replay.Record) {
	if o.Global.JSON() {
		_ = ui.WriteJSON(o.IO.Out, map[string]any{
			"id": r.ID, "time": r.Time, "provider": r.Provider, "event": r.Event, "size": len(r.Body),
			"valid": r.Valid, "reason": r.Reason, "status": r.Status,
		})
		return
	}
	st := ui.NewStyles(o.IO.Out, o.IO.ColorOnStdout())
	mark := st.Success.Render("✓")
	if !r.Valid {
		mark = st.Failure.Render("✗")
	}
	event := r.Event
	if event == "" {
		event = "-"
	}
	fmt.Fprintf(o.IO.Out, "%s  %-24s %8d B  %s %s → %d\n", r.Time.Format(time.RFC3339), event, len(r.Body), mark, r.Reason, r.Status)
}
