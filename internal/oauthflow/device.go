package oauthflow

import (
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/exitcode"
)

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
