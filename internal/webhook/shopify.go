package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// shopify: X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(client secret, body)>.
type shopify struct{}

const (
	shopifySig       = "X-Shopify-Hmac-Sha256"
	shopifyWebhookID = "X-Shopify-Webhook-Id"
)

func (shopify) Name() string { return "shopify" }

func (shopify) Profile() Profile {
	return Profile{
		Key:              SharedSecret,
		EventHeader:      "X-Shopify-Topic",
		IDHeaders:        []string{shopifyWebhookID},
		SignatureHeaders: []string{shopifySig},
		IDShape:          UUID,
		Samples: []Sample{
			{"shopify", "orders/create", "an order created", "shopify-orders.create.json", map[string]string{"Content-Type": contentJSON, "X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": "sandbox.myshopify.com", "X-Shopify-API-Version": "2024-10"}},
		},
	}
}
func (shopify) SignsTimestamp() bool { return false }

func (shopify) Verify(in Input) (Result, error) {
	v, bad := single(in.Header, shopifySig)
	if bad != nil {
		return *bad, nil
	}
	want, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(want) != sha256.Size {
		return malformed(shopifySig, "not a base64 sha256 digest"), nil
	}
	mac := hmac.New(sha256.New, in.Secret)
	shape, err := streamMAC(mac, "", in.Body)
	if err != nil {
		return Result{}, err
	}
	if !equalHMAC(mac.Sum(nil), want) {
		return mismatch(shape), nil
	}
	return valid(nil), nil
}

func (shopify) Sign(body, secret []byte, _ time.Time, id string) (Headers, error) {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	h := Headers{}
	if id != "" {
		h = append(h, Field{shopifyWebhookID, id})
	}
	return append(h, Field{shopifySig, base64.StdEncoding.EncodeToString(mac.Sum(nil))}), nil
}
