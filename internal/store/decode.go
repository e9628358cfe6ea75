package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The decoders below read what a store holds as untrusted input: another
// program, a restored backup or a hostile user may have written it. Anything
// but the shape authctl writes (nulls, missing maps, entries filed under the
// wrong name) is an error, so callers report a corrupt store instead of panicking.

// decodeIndex reads the index of accounts and defaults.
func decodeIndex(data []byte) (*index, error) {
	var ix *index
	if err := decodeStrict(data, &ix); err != nil {
		return nil, err
	}
	if ix == nil {
		return nil, errors.New("null instead of an index")
	}
	if err := ix.validate(); err != nil {
		return nil, err
	}
	return ix, nil
}

// validate checks that every provider's default is one of its accounts.
func (ix *index) validate() error {
	if ix.Default == nil {
		return errors.New(`"default" is missing or null`)
	}
	if ix.Accounts == nil {
		return errors.New(`"accounts" is missing or null`)
	}
	for provider, accounts := range ix.Accounts {
		if provider == "" {
			return errors.New("an account list has an empty provider name")
		}
		if len(accounts) == 0 {
			return fmt.Errorf("provider %q has an empty account list", provider)
		}
		for _, a := range accounts {
			if a == "" {
				return fmt.Errorf("provider %q has an account with an empty name", provider)
			}
		}
		if _, ok := ix.resolve(provider, ""); !ok {
			return fmt.Errorf("provider %q has no default among its accounts", provider)
		}
	}
	for provider := range ix.Default {
		if _, ok := ix.Accounts[provider]; !ok {
			return fmt.Errorf("provider %q has a default but no accounts", provider)
		}
	}
	return nil
}

// decodeCredential reads the credential stored under key ("provider:account").
func decodeCredential(key string, data []byte) (*Credential, error) {
	var cred *Credential
	if err := decodeStrict(data, &cred); err != nil {
		return nil, err
	}
	return cred, checkCredential(key, cred)
}

func checkCredential(key string, cred *Credential) error {
	if cred == nil {
		return errors.New("null instead of a credential")
	}
	if cred.Provider == "" || cred.Account == "" {
		return errors.New("the credential names no provider or account")
	}
	if got := entryKey(cred.Provider, cred.Account); got != key {
		return fmt.Errorf("the credential for %q is filed under %q", got, key)
	}
	return nil
}

// decodeFileContents reads the file store's credentials.json.
func decodeFileContents(data []byte) (*fileContents, error) {
	var c *fileContents
	if err := decodeStrict(data, &c); err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("null instead of the store's contents")
	}
	if c.Index == nil {
		return nil, errors.New(`"index" is missing or null`)
	}
	if err := c.Index.validate(); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	if c.Credentials == nil {
		return nil, errors.New(`"credentials" is missing or null`)
	}
	for key, cred := range c.Credentials {
		if err := checkCredential(key, cred); err != nil {
			return nil, fmt.Errorf("credential %q: %w", key, err)
		}
	}
	return c, nil
}

// decodeStrict decodes exactly one JSON value into v; trailing data is an error.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}
