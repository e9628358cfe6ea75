package cli

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/replay"
	"github.com/authctl/authctl/internal/ui"
	"github.com/authctl/authctl/internal/webhook"
)

func newCmdWebhook(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Verify, sign and test signed webhook deliveries",
		Long:  "Verify and sign webhook deliveries offline, replay them to a handler and\nlisten for them, for " + strings.Join(webhook.Names(), ", ") + "\n(standard is Standard Webhooks / Svix).",
	}
	cmd.AddCommand(
		newCmdWebhookVerify(f, nil),
		newCmdWebhookSign(f, nil),
		newCmdWebhookKeygen(f, nil),
		newCmdWebhookReplay(f, nil),
		newCmdWebhookListen(f, nil),
	)
	return cmd
}

// webhookEnv is what every webhook command's run needs from the factory,
// taken when the command runs, after the flags are parsed.
type webhookEnv struct {
	IO     *ui.IOStreams
	JSON   bool
	Getenv func(string) string
	Now    func() time.Time
	// HTTPClient returns the client that sends or forwards deliveries.
	HTTPClient func(concurrency int) *http.Client
}

func newWebhookEnv(f *cmdutil.Factory) webhookEnv {
	var trace io.Writer // -v logs every request to stderr
	if f.Global.Verbose {
		trace = f.IO.ErrOut
	}
	client := func(concurrency int) *http.Client { return replay.NewClient(concurrency, trace) }
	return webhookEnv{IO: f.IO, JSON: f.Global.JSON(), Getenv: f.Getenv, Now: f.Now, HTTPClient: client}
}

// webhookKeyFlags are the ways to give a webhook key; none of them puts a
// secret on argv. Which one applies is webhook.SelectKey's decision.
type webhookKeyFlags struct {
	webhook.KeySource
	// SecretOnArgv is set when the hidden, refused --secret was given.
	SecretOnArgv bool
	onArgv       string
	exclusive    [][]string
}

// register adds the secret flags, and --private-key-file (signing) or
// --public-key (verifying) for key-pair schemes.
func (k *webhookKeyFlags) register(cmd *cobra.Command, use webhook.Use) {
	fl := cmd.Flags()
	fl.StringVar(&k.SecretEnv, "secret-env", "", "read the secret from environment variable `VAR` (default AUTHCTL_WEBHOOK_SECRET)")
	fl.StringVar(&k.SecretFile, "secret-file", "", "read the secret from `FILE` (a trailing newline is trimmed)")
	fl.StringVar(&k.onArgv, "secret", "", "refused: a secret on the command line leaks into shell history and ps")
	_ = fl.MarkHidden("secret")
	keyFlag := "public-key"
	if use == webhook.Signing {
		keyFlag = "private-key-file"
		fl.StringVar(&k.PrivateKeyFile, keyFlag, "", "Discord Ed25519 private key `FILE` (PEM PKCS#8 or hex seed)")
	} else {
		fl.StringVar(&k.PublicKey, keyFlag, "", "Discord application public key (64 hex characters)")
	}
	k.exclusive = [][]string{{"secret-env", "secret-file"}, {keyFlag, "secret-env", "secret-file"}}
}

// parsed records what only cobra knows, whether --secret was given at all,
// and refuses key flags that exclude each other.
func (k *webhookKeyFlags) parsed(cmd *cobra.Command) error {
	k.SecretOnArgv = cmd.Flags().Changed("secret")
	return cmdutil.ExclusiveFlags(cmd, k.exclusive...)
}

// errSecretOnArgv is the answer to --secret.
var errSecretOnArgv = exitcode.Errorf(exitcode.Usage, "--secret is refused: a secret on the command line leaks into shell history and process lists; use --secret-env VAR, --secret-file FILE or %s", webhook.SecretVar)

// key resolves the PROVIDER argument and returns its scheme and the key the
// scheme needs for use; every error is a usage error.
func (k *webhookKeyFlags) key(provider string, use webhook.Use, getenv func(string) string) (webhook.Scheme, []byte, error) {
	s, err := webhook.ByName(provider)
	if err != nil {
		return nil, nil, exitcode.New(exitcode.Usage, err)
	}
	if k.SecretOnArgv {
		return nil, nil, errSecretOnArgv
	}
	src := k.KeySource
	src.Getenv = getenv
	key, err := webhook.SelectKey(s, use, src)
	return s, key, cmdutil.UsageIfUnset(err)
}
