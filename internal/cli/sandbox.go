package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/ui"
)

// SandboxOptions are the flags of `authctl sandbox`.
type SandboxOptions struct {
	IO            *ui.IOStreams
	JSON          bool
	Verbose       bool
	Addr          string
	SeedPath      string
	AutoApprove   bool
	ConfigOut     string
	Faults        []string
	TokenLifetime time.Duration
	PrintSeed     bool
	PrintAppKey   bool
	// TempDir holds the default config and the sandbox's state directory.
	TempDir string
}

func newCmdSandbox(f *cmdutil.Factory, runF func(context.Context, *SandboxOptions) error) *cobra.Command {
	opts := &SandboxOptions{IO: f.IO, TempDir: os.TempDir()}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local stand-in for Discord, GitHub, Slack, Sentry and an OIDC issuer",
		Long: `Run the providers' OAuth and API endpoints on loopback, each at its real paths,
for demos, tests and CI scripts that must not reach a real provider.

The base URL is printed on stdout (first line). A ready-to-use authctl
configuration is written to --config-out, or to a file in the temporary
directory named on stderr. The server runs until Ctrl-C or SIGTERM.`,
		Args: cmdutil.UsageArgs(cobra.NoArgs),
		Example: `  authctl sandbox --config-out sandbox.yaml &
  authctl --config sandbox.yaml login discord
  authctl sandbox --auto-approve --token-lifetime 30s
  authctl sandbox --print-seed > seed.yaml && authctl sandbox --seed seed.yaml
  authctl sandbox --print-app-key > app.pem   # the seeded GitHub App's key, for app token github
  authctl sandbox --fault '/api/v10/users/@me/guilds=status=503,times=2'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON, opts.Verbose = f.Global.JSON(), f.Global.Verbose
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return sandboxRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "loopback address to listen on (port 0: any free port)")
	fl.StringVar(&opts.SeedPath, "seed", "", "YAML seed file: users, apps, guilds, lifetimes, rate limits, faults (default: built-in)")
	fl.BoolVar(&opts.AutoApprove, "auto-approve", false, "skip the consent page: approve every authorization as the default user")
	fl.StringVar(&opts.ConfigOut, "config-out", "", "write the authctl configuration for this sandbox to this file")
	fl.StringArrayVar(&opts.Faults, "fault", nil, "inject a fault: ROUTE=key=value,… (keys latency, status, rate, times, retry_after, rate_limit, drop, malformed_json); repeatable")
	fl.BoolVar(&opts.PrintSeed, "print-seed", false, "print the built-in seed as YAML (a start for --seed files) and exit")
	fl.BoolVar(&opts.PrintAppKey, "print-app-key", false, "print the private key (PEM) of the built-in seed's GitHub App, for app token github --private-key-file, and exit")
	fl.DurationVar(&opts.TokenLifetime, "token-lifetime", 0, "access-token lifetime for every provider (default: each provider's own)")
	return cmd
}

// sandboxRun serves until ctx ends, then shuts down gracefully.
func sandboxRun(ctx context.Context, opts *SandboxOptions) error {
	if opts.PrintAppKey {
		_, err := io.WriteString(opts.IO.Out, sandbox.GitHubAppPrivateKeyPEM)
		return err
	}
	if opts.PrintSeed {
		out, err := sandbox.DefaultSeed().YAML()
		if err != nil {
			return fmt.Errorf("render seed: %w", err)
		}
		_, err = opts.IO.Out.Write(out)
		return err
	}
	if err := sandbox.CheckLoopback(opts.Addr); err != nil {
		return exitcode.Errorf(exitcode.Usage, "--addr: %s", strings.TrimPrefix(err.Error(), "sandbox: "))
	}
	if err := cmdutil.NotNegative("--token-lifetime", opts.TokenLifetime); err != nil {
		return err
	}
	seed := sandbox.DefaultSeed()
	if opts.SeedPath != "" {
		var err error
		if seed, err = sandbox.LoadSeed(opts.SeedPath); err != nil {
			return exitcode.New(exitcode.Usage, err)
		}
	}
	// The request log writes from the server's goroutines: one writer, one line at a time.
	errOut := ui.NewLockedWriter(opts.IO.ErrOut)
	sopts := sandbox.Options{Seed: seed, AutoApprove: opts.AutoApprove}
	if opts.Verbose {
		sopts.RequestLog = errOut // -v: one line per request on stderr
	}
	srv := sandbox.New(sopts)
	for _, spec := range opts.Faults {
		route, fault, err := sandbox.ParseFault(spec)
		if err != nil {
			return exitcode.New(exitcode.Usage, fmt.Errorf("--fault: %w", err))
		}
		srv.SetFault(route, fault)
	}
	srv.SetTokenLifetime(opts.TokenLifetime)
	if err := srv.Start(opts.Addr); err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	defer srv.Close()

	configPath, err := srv.WriteConfig(opts.TempDir, opts.ConfigOut)
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	if opts.JSON {
		if err := ui.WriteJSON(opts.IO.Out, map[string]string{"url": srv.URL(), "config": configPath}); err != nil {
			return err
		}
	} else if _, err := fmt.Fprintln(opts.IO.Out, srv.URL()); err != nil {
		return err
	}
	fmt.Fprintf(errOut, "Sandbox listening on %s\nConfig for authctl: %s\n  authctl --config %s login discord\nPress Ctrl-C to stop.\n",
		srv.URL(), configPath, configPath)

	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(errOut, "sandbox: shutdown: %v\n", err)
	}
	return context.Cause(ctx)
}
