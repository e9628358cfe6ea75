package cli

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/webhook"
)

// webhookSubcommands lets other files (replay, listen) add to `authctl webhook`
// from their own init.
var webhookSubcommands []func(*Factory) *cobra.Command

func newCmdWebhook(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Verify, sign and test signed webhook deliveries",
		Long: `Verify and sign webhook deliveries offline for GitHub, Slack, Discord, Sentry,
Stripe, Standard Webhooks (Svix) and Shopify.`,
	}
	cmd.AddCommand(newCmdWebhookVerify(f, nil), newCmdWebhookSign(f, nil), newCmdWebhookKeygen(f, nil))
	for _, add := range webhookSubcommands {
		cmd.AddCommand(add(f))
	}
	return cmd
}

// webhookScheme resolves the PROVIDER argument.
func webhookScheme(name string) (webhook.Scheme, error) {
	s, ok := webhook.Lookup(name)
	if !ok {
		return nil, exitcode.Errorf(exitcode.Usage, "unknown webhook provider %q (one of %s)", name, strings.Join(webhook.Names(), ", "))
	}
	return s, nil
}

// secretFlags are the ways to give a webhook secret; none of them puts it on argv.
type secretFlags struct {
	Env, File string
	onArgv    string // the hidden --secret, refused
}

func (s *secretFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&s.Env, "secret-env", "", "read the secret from environment variable `VAR` (default AUTHCTL_WEBHOOK_SECRET)")
	fl.StringVar(&s.File, "secret-file", "", "read the secret from `FILE` (a trailing newline is trimmed)")
	fl.StringVar(&s.onArgv, "secret", "", "refused: a secret on the command line leaks into shell history and ps")
	_ = fl.MarkHidden("secret")
	cmd.MarkFlagsMutuallyExclusive("secret-env", "secret-file")
}

// errSecretOnArgv is the answer to --secret.
var errSecretOnArgv = exitcode.Errorf(exitcode.Usage, "--secret is refused: a secret on the command line leaks into shell history and process lists; use --secret-env VAR, --secret-file FILE or AUTHCTL_WEBHOOK_SECRET")

// read returns the secret, from --secret-env, --secret-file or AUTHCTL_WEBHOOK_SECRET.
func (s *secretFlags) read(f *Factory, cmd *cobra.Command) ([]byte, error) {
	if cmd.Flags().Changed("secret") {
		return nil, errSecretOnArgv
	}
	switch {
	case s.File != "":
		data, err := os.ReadFile(s.File)
		if err != nil {
			return nil, exitcode.Errorf(exitcode.Usage, "read secret file: %w", err)
		}
		data = []byte(strings.TrimRight(string(data), "\r\n"))
		if len(data) == 0 {
			return nil, exitcode.Errorf(exitcode.Usage, "secret file %s is empty", s.File)
		}
		return data, nil
	case s.Env != "":
		v := f.Getenv(s.Env)
		if v == "" {
			return nil, exitcode.Errorf(exitcode.Usage, "environment variable %s is empty or unset", s.Env)
		}
		return []byte(v), nil
	}
	if v := f.Getenv("AUTHCTL_WEBHOOK_SECRET"); v != "" {
		return []byte(v), nil
	}
	return nil, exitcode.Errorf(exitcode.Usage, "no secret: use --secret-env VAR, --secret-file FILE or set AUTHCTL_WEBHOOK_SECRET")
}

// openInput opens FILE, or stdin for "-".
func openInput(f *Factory, path, what string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(f.IO.In), nil
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, exitcode.Errorf(exitcode.Usage, "read %s: %w", what, err)
	}
	return file, nil
}

// newDeliveryID makes an id in the shape the provider uses.
func newDeliveryID(provider string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	if provider == "standard" {
		return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	}
	b[6] = b[6]&0x0f | 0x40 // UUID version 4
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// usageIfUnset turns an untyped error from a scheme into a usage error.
func usageIfUnset(err error) error {
	var coded *exitcode.Error
	if errors.As(err, &coded) {
		return err
	}
	return exitcode.New(exitcode.Usage, err)
}
