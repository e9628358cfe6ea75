package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/ui"
)

func TestSandboxUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"non-loopback addr", []string{"sandbox", "--addr", "0.0.0.0:0"}, "not on loopback"},
		{"public addr", []string{"sandbox", "--addr", "192.0.2.1:8080"}, "not on loopback"},
		{"addr without port", []string{"sandbox", "--addr", "127.0.0.1"}, "--addr"},
		{"missing seed", []string{"sandbox", "--seed", "/nonexistent/seed.yaml"}, "read seed"},
		{"bad fault", []string{"sandbox", "--fault", "/x=status=abc"}, "--fault"},
		{"negative lifetime", []string{"sandbox", "--token-lifetime", "-1s"}, "--token-lifetime"},
		{"extra argument", []string{"sandbox", "extra"}, `unknown command "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, nil, tt.args...)
			if code != exitcode.Usage || stdout != "" || !strings.Contains(stderr, tt.wantErr) || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
				t.Fatalf("code %d stdout %q stderr %q, want 2 and %q", code, stdout, stderr, tt.wantErr)
			}
		})
	}
}

func TestSandboxFlags(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := ui.Test()
	f := &cmdutil.Factory{IO: ios, Global: &cmdutil.GlobalOptions{Output: ui.FormatJSON}}
	var got *SandboxOptions
	cmd := newCmdSandbox(f, func(_ context.Context, o *SandboxOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--addr", "127.0.0.1:8080", "--seed", "s.yaml", "--auto-approve", "--config-out", "c.yaml",
		"--fault", "/a=status=503", "--fault", "/b=drop", "--token-lifetime", "30s"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Addr != "127.0.0.1:8080" || got.SeedPath != "s.yaml" || !got.AutoApprove || got.ConfigOut != "c.yaml" ||
		len(got.Faults) != 2 || got.TokenLifetime != 30*time.Second || !got.JSON {
		t.Fatalf("options %+v", got)
	}
}

// lineSignal is a writer that reports its first complete line.
type lineSignal struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan string
}

func (w *lineSignal) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := bytes.Contains(w.buf.Bytes(), []byte("\n"))
	w.buf.Write(p)
	if line, _, ok := bytes.Cut(w.buf.Bytes(), []byte("\n")); ok && !had {
		w.ready <- string(line)
	}
	return len(p), nil
}

// startSandbox runs sandboxRun until the test ends and returns its first stdout line.
func startSandbox(t testing.TB, opts *SandboxOptions) (firstLine string, stop func() error) {
	out := &lineSignal{ready: make(chan string, 1)}
	ios, _, _, errOut := ui.Test()
	ios.Out = out
	opts.IO = ios
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { done <- sandboxRun(ctx, opts) }()
	select {
	case firstLine = <-out.ready:
	case err := <-done:
		t.Fatalf("sandbox ended before printing its URL: %v (stderr %s)", err, errOut)
	case <-time.After(30 * time.Second):
		t.Fatal("sandbox printed nothing")
	}
	return firstLine, func() error {
		cancel(exitcode.Errorf(exitcode.Interrupted, "interrupted"))
		return <-done
	}
}

// The printed URL answers, and the written config loads with config.Load and points
// every provider at the sandbox.
func TestSandboxRunWritesConfig(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sandbox.yaml")
	url, stop := startSandbox(t, &SandboxOptions{Addr: "127.0.0.1:0", ConfigOut: path, AutoApprove: true, Faults: []string{"/_sandbox/webhooks/x=status=502"}})
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line %q is not the base URL", url)
	}
	resp, err := http.Get(url + "/_sandbox/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Post(url+"/_sandbox/webhooks/x", "text/plain", nil)
	if err != nil || resp.StatusCode != 502 {
		t.Fatalf("--fault not applied: %v %v", resp, err)
	}
	resp.Body.Close()

	cfg, err := config.Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	for _, name := range []string{"discord", "github", "github-app", "slack", "sentry", "oidc"} {
		if _, ok := cfg.Providers[name]; !ok {
			t.Errorf("config lacks provider %s", name)
		}
	}
	d := cfg.Providers["discord"]
	if d.ClientID != sandbox.DiscordClientID || d.Secret(func(string) string { return "" }) != sandbox.DiscordClientSecret ||
		len(d.RedirectPorts) != 1 || d.RedirectPorts[0] != sandbox.DiscordRedirectPort || *d.TokenURL != url+"/api/oauth2/token" || *d.APIURL != url+"/api/v10" {
		t.Fatalf("discord entry %+v", d)
	}
	if cfg.Providers["slack"].RedirectHost != "localhost" || cfg.Providers["oidc"].Issuer != url+"/oidc" || *cfg.Providers["discord"].DeviceURL != "" {
		t.Fatalf("slack/oidc entries %+v %+v", cfg.Providers["slack"], cfg.Providers["oidc"])
	}
	if err := stop(); exitcode.Of(err) != exitcode.Interrupted {
		t.Fatalf("stop: %v, want the interrupt cause (exit 130)", err)
	}
	if _, err := http.Get(url + "/_sandbox/health"); err == nil {
		t.Fatal("sandbox still answers after shutdown")
	}
}

func TestSandboxRunJSON(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.yaml")
	line, stop := startSandbox(t, &SandboxOptions{Addr: "127.0.0.1:0", ConfigOut: path, JSON: true})
	defer stop()
	var got map[string]string
	if err := json.Unmarshal([]byte(line), &got); err != nil || !strings.HasPrefix(got["url"], "http://127.0.0.1:") || got["config"] != path {
		t.Fatalf("JSON line %q: %v", line, err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("config file: %v %v", info, err)
	}
}

func TestSandboxRunBadSeedFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte("apps: [{kind: nope, client_id: x}]"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := sandboxRun(context.Background(), &SandboxOptions{IO: func() *ui.IOStreams { s, _, _, _ := ui.Test(); return s }(), Addr: "127.0.0.1:0", SeedPath: path})
	var coded *exitcode.Error
	if !errors.As(err, &coded) || coded.Code != exitcode.Usage || !strings.Contains(err.Error(), `unknown kind "nope"`) {
		t.Fatalf("bad seed: %v", err)
	}
}

// --print-seed prints a seed that --seed reads back to the built-in world.
func TestSandboxPrintSeed(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, nil, "sandbox", "--print-seed")
	if code != exitcode.OK || stderr != "" {
		t.Fatalf("print-seed: %d %q", code, stderr)
	}
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte(stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	seed, err := sandbox.LoadSeed(path)
	if err != nil {
		t.Fatalf("LoadSeed(printed seed): %v", err)
	}
	if !reflect.DeepEqual(seed, sandbox.DefaultSeed()) {
		t.Fatal("the printed seed does not read back as the built-in one")
	}
}

// BenchmarkSandboxCommandStart measures `authctl sandbox` from the call to
// its URL on stdout, then stops it.
func BenchmarkSandboxCommandStart(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		_, stop := startSandbox(b, &SandboxOptions{Addr: "127.0.0.1:0", ConfigOut: filepath.Join(dir, "c.yaml")})
		_ = stop()
	}
}

// The default config is written into a fresh private directory (a predictable
// shared path let another user plant a symlink or a file of their own), with
// the file store in a state directory of its own, so that a login through it
// never uses the real keyring nor sends a real token to the sandbox; a
// --config-out that is a symlink is refused and its target left alone.
func TestSandboxConfigIsPrivateAndKeepsCredentialsApart(t *testing.T) {
	t.Parallel()
	line, stop := startSandbox(t, &SandboxOptions{Addr: "127.0.0.1:0", JSON: true})
	defer stop()
	var got map[string]string
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("JSON line %q: %v", line, err)
	}
	file, err := os.Lstat(got["config"])
	if err != nil || file.Mode() != 0o600 {
		t.Fatalf("config %s: %v, mode %v; want a regular 0600 file", got["config"], err, file.Mode())
	}
	if dir, err := os.Stat(filepath.Dir(got["config"])); err != nil || dir.Mode().Perm() != 0o700 {
		t.Fatalf("config directory: %v, mode %v; want 0700", err, dir.Mode().Perm())
	}
	cfg, err := config.Load(got["config"], func(string) string { return "" })
	if err != nil || cfg.Store != config.StoreFile || filepath.Dir(cfg.StateDir) != filepath.Dir(got["config"]) {
		t.Fatalf("config store %q state_dir %q (%v); want the file store in the config's private directory", cfg.Store, cfg.StateDir, err)
	}

	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "sandbox.yaml")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	opts := &SandboxOptions{Addr: "127.0.0.1:0", ConfigOut: link, TempDir: t.TempDir()}
	opts.IO, _, _, _ = ui.Test()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sandboxRun(ctx, opts); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "write config") {
		t.Fatalf("--config-out through a symlink: %v (exit %d), want exit 2 refusing to write", err, exitcode.Of(err))
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Fatalf("the symlink's target was overwritten: %q", b)
	}
}

// With -v the sandbox logs one line per request on stderr: method, path and
// status, never the query (issue 15 point 10).
func TestSandboxVerboseLogsRequests(t *testing.T) {
	t.Parallel()
	opts := &SandboxOptions{Addr: "127.0.0.1:0", Verbose: true, TempDir: t.TempDir()}
	url, stop := startSandbox(t, opts)
	resp, err := http.Get(url + "/api/v10/users/@me?secret=hunter2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := stop(); exitcode.Of(err) != exitcode.Interrupted {
		t.Fatalf("stop: %v", err)
	}
	got := opts.IO.ErrOut.(*bytes.Buffer).String()
	if !strings.Contains(got, "sandbox: GET \"/api/v10/users/@me\" → 401") || strings.Contains(got, "hunter2") {
		t.Fatalf("stderr %q: want the request logged without its query", got)
	}
}
