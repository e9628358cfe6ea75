package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/replay"
	"github.com/authctl/authctl/internal/ui"
	"github.com/authctl/authctl/internal/webhook"
)

// WebhookSignOptions are the inputs of `webhook sign`.
type WebhookSignOptions struct {
	webhookEnv
	Key webhookKeyFlags

	Provider string
	BodyPath string
	// Timestamp is the Unix time to sign; nil signs now.
	Timestamp *int64
	ID        string
}

func newCmdWebhookSign(f *cmdutil.Factory, runF func(context.Context, *WebhookSignOptions) error) *cobra.Command {
	opts := &WebhookSignOptions{}
	var timestamp int64
	cmd := &cobra.Command{
		Use:   "sign PROVIDER",
		Short: "Print the headers PROVIDER would send with a body",
		Long: `Print the signature headers PROVIDER would send with the body, one
'Name: value' per line (-o json: {"headers":{…}}). --timestamp and --id pin
the values that are otherwise now and random. Discord needs an Ed25519 private
key (PEM PKCS#8 or a 64-hex-character seed) in --private-key-file.`,
		Example: `  printf 'Hello, World!' | AUTHCTL_WEBHOOK_SECRET=s3cret authctl webhook sign github --body -
  authctl webhook sign stripe --body event.json --secret-env STRIPE_WEBHOOK_SECRET --timestamp 1700000000
  authctl webhook keygen discord --out discord.pem >discord.pub
  authctl webhook sign discord --body interaction.json --private-key-file discord.pem`,
		Args:      cmdutil.UsageArgs(cobra.ExactArgs(1)),
		ValidArgs: webhook.Names(),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.webhookEnv = newWebhookEnv(f)
			opts.Provider = args[0]
			if err := opts.Key.parsed(cmd); err != nil {
				return err
			}
			if cmd.Flags().Changed("timestamp") {
				if timestamp < 0 {
					return exitcode.Errorf(exitcode.Usage, "--timestamp must be a Unix time, not %d", timestamp)
				}
				opts.Timestamp = &timestamp
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return webhookSignRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.BodyPath, "body", "", "the body from `FILE`, or - for stdin")
	fl.Int64Var(&timestamp, "timestamp", 0, "Unix time to sign (default now)")
	fl.StringVar(&opts.ID, "id", "", "delivery or message id (default random)")
	opts.Key.register(cmd, webhook.Signing)
	return cmd
}

func webhookSignRun(_ context.Context, opts *WebhookSignOptions) error {
	scheme, key, err := opts.Key.key(opts.Provider, webhook.Signing, opts.Getenv)
	if err != nil {
		return err
	}
	ts := opts.Now()
	if opts.Timestamp != nil {
		ts = time.Unix(*opts.Timestamp, 0)
	}
	headers, err := replay.Sign(scheme, key, replay.Source{BodyFile: opts.BodyPath, Stdin: opts.IO.In}, ts, opts.ID)
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, map[string]any{"headers": headers.Map()})
	}
	for _, h := range headers {
		if _, err := fmt.Fprintf(opts.IO.Out, "%s: %s\n", h.Name, h.Value); err != nil {
			return err
		}
	}
	return nil
}

// WebhookKeygenOptions are the inputs of `webhook keygen`.
type WebhookKeygenOptions struct {
	webhookEnv
	Provider string
	Out      string
	Force    bool
	// PublicKeyOf names an existing private key whose public key to print.
	PublicKeyOf string
}

func newCmdWebhookKeygen(f *cmdutil.Factory, runF func(context.Context, *WebhookKeygenOptions) error) *cobra.Command {
	opts := &WebhookKeygenOptions{}
	cmd := &cobra.Command{
		Use:   "keygen discord",
		Short: "Write a test Ed25519 key pair for signing Discord deliveries",
		Long: `Write a new Ed25519 private key (PEM PKCS#8, mode 0600) to --out and print
the public key as hex on stdout, for testing Discord interaction handlers.
--public-key-of prints the public key of an existing private key instead.`,
		Example: `  authctl webhook keygen discord --out discord.pem >discord.pub
  authctl webhook keygen discord --public-key-of discord.pem >discord.pub`,
		Args:      cmdutil.UsageArgs(cobra.ExactArgs(1)),
		ValidArgs: webhook.NamesWithKey(webhook.KeyPair),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.ExclusiveFlags(cmd, []string{"public-key-of", "out"}, []string{"public-key-of", "force"}); err != nil {
				return err
			}
			opts.webhookEnv = newWebhookEnv(f)
			opts.Provider = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return webhookKeygenRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "discord-ed25519.pem", "private key `FILE` to write")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite an existing key file")
	cmd.Flags().StringVar(&opts.PublicKeyOf, "public-key-of", "", "print the public key of the private key in `FILE` (PEM PKCS#8 or hex seed); write nothing")
	return cmd
}

func webhookKeygenRun(_ context.Context, opts *WebhookKeygenOptions) error {
	scheme, err := webhook.ByName(opts.Provider)
	if err != nil || scheme.Profile().Key != webhook.KeyPair {
		return exitcode.Errorf(exitcode.Usage, "keygen makes Discord (Ed25519) keys only; %q uses a shared secret", opts.Provider)
	}
	if opts.PublicKeyOf != "" {
		pubHex, err := webhook.PublicKeyOfFile(scheme, opts.PublicKeyOf)
		if err != nil {
			return exitcode.New(exitcode.Usage, err)
		}
		opts.Out = opts.PublicKeyOf
		return printPublicKey(opts, pubHex)
	}
	pubHex, err := webhook.WriteNewKey(scheme, opts.Out, opts.Force, rand.Reader)
	switch {
	case errors.Is(err, os.ErrExist):
		return exitcode.Errorf(exitcode.Usage, "%s exists; use --force to overwrite it, or print its public key with: authctl webhook keygen %s --public-key-of %s", opts.Out, opts.Provider, opts.Out)
	case err != nil:
		return exitcode.Errorf(exitcode.Usage, "write key: %w", err)
	}
	opts.IO.Infof("wrote private key to %s (mode 0600); the public key is on stdout", opts.Out)
	return printPublicKey(opts, pubHex)
}

func printPublicKey(opts *WebhookKeygenOptions, pubHex string) error {
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, map[string]string{"public_key": pubHex, "private_key_file": opts.Out})
	}
	_, err := fmt.Fprintln(opts.IO.Out, pubHex)
	return err
}
