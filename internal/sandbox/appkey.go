package sandbox

import (
	"crypto"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"sync"
)

// GitHubAppPrivateKeyPEM is the private key of the default seed's GitHub App
// (GitHubAppID), published on purpose: the sandbox is no secret, and with it
// `authctl app token github` works against the sandbox out of the box
// (`authctl sandbox --print-app-key`). It is trusted by no real GitHub.
//
//go:embed github-app-key.pem
var GitHubAppPrivateKeyPEM string

// gitHubAppPublicKeyPEM is the PKIX public key of GitHubAppPrivateKeyPEM, for
// the default seed: derived once, on the first DefaultSeed.
var gitHubAppPublicKeyPEM = sync.OnceValue(func() string {
	block, _ := pem.Decode([]byte(GitHubAppPrivateKeyPEM))
	if block == nil {
		panic("sandbox: the embedded GitHub App key is not PEM")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic("sandbox: the embedded GitHub App key: " + err.Error())
	}
	der, err := x509.MarshalPKIXPublicKey(key.(crypto.Signer).Public())
	if err != nil {
		panic("sandbox: the embedded GitHub App key: " + err.Error())
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
})
