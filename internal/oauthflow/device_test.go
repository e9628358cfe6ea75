package oauthflow

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/exitcode"
)

// x/oauth2 ends the wait at the device code's own expiry with its own deadline: that is an
// expired code (exit 3), not a provider failure. A stub answers expires_in in the past, so the
// deadline has passed before the first poll.
func TestDeviceCodeExpiryIsAuth(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"device_code":"d","user_code":"U","verification_uri":"http://127.0.0.1/device","expires_in":-1,"interval":1}`)
	}))
	t.Cleanup(srv.Close)
	conf := &oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{DeviceAuthURL: srv.URL + "/code", TokenURL: srv.URL + "/token"}}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	_, err := Device(ctx, conf, io.Discard)
	if exitcode.Of(err) != exitcode.Auth || !strings.Contains(err.Error(), "the code expired before it was approved") {
		t.Fatalf("err = %v (exit %d), want exit 3 naming the expired code", err, exitcode.Of(err))
	}
}
