// Command minimalhmac is the floor for scripts/bench-webhook.sh: the least a
// Go program can do to check a GitHub signature. Usage:
//
//	AUTHCTL_WEBHOOK_SECRET=… minimalhmac FILE HEXDIGEST
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
)

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		os.Exit(2)
	}
	want, err := hex.DecodeString(os.Args[2])
	if err != nil {
		os.Exit(2)
	}
	mac := hmac.New(sha256.New, []byte(os.Getenv("AUTHCTL_WEBHOOK_SECRET")))
	if _, err := io.Copy(mac, f); err != nil {
		os.Exit(2)
	}
	if !hmac.Equal(mac.Sum(nil), want) {
		os.Exit(1)
	}
}
