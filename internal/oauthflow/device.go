package oauthflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/exitcode"
)

// DefaultDeviceTimeout is how long a device login waits when not told otherwise: GitHub's
// device codes live 15 minutes (expires_in 900), and x/oauth2 ends the wait at the code's
// own expiry anyway.
const DefaultDeviceTimeout = 15 * time.Minute

// Device runs the device authorization grant (RFC 8628): it shows the user
// code and verification URL on prompt and polls until the user approves,
// declines, the code expires or ctx ends. The HTTP client is the one in ctx
// (oauth2.HTTPClient).
func Device(ctx context.Context, conf *oauth2.Config, prompt io.Writer) (*oauth2.Token, error) {
	if conf.Endpoint.DeviceAuthURL == "" {
		return nil, exitcode.Errorf(exitcode.Usage, "the provider has no device authorization endpoint; log in without --device")
	}
	resp, err := conf.DeviceAuth(ctx)
	if err != nil {
		return nil, deviceError("start the device login", err)
	}
	if resp.VerificationURI == "" {
		// GitHub's answer for an app whose device flow is off, as cli/oauth's device package reads it.
		return nil, exitcode.Errorf(exitcode.Usage, "start the device login: the provider's answer has no verification URL: the device flow is off for this client (enable it in the app's settings, or log in without --device)")
	}
	fmt.Fprintf(prompt, "First copy your one-time code: %s\nThen open %s and enter it.\n", resp.UserCode, resp.VerificationURI)
	if resp.VerificationURIComplete != "" {
		fmt.Fprintf(prompt, "(or open %s)\n", resp.VerificationURIComplete)
	}
	fmt.Fprintln(prompt, "Waiting for approval...")
	tok, err := conf.DeviceAccessToken(ctx, resp)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("wait for device approval: %w", context.Cause(ctx))
		}
		if errors.Is(err, context.DeadlineExceeded) {
			// x/oauth2 ends the wait at the code's own expiry (expires_in) with its own deadline.
			return nil, exitcode.Errorf(exitcode.Auth, "wait for device approval: the code expired before it was approved; run the login again")
		}
		return nil, deviceError("wait for device approval", err)
	}
	return tok, nil
}

// deviceError maps the grant's refusals to exit 3 and anything else to 4.
func deviceError(step string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		switch re.ErrorCode {
		case "access_denied":
			return exitcode.Errorf(exitcode.Auth, "%s: authorization denied", step)
		case "expired_token":
			return exitcode.Errorf(exitcode.Auth, "%s: the code expired before it was approved; run the login again", step)
		case "device_flow_disabled", "unauthorized_client":
			// A configuration error, not a login to retry: GitHub's app setting, or a client not allowed the grant.
			return exitcode.Errorf(exitcode.Usage, "%s: the provider refused the device flow for this client (%s): enable it in the app's settings, or log in without --device", step, re.ErrorCode)
		}
		msg := re.ErrorCode
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		if re.Response != nil && re.Response.StatusCode >= 500 {
			return exitcode.Errorf(exitcode.Provider, "%s: %s", step, msg)
		}
		return exitcode.Errorf(exitcode.Auth, "%s: %s", step, msg)
	}
	if errors.As(err, &re) && re.Response != nil {
		return exitcode.Errorf(exitcode.Provider, "%s: HTTP %d from the provider", step, re.Response.StatusCode)
	}
	return exitcode.New(exitcode.Provider, fmt.Errorf("%s: %w", step, err))
}
