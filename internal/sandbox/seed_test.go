package sandbox_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
)

func TestDefaultSeed(t *testing.T) {
	t.Parallel()
	s := sandbox.DefaultSeed()
	carol := 0
	for _, g := range s.Guilds {
		for _, m := range g.Members {
			if m.UserID == sandbox.CarolID {
				carol++
			}
		}
	}
	if carol != sandbox.ManyGuildsCount {
		t.Fatalf("carol is in %d guilds, want %d", carol, sandbox.ManyGuildsCount)
	}
	public, confidential := 0, 0
	for _, a := range s.Apps {
		if a.Public {
			public++
		} else {
			confidential++
		}
	}
	if public == 0 || confidential == 0 {
		t.Fatalf("default seed has %d public and %d confidential apps, want both", public, confidential)
	}
	s.Users[0].Username = "changed"
	if sandbox.DefaultSeed().Users[0].Username != sandbox.AliceUsername {
		t.Fatal("DefaultSeed returns shared state")
	}
}

// A seed file drives users, apps, guilds, lifetimes, rate limits and faults.
func TestLoadSeedFile(t *testing.T) {
	t.Parallel()
	seed, err := sandbox.LoadSeed(filepath.Join("testdata", "seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !seed.Guilds[0].Members[0].JoinedAt.Equal(time.Date(2022, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("joined_at %v", seed.Guilds[0].Members[0].JoinedAt)
	}
	srv := sandboxtest.Start(t, sandboxtest.AutoApprove(), sandboxtest.WithSeed(seed))
	conf := &oauth2.Config{ClientID: "555", ClientSecret: "five", RedirectURL: "http://127.0.0.1:50000/callback", Scopes: []string{"identify", "guilds", "guilds.members.read"},
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL() + "/oauth2/authorize", TokenURL: srv.URL() + "/api/oauth2/token", AuthStyle: oauth2.AuthStyleInHeader}}
	q := authorize(t, conf.AuthCodeURL("s"), conf.RedirectURL)
	tok, err := conf.Exchange(clientCtx(t), q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Extra("expires_in") != float64(5) {
		t.Fatalf("expires_in %v, want the seed's 5", tok.Extra("expires_in"))
	}
	_, h, body := get(t, srv.URL()+"/api/v10/users/@me", "Bearer "+tok.AccessToken)
	if decode[map[string]any](t, body)["username"] != "dave" || h.Get("X-RateLimit-Limit") != "3" {
		t.Fatalf("@me: %s limit %s", body, h.Get("X-RateLimit-Limit"))
	}
	if status, _, _ := get(t, srv.URL()+"/api/v10/users/@me/guilds", "Bearer "+tok.AccessToken); status != 503 {
		t.Fatalf("seeded fault: %d, want 503", status)
	}
	if status, _, body := get(t, srv.URL()+"/api/v10/users/@me/guilds", "Bearer "+tok.AccessToken); status != 200 || !strings.Contains(string(body), "Seed Guild") {
		t.Fatalf("after the fault: %d %s", status, body)
	}
	_, _, body = get(t, srv.URL()+"/api/v10/users/@me/guilds/91000000000000001/member", "Bearer "+tok.AccessToken)
	if !strings.Contains(string(body), `"roles":["92000000000000001"]`) {
		t.Fatalf("member: %s", body)
	}
}

func TestLoadSeedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
	}{
		{"bad yaml", "users: [", "yaml"},
		{"unknown kind", "apps: [{kind: gitlab, client_id: x, client_secret: y}]", `unknown kind "gitlab"`},
		{"no client id", "apps: [{kind: discord, client_secret: y}]", "no client_id"},
		{"confidential without secret", "apps: [{kind: discord, client_id: x}]", "needs client_secret"},
		{"user without id", "users: [{username: x}]", "needs id and username"},
		{"member not seeded", "guilds: [{id: '1', members: [{user_id: '2'}]}]", "member 2 is not a seeded user"},
		{"guild without id", "guilds: [{name: x}]", "a guild has no id"},
		{"bad fault status", "faults: {'/x': {status: 200}}", "status must be"},
		{"bad fault rate", "faults: {'/x': {rate: 2}}", "rate must be"},
		{"negative lifetime", "token_lifetime: -1", "must not be negative"},
		{"wrong type", "token_lifetime: soon", "cannot unmarshal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "seed.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := sandbox.LoadSeed(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line containing %q", err, tc.want)
			}
		})
	}
	if _, err := sandbox.LoadSeed(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("missing file: %v", err)
	}
}
