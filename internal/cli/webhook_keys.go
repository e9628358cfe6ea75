package cli

import (
	"bytes"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/replay"
	"github.com/authctl/authctl/internal/webhook"
)

// webhookKeyFlags are the key flags of replay (signing) and listen
// (verifying): the shared secret read exactly as `webhook sign` and `webhook
// verify` read it, or Discord's private key file or public key.
type webhookKeyFlags struct {
	Secret         secretFlags
	PrivateKeyFile string
	PublicKey      string
}

func (k *webhookKeyFlags) register(cmd *cobra.Command, signing bool) {
	k.Secret.register(cmd)
	if signing {
		cmd.Flags().StringVar(&k.PrivateKeyFile, "private-key-file", "", "Discord Ed25519 private key `FILE` (PEM PKCS#8 or hex seed)")
		cmd.MarkFlagsMutuallyExclusive("private-key-file", "secret-env", "secret-file")
		return
	}
	cmd.Flags().StringVar(&k.PublicKey, "public-key", "", "Discord application public key (64 hex characters)")
	cmd.MarkFlagsMutuallyExclusive("public-key", "secret-env", "secret-file")
}

// signer returns a replay.SignFunc for provider: fresh provider-shaped
// delivery id, the given timestamp, the provider's own signature headers.
func (k *webhookKeyFlags) signer(f *Factory, cmd *cobra.Command, provider string) (replay.SignFunc, error) {
	scheme, err := webhookScheme(provider)
	if err != nil {
		return nil, err
	}
	var key []byte
	switch {
	case cmd.Flags().Changed("secret"):
		return nil, errSecretOnArgv
	case provider == "discord":
		if k.PrivateKeyFile == "" {
			return nil, exitcode.Errorf(exitcode.Usage, "discord needs --private-key-file (make one with: authctl webhook keygen discord)")
		}
		if key, err = os.ReadFile(k.PrivateKeyFile); err != nil {
			return nil, exitcode.Errorf(exitcode.Usage, "read private key: %w", err)
		}
	case k.PrivateKeyFile != "":
		return nil, exitcode.Errorf(exitcode.Usage, "--private-key-file is for discord; %s uses a shared secret", provider)
	default:
		if key, err = k.Secret.read(f, cmd); err != nil {
			return nil, err
		}
	}
	// Sign once now so that an unusable key is a usage error before anything is sent.
	if _, err := scheme.Sign([]byte("{}"), key, f.Now(), newDeliveryID(provider)); err != nil {
		return nil, exitcode.Errorf(exitcode.Usage, "sign %s: %w", provider, err)
	}
	return func(body []byte, ts time.Time) (http.Header, error) {
		h, err := scheme.Sign(body, key, ts, newDeliveryID(provider))
		if err != nil {
			return nil, err
		}
		return h.HTTP(), nil
	}, nil
}

// verifier returns a replay.VerifyFunc for provider with the key listen was given.
func (k *webhookKeyFlags) verifier(f *Factory, cmd *cobra.Command, provider string, tolerance time.Duration) (replay.VerifyFunc, error) {
	scheme, err := webhookScheme(provider)
	if err != nil {
		return nil, err
	}
	var key []byte
	switch {
	case cmd.Flags().Changed("secret"):
		return nil, errSecretOnArgv
	case k.PublicKey != "" && provider != "discord":
		return nil, exitcode.Errorf(exitcode.Usage, "--public-key is for discord; %s uses a shared secret", provider)
	case k.PublicKey != "":
		key = []byte(k.PublicKey)
	default:
		if key, err = k.Secret.read(f, cmd); err != nil {
			return nil, err
		}
	}
	if err := checkVerifyKey(provider, key); err != nil {
		return nil, err
	}
	return func(h http.Header, body []byte, now time.Time) (bool, string) {
		res, err := scheme.Verify(webhook.Input{Header: h, Body: bytes.NewReader(body), Secret: key, Now: now, Tolerance: tolerance})
		if err != nil {
			return false, "verify: " + err.Error()
		}
		return res.Valid, res.Reason
	}, nil
}

// checkVerifyKey refuses at start-up a key that could never verify anything,
// rather than answering 401 to every delivery.
func checkVerifyKey(provider string, key []byte) error {
	var err error
	switch provider {
	case "discord":
		_, err = webhook.DiscordPublicKey(key)
	case "standard":
		_, err = webhook.StandardKey(key)
	}
	if err != nil {
		return exitcode.Errorf(exitcode.Usage, "%s key: %w", provider, err)
	}
	return nil
}
