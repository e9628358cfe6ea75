package webhook

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"net/http"
	"strings"
)

// KeyKind is the kind of key a scheme signs and verifies with.
type KeyKind int

const (
	// SharedSecret: one secret signs and verifies (HMAC).
	SharedSecret KeyKind = iota
	// KeyPair: a private key signs, the public key verifies (Discord's Ed25519).
	KeyPair
)

// IDShape is the shape of a provider's delivery ids.
type IDShape int

const (
	// UUID is a dashed random UUID, as GitHub and Shopify send.
	UUID IDShape = iota
	// HexUUID is a random UUID in 32 hex digits without dashes, as Sentry's Request-ID.
	HexUUID
	// MsgID is a Svix-style "msg_" followed by base32.
	MsgID
)

// Profile is what a scheme knows of its provider's deliveries besides the
// signature itself: listen, replay and the command line ask it instead of
// knowing any provider.
type Profile struct {
	Key KeyKind
	// EventHeader names the event ("" when the body says what it is); a
	// delivery without it is malformed.
	EventHeader string
	// IDHeaders carry the delivery id, under each name it may come with
	// (none when the provider sends no id).
	IDHeaders []string
	// SignatureHeaders carry signature material — signature, signed
	// timestamp, signed id — under every name a delivery may bring them.
	// Replay drops them from a captured delivery before signing afresh.
	SignatureHeaders []string
	IDShape          IDShape
	// EventTypes name the numeric JSON "type" values of a body ("1": "ping").
	EventTypes map[string]string
	// Answer, when set, is the reply to a verified delivery that needs one
	// (Discord's PING, Slack's URL challenge); ok is false for any other body.
	Answer func(body []byte) (reply []byte, ok bool)
	// CheckKey refuses a key that cannot work for use, before anything is
	// signed or received; nil accepts any non-empty key.
	CheckKey func(key []byte, use Use) error
	// Samples are built-in example deliveries.
	Samples []Sample
}

// NewDeliveryID returns a fresh id in the shape s's provider uses.
func NewDeliveryID(s Scheme) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	switch s.Profile().IDShape {
	case MsgID:
		return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	case HexUUID:
		return hex.EncodeToString(uuid4(b))
	}
	h := hex.EncodeToString(uuid4(b))
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// uuid4 marks 16 random bytes as a version 4 UUID.
func uuid4(b []byte) []byte {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

// DeliveryKey identifies one delivery for replay protection: its delivery
// id, or where the provider sends none, its signature headers (which cover a
// timestamp for such schemes). what names the header or "signature" for people.
func DeliveryKey(s Scheme, h http.Header) (what, key string) {
	p := s.Profile()
	for _, name := range p.IDHeaders {
		if id := h.Get(name); id != "" {
			return name, name + ": " + id
		}
	}
	var parts []string
	for _, name := range p.SignatureHeaders {
		for _, v := range h.Values(name) {
			parts = append(parts, name+": "+v)
		}
	}
	return "signature", strings.Join(parts, "\n")
}
