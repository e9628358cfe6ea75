package gitcred

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestServe(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(writeConfig(t, "git:\n  github.com:\n    installations: [{owner: acme, app_id: \"42\", private_key_file: k.pem}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	apps := &fakeInstallations{}
	built := 0
	resolver := func() (*Resolver, error) {
		built++
		return &Resolver{Config: cfg, Users: &fakeTokens{}, Installations: apps,
			Entries: func(context.Context) []Entry {
				return []Entry{{Name: "github", URLs: []string{"https://github.com/login/oauth/authorize"}}}
			}}, nil
	}
	serve := func(op, in string) (string, error) {
		var out bytes.Buffer
		err := Serve(context.Background(), op, strings.NewReader(in), &out, resolver)
		return out.String(), err
	}

	if out, err := serve("get", "protocol=https\nhost=github.com\npath=acme/site.git\n\n"); err != nil || out != "username=x-access-token\npassword=ghs_42\npassword_expiry_utc=1700000000\n\n" {
		t.Errorf("get of a mapped repository: %q, %v", out, err)
	}
	if out, err := serve("get", "protocol=https\nhost=github.com\n\n"); err != nil || out != "username=x-access-token\npassword=user-github\n\n" {
		t.Errorf("get of the host: %q, %v", out, err)
	}
	if out, err := serve("get", "protocol=https\nhost=gitlab.com\n\n"); err != nil || out != "" {
		t.Errorf("get of another host: %q, %v; want no answer", out, err)
	}
	if out, err := serve("erase", "protocol=https\nhost=github.com\npath=acme/x\npassword=ghs_42\n\n"); err != nil || out != "" || len(apps.dropped) != 1 {
		t.Errorf("erase: %q, %v, dropped %v", out, err, apps.dropped)
	}

	// store and unknown operations never build the resolver; an unknown one reads nothing.
	built = 0
	if out, err := serve("store", "protocol=https\nhost=github.com\npassword=x\n\n"); err != nil || out != "" || built != 0 {
		t.Errorf("store: %q, %v, resolver built %d times", out, err, built)
	}
	var out bytes.Buffer
	if err := Serve(context.Background(), "capability", iotest.ErrReader(errors.New("read")), &out, resolver); err != nil || out.Len() != 0 || built != 0 {
		t.Errorf("unknown operation: %q, %v, resolver built %d times", out.String(), err, built)
	}

	_, err = serve("get", "protocol\n")
	var usage *UsageError
	if !errors.As(err, &usage) || usage.ExitCode() != 2 || !strings.Contains(err.Error(), "not key=value") {
		t.Errorf("malformed request: %v, want a usage error (exit 2)", err)
	}
	failing := func() (*Resolver, error) { return nil, errors.New("config broken") }
	if err := Serve(context.Background(), "get", strings.NewReader("protocol=https\nhost=github.com\n\n"), &out, failing); err == nil || err.Error() != "config broken" {
		t.Errorf("resolver error: %v", err)
	}
}
