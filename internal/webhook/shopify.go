package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"
)

// shopify: X-Shopify-Hmac-Sha256 (Shopify-Hmac-Sha256 in Events deliveries):
// <base64 HMAC-SHA256(client secret, body)>.
type shopify struct{}

const (
	shopifySig       = "X-Shopify-Hmac-Sha256"
	shopifyWebhookID = "X-Shopify-Webhook-Id"
	// Shopify's newer Events deliveries name their headers without X-.
	shopifyEventsSig       = "Shopify-Hmac-Sha256"
	shopifyEventsWebhookID = "Shopify-Webhook-Id"
)

func (shopify) Name() string { return "shopify" }

// Profile is built once: listen asks it for every delivery.
func (shopify) Profile() Profile { return shopifyProfile() }

var shopifyProfile = sync.OnceValue(func() Profile {
	return Profile{
		Key:              SharedSecret,
		EventHeader:      "X-Shopify-Topic",
		IDHeaders:        []string{shopifyWebhookID, shopifyEventsWebhookID},
		SignatureHeaders: []string{shopifySig, shopifyEventsSig},
		IDShape:          UUID,
		Samples: []Sample{
			sample("shopify", "orders/create", "an order created", "shopify-orders.create.json", map[string]string{"Content-Type": contentJSON, "X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": "sandbox.myshopify.com", "X-Shopify-API-Version": "2024-10"}),
		},
	}
})

func (shopify) SignsTimestamp() bool { return false }

func (shopify) Verify(in Input) (Result, error) {
	name := shopifySig
	if len(in.Header.Values(shopifySig)) == 0 && len(in.Header.Values(shopifyEventsSig)) > 0 {
		name = shopifyEventsSig
	}
	v, bad := single(in.Header, name)
	if bad != nil {
		return *bad, nil
	}
	want, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(want) != sha256.Size {
		return malformed(name, "not a base64 sha256 digest"), nil
	}
	match, shape, err := streamMAC(hmacSHA256(in.Secret), "", in.Body, want)
	if err != nil {
		return Result{}, err
	}
	if !match {
		return mismatch(shape), nil
	}
	return valid(nil), nil
}

// Sign adds the delivery's id and trigger time as Shopify sends them
// (shopify.dev/docs/apps/build/webhooks/delivery-structure); the one id
// serves as both webhook id and event id, each replayed delivery being its
// own event.
func (shopify) Sign(body, secret []byte, ts time.Time, id string) (Headers, error) {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	h := Headers{}
	if id != "" {
		h = append(h, Field{shopifyWebhookID, id}, Field{"X-Shopify-Event-Id", id})
	}
	return append(h,
		Field{"X-Shopify-Triggered-At", ts.UTC().Format(time.RFC3339Nano)},
		Field{shopifySig, base64.StdEncoding.EncodeToString(mac.Sum(nil))},
	), nil
}
