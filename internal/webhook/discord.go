package webhook

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// discord: X-Signature-Ed25519: <hex Ed25519(timestamp + body)> with
// X-Signature-Timestamp; the key is the application public key in hex.
type discord struct{}

const (
	discordSig = "X-Signature-Ed25519"
	discordTS  = "X-Signature-Timestamp"
	// MaxDiscordBody caps the buffer Ed25519 needs; Discord bodies are small.
	MaxDiscordBody = 8 << 20
)

func (discord) Name() string { return "discord" }

// Profile is built once: listen asks it for every delivery.
func (discord) Profile() Profile { return discordProfile() }

var discordProfile = sync.OnceValue(func() Profile {
	h := map[string]string{"Content-Type": contentJSON, "User-Agent": "Discord-Interactions/1.0 (+https://discord.com)"}
	return Profile{
		Key:              KeyPair,
		SignatureHeaders: []string{discordSig, discordTS},
		EventTypes:       map[string]string{"1": "ping", "2": "application_command", "3": "message_component", "4": "autocomplete", "5": "modal_submit"},
		Answer:           discordPong,
		Samples: []Sample{
			sample("discord", "ping", "interaction PING (type 1), answered with {\"type\":1}", "discord-ping.json", h),
			sample("discord", "application_command", "a slash command interaction (type 2)", "discord-application_command.json", h),
		},
	}
})

// discordPong answers an interaction PING (type 1) with a PONG.
func discordPong(body []byte) ([]byte, bool) {
	var msg struct {
		Type json.RawMessage `json:"type"`
	}
	if json.Unmarshal(body, &msg) != nil || string(msg.Type) != "1" {
		return nil, false
	}
	return []byte(`{"type":1}`), true
}
func (discord) SignsTimestamp() bool { return true }

// DiscordPublicKey decodes an application public key given in hex.
func DiscordPublicKey(hexKey []byte) (ed25519.PublicKey, error) {
	s := strings.TrimSpace(string(hexKey))
	key, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: the Discord public key is not hex (Developer Portal, General Information, Public Key; not the bot token or client secret)", ErrBadSecret)
	}
	if len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("wrong key length: the Discord public key is %d bytes, want %d (64 hex characters)", len(key), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(key), nil
}

func (discord) Verify(in Input) (Result, error) {
	pub, err := DiscordPublicKey(in.Secret)
	if err != nil {
		if errors.Is(err, ErrBadSecret) {
			return Result{}, err
		}
		return invalid(err.Error()), nil
	}
	v, bad := single(in.Header, discordSig)
	if bad != nil {
		return *bad, nil
	}
	tsText, bad := single(in.Header, discordTS)
	if bad != nil {
		return *bad, nil
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil || ts < 0 {
		return malformed(discordTS, "not a Unix timestamp"), nil
	}
	sig, err := hex.DecodeString(v)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return withTS(malformed(discordSig, "not a hex Ed25519 signature"), ts), nil
	}
	msg, err := io.ReadAll(io.LimitReader(in.Body, MaxDiscordBody+1-int64(len(tsText))))
	if err != nil {
		return Result{}, fmt.Errorf("read body: %w", err)
	}
	if len(msg)+len(tsText) > MaxDiscordBody {
		return withTS(invalid("body larger than 8 MiB; Discord interaction bodies are small"), ts), nil
	}
	shape := &bodyShape{matches: func(other []byte) bool { return ed25519.Verify(pub, append([]byte(tsText), other...), sig) }}
	shape.Write(msg)
	return judge(shape.matches(msg), shape, ts, in), nil
}

func (discord) Sign(body, key []byte, ts time.Time, _ string) (Headers, error) {
	priv, err := DiscordPrivateKey(key)
	if err != nil {
		return nil, err
	}
	t := strconv.FormatInt(ts.Unix(), 10)
	sig := ed25519.Sign(priv, append([]byte(t), body...))
	return Headers{{discordSig, hex.EncodeToString(sig)}, {discordTS, t}}, nil
}

// DiscordPrivateKey reads an Ed25519 private key: PEM PKCS#8 (as from
// `openssl genpkey -algorithm ed25519`) or a 64-hex-character seed.
func DiscordPrivateKey(data []byte) (ed25519.PrivateKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: private key PEM is not PKCS#8: %v", ErrBadSecret, err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%w: private key is %T, not Ed25519", ErrBadSecret, k)
		}
		return priv, nil
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: private key is neither PEM PKCS#8 nor a hex seed", ErrBadSecret)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: wrong key length: the seed is %d bytes, want %d (64 hex characters)", ErrBadSecret, len(seed), ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// NewDiscordKey makes a test key pair: the private key as PEM PKCS#8 and the
// public key in hex.
func NewDiscordKey(rand io.Reader) (privPEM []byte, pubHex string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, "", fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, "", fmt.Errorf("encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), hex.EncodeToString(pub), nil
}
