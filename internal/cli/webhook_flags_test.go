package cli

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/replay"
	"github.com/authctl/authctl/internal/ui"
)

// captureFactory is a factory for flag-parsing tests: nothing runs.
func captureFactory() *cmdutil.Factory {
	ios, _, _, _ := ui.Test()
	return &cmdutil.Factory{IO: ios, Global: &cmdutil.GlobalOptions{Output: ui.FormatJSON}, Getenv: func(string) string { return "" }, Now: time.Now}
}

func executeFlags(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.ExecuteContext(context.Background())
}

func TestWebhookSignFlags(t *testing.T) {
	t.Parallel()
	var got *WebhookSignOptions
	cmd := newCmdWebhookSign(captureFactory(), func(_ context.Context, o *WebhookSignOptions) error { got = o; return nil })
	if err := executeFlags(t, cmd, "discord", "--body", "-", "--private-key-file", "k.pem", "--timestamp", "1700000000", "--id", "x1"); err != nil {
		t.Fatal(err)
	}
	if got.Provider != "discord" || got.BodyPath != "-" || got.Key.PrivateKeyFile != "k.pem" || got.Timestamp == nil || *got.Timestamp != 1700000000 || got.ID != "x1" || !got.JSON {
		t.Fatalf("options %+v", got)
	}
	cmd = newCmdWebhookSign(captureFactory(), func(_ context.Context, o *WebhookSignOptions) error { got = o; return nil })
	if err := executeFlags(t, cmd, "github", "--body", "-"); err != nil || got.Timestamp != nil {
		t.Fatalf("without --timestamp: %v, %+v", err, got)
	}
	cmd = newCmdWebhookSign(captureFactory(), func(context.Context, *WebhookSignOptions) error { t.Error("ran"); return nil })
	if err := executeFlags(t, cmd, "github", "--timestamp", "-5"); err == nil {
		t.Error("negative --timestamp accepted")
	}
}

func TestWebhookKeygenFlags(t *testing.T) {
	t.Parallel()
	var got *WebhookKeygenOptions
	cmd := newCmdWebhookKeygen(captureFactory(), func(_ context.Context, o *WebhookKeygenOptions) error { got = o; return nil })
	if err := executeFlags(t, cmd, "discord", "--out", "k.pem", "--force"); err != nil {
		t.Fatal(err)
	}
	if got.Provider != "discord" || got.Out != "k.pem" || !got.Force {
		t.Fatalf("options %+v", got)
	}
}

func TestWebhookReplayFlags(t *testing.T) {
	t.Parallel()
	var got *WebhookReplayOptions
	cmd := newCmdWebhookReplay(captureFactory(), func(_ context.Context, o *WebhookReplayOptions) error { got = o; return nil })
	err := executeFlags(t, cmd, "github", "--to", "http://127.0.0.1:1/h", "--from", "r.jsonl", "--id", "abc", "--count", "3", "--concurrency", "2",
		"--timeout", "2s", "--expect-status", "4xx,202", "--drop-header", "X-A", "-H", "x-b: 1", "--secret-env", "S")
	if err != nil {
		t.Fatal(err)
	}
	so := got.Send
	want := replay.Source{FromFile: "r.jsonl", ID: "abc", Stdin: so.Source.Stdin}
	if got.Provider != "github" || so.URL != "http://127.0.0.1:1/h" || !reflect.DeepEqual(so.Source, want) || so.Count != 3 || so.Concurrency != 2 ||
		so.Timeout != 2*time.Second || !reflect.DeepEqual(got.ExpectStatus, []string{"4xx", "202"}) || !reflect.DeepEqual(so.DropHeaders, []string{"X-A"}) ||
		!reflect.DeepEqual(so.Extra, http.Header{"X-B": {"1"}}) || got.Key.SecretEnv != "S" || got.HTTPClient == nil || so.Source.Stdin == nil ||
		so.Expect == nil || !so.Expect(401) || so.Expect(200) {
		t.Fatalf("options %+v", got)
	}
}

