// Package tokenenv decides which environment variables `authctl exec` gives
// its command and fetches their tokens: a bare PROVIDER[:ACCOUNT] sets
// <PROVIDER>_TOKEN (github also GH_TOKEN), --env NAME=PROVIDER[:ACCOUNT] and
// --app-env NAME=HOST/OWNER[/REPO] name the variable themselves. Each token is
// fetched once, however many variables carry it.
package tokenenv

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/authctl/authctl/internal/config"
	"github.com/authctl/authctl/internal/credential"
	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/provider"
)

// Var is one variable to set and where its token comes from.
type Var struct {
	Name   string
	Source Source
}

// Source is a provider account's user token, or, when Host is set, the
// installation token the config's git section maps Host and Path to.
type Source struct {
	Provider, Account string
	Host, Path        string
}

// Parse turns the bare PROVIDER[:ACCOUNT] arguments and the --env and
// --app-env values into the variables to set; a name set twice is an error
// (exit 2), so that no token silently replaces another.
func Parse(providers, env, appEnv []string) ([]Var, error) {
	vars, err := parse(providers, env, appEnv)
	return vars, exitcode.New(exitcode.Usage, err)
}

func parse(providers, env, appEnv []string) ([]Var, error) {
	var vars []Var
	add := func(name string, s Source) error {
		if !validName(name) {
			return fmt.Errorf("%q is not a valid environment variable name", name)
		}
		if slices.ContainsFunc(vars, func(o Var) bool { return o.Name == name }) {
			return fmt.Errorf("%s would be set twice", name)
		}
		vars = append(vars, Var{Name: name, Source: s})
		return nil
	}
	for _, arg := range providers {
		name, account, _ := strings.Cut(arg, ":")
		if name == "" {
			return nil, fmt.Errorf("%q: PROVIDER[:ACCOUNT] needs a provider", arg)
		}
		names := []string{config.EnvName(name) + "_TOKEN"} // GITHUB_TOKEN for github
		if name == provider.KindGitHub {
			names = append(names, "GH_TOKEN")
		}
		for _, n := range names {
			if err := add(n, Source{Provider: name, Account: account}); err != nil {
				return nil, err
			}
		}
	}
	for _, e := range env {
		name, source, ok := strings.Cut(e, "=")
		providerName, account, _ := strings.Cut(source, ":")
		if !ok || providerName == "" {
			return nil, fmt.Errorf("--env %q must be NAME=PROVIDER[:ACCOUNT]", e)
		}
		if err := add(name, Source{Provider: providerName, Account: account}); err != nil {
			return nil, fmt.Errorf("--env: %w", err)
		}
	}
	for _, e := range appEnv {
		name, target, ok := strings.Cut(e, "=")
		host, path, _ := strings.Cut(target, "/")
		if !ok || host == "" || path == "" {
			return nil, fmt.Errorf("--app-env %q must be NAME=HOST/OWNER[/REPO]", e)
		}
		if err := add(name, Source{Host: host, Path: path}); err != nil {
			return nil, fmt.Errorf("--app-env: %w", err)
		}
	}
	if len(vars) == 0 {
		return nil, fmt.Errorf("name at least one PROVIDER, --env or --app-env before --")
	}
	return vars, nil
}

// validName is a POSIX shell variable name.
func validName(s string) bool {
	for i, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// Tokens fetches the tokens of the variables.
type Tokens struct {
	// Credentials hands out the user tokens; its Getenv and Known also tell which provider
	// names are known.
	Credentials *credential.Source
	// MinTTL is how long every token must still be valid.
	MinTTL time.Duration
	// App is the installation token the git section maps host and path to; ok is false when
	// it maps none.
	App func(ctx context.Context, host, path string) (token string, ok bool, err error)
}

// Environment is the variables that the bare PROVIDER[:ACCOUNT] arguments and the --env and
// --app-env values name (see Parse), with their values (see Values).
func (t *Tokens) Environment(ctx context.Context, providers, env, appEnv []string) (map[string]string, error) {
	vars, err := Parse(providers, env, appEnv)
	if err != nil {
		return nil, err
	}
	return t.Values(ctx, vars)
}

// Values are the variables' values: every provider is checked before any
// token is fetched (exit 2 for a name authctl does not know), and each
// source's token is fetched once.
func (t *Tokens) Values(ctx context.Context, vars []Var) (map[string]string, error) {
	for _, v := range vars {
		// AUTHCTL_<NAME>_TOKEN supplies a provider of any name, as for authctl token.
		if v.Source.Host == "" && t.Credentials.Getenv(credential.EnvVar(v.Source.Provider)) == "" {
			if err := t.Credentials.Known(v.Source.Provider); err != nil {
				return nil, err
			}
		}
	}
	tokens := map[Source]string{}
	set := make(map[string]string, len(vars))
	for _, v := range vars {
		tok, ok := tokens[v.Source]
		if !ok {
			var err error
			if tok, err = t.token(ctx, v.Source); err != nil {
				return nil, err
			}
			tokens[v.Source] = tok
		}
		set[v.Name] = tok
	}
	return set, nil
}

func (t *Tokens) token(ctx context.Context, s Source) (string, error) {
	if s.Host == "" {
		cred, err := t.Credentials.Token(ctx, s.Provider, s.Account, t.MinTTL)
		if err != nil {
			return "", err
		}
		return cred.AccessToken, nil
	}
	tok, ok, err := t.App(ctx, s.Host, s.Path)
	if err == nil && !ok {
		return "", exitcode.Errorf(exitcode.Usage, "--app-env: the config's git section maps no installation for %s/%s", s.Host, s.Path)
	}
	return tok, err
}
