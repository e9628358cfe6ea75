package provider_test

import "testing"

// RFC 9207: an issuer whose discovery advertises
// authorization_response_iss_parameter_supported (the sandbox's does) must
// have iss on its callbacks; the login passes this to oauthflow.Loopback.
func TestOIDCDiscoveryReadsIssParameterSupported(t *testing.T) {
	t.Parallel()
	if _, p := sandboxProvider(t, "oidc"); !p.IssuerInResponse {
		t.Fatal("IssuerInResponse = false for an issuer that advertises authorization_response_iss_parameter_supported")
	}
	if _, p := sandboxProvider(t, "discord"); p.IssuerInResponse {
		t.Fatal("IssuerInResponse = true for a provider without discovery")
	}
}