func TestWebhookListenFlags(t *testing.T) {
	t.Parallel()
	var got *WebhookListenOptions
	cmd := newCmdWebhookListen(captureFactory(), func(_ context.Context, o *WebhookListenOptions) error { got = o; return nil })
	err := executeFlags(t, cmd, "discord", "--addr", "127.0.0.1:0", "--forward-to", "http://127.0.0.1:9/x", "--record", "r.jsonl",
		"--tolerance", "1m", "--timeout", "3s", "--public-key", "ab")
	if err != nil {
		t.Fatal(err)
	}
	so := got.Serve
	if got.Provider != "discord" || so.Addr != "127.0.0.1:0" || so.ForwardTo != "http://127.0.0.1:9/x" || so.Record != "r.jsonl" || so.MaxBody != replay.DefaultMaxBody ||
		so.Tolerance != time.Minute || so.Timeout != 3*time.Second || got.Key.PublicKey != "ab" || got.HTTPClient == nil || !got.JSON {
		t.Fatalf("options %+v", got)
	}
}

// TestKeygenPublicKeyOf: the public key printed again from the key file is
// the one keygen printed when it wrote it.
func TestKeygenPublicKeyOf(t *testing.T) {
	t.Parallel()
	key := filepath.Join(t.TempDir(), "k.pem")
	code, written, stderr := runCLI(t, nil, "webhook", "keygen", "discord", "--out", key)
	if code != 0 {
		t.Fatalf("keygen: exit %d: %s", code, stderr)
	}
	code, again, stderr := runCLI(t, nil, "webhook", "keygen", "discord", "--public-key-of", key)
	if code != 0 || again != written || len(strings.TrimSpace(again)) != 64 {
		t.Fatalf("--public-key-of: exit %d, %q, want %q (%s)", code, again, written, stderr)
	}
	if code, _, stderr := runCLI(t, nil, "webhook", "keygen", "discord", "--public-key-of", key, "--out", key); code != 2 {
		t.Errorf("--public-key-of with --out: exit %d (%s), want 2", code, stderr)
	}
}

// TestWebhookUsageErrorsAreTyped: argument counts and flags that exclude each
// other are usage errors where they are found, so nothing needs to recognise
// cobra's wording.
func TestWebhookUsageErrorsAreTyped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cmd  func(*cmdutil.Factory) *cobra.Command
		args []string
	}{
		{"verify without provider", func(f *cmdutil.Factory) *cobra.Command { return newCmdWebhookVerify(f, nil) }, nil},
		{"verify --body and --request", func(f *cmdutil.Factory) *cobra.Command { return newCmdWebhookVerify(f, nil) }, []string{"github", "--body", "a", "--request", "b"}},
		{"verify two secret sources", func(f *cmdutil.Factory) *cobra.Command { return newCmdWebhookVerify(f, nil) }, []string{"github", "--secret-env", "A", "--secret-file", "b"}},
		{"sign two arguments", func(f *cmdutil.Factory) *cobra.Command { return newCmdWebhookSign(f, nil) }, []string{"github", "slack"}},
		{"sign key file and secret", func(f *cmdutil.Factory) *cobra.Command { return newCmdWebhookSign(f, nil) }, []string{"discord", "--private-key-file", "k", "--secret-env", "A"}},
		{"keygen --public-key-of and --out", func(f *cmdutil.Factory) *cobra.Command { return newCmdWebhookKeygen(f, nil) }, []string{"discord", "--public-key-of", "k", "--out", "o"}},
		{"replay two sources", func(f *cmdutil.Factory) *cobra.Command { return newCmdWebhookReplay(f, nil) }, []string{"github", "--event", "ping", "--body", "b"}},
		{"listen public key and secret", func(f *cmdutil.Factory) *cobra.Command { return newCmdWebhookListen(f, nil) }, []string{"discord", "--public-key", "ab", "--secret-file", "s"}},
	}
	for _, tt := range tests {
		err := executeFlags(t, tt.cmd(captureFactory()), tt.args...)
		var coded *exitcode.Error
		if !errors.As(err, &coded) || coded.Code != exitcode.Usage {
			t.Errorf("%s: %v (%T), want a typed usage error", tt.name, err, err)
		}
	}
}
