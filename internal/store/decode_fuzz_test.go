package store

import (
	"encoding/json"
	"testing"
)

// Store content is untrusted input: whatever the decoders accept must be safe
// to use (no nil maps or credentials), survive the index operations with its
// invariants intact, and be written back and read again unchanged.

func FuzzDecodeFileContents(f *testing.F) {
	f.Add([]byte(`{"index":{"default":{"discord":"a"},"accounts":{"discord":["a"]}},"credentials":{"discord:a":{"provider":"discord","account":"a","access_token":"t"}}}`))
	f.Add([]byte(`{"index":{},"credentials":{"x":null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := decodeFileContents(data)
		if err != nil {
			return
		}
		for key, cred := range c.Credentials {
			if cred == nil || entryKey(cred.Provider, cred.Account) != key {
				t.Fatalf("accepted credential %q = %+v", key, cred)
			}
		}
		exerciseIndex(t, c.Index)
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("accepted contents cannot be written back: %v", err)
		}
		if _, err := decodeFileContents(again); err != nil {
			t.Fatalf("contents written back are refused: %v\n%s", err, again)
		}
	})
}

func FuzzDecodeIndex(f *testing.F) {
	f.Add([]byte(`{"default":{"discord":"a"},"accounts":{"discord":["a","b"]}}`))
	f.Add([]byte(`{"default":null,"accounts":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, err := decodeIndex(data)
		if err != nil {
			return
		}
		exerciseIndex(t, ix)
	})
}

func FuzzDecodeCredential(f *testing.F) {
	f.Add("discord:a", []byte(`{"provider":"discord","account":"a","access_token":"t","expiry":"2030-01-01T00:00:00Z","extra":{"k":[1,null]}}`))
	f.Add("x", []byte(`null`))
	f.Fuzz(func(t *testing.T, key string, data []byte) {
		cred, err := decodeCredential(key, data)
		if err != nil {
			return
		}
		if cred == nil || entryKey(cred.Provider, cred.Account) != key {
			t.Fatalf("accepted %+v under %q", cred, key)
		}
		again, err := json.Marshal(cred)
		if err != nil {
			t.Fatalf("accepted credential cannot be written back: %v", err)
		}
		if _, err := decodeCredential(key, again); err != nil {
			t.Fatalf("credential written back is refused: %v\n%s", err, again)
		}
	})
}

func FuzzChunkHeader(f *testing.F) {
	f.Add("authctl-chunks:0a1b2c3d4e5f:3")
	f.Add("authctl-chunks:2")
	f.Add("authctl-chunks:x:-1")
	f.Fuzz(func(t *testing.T, v string) {
		if _, n, split := chunkHeaderOf(v); split && (n < 1 || n > maxChunks) {
			t.Fatalf("%q read as %d parts", v, n)
		}
	})
}

// exerciseIndex runs the operations a login and a logout perform and checks
// that the index stays valid through them.
func exerciseIndex(t *testing.T, ix *index) {
	t.Helper()
	for provider, accounts := range ix.Accounts {
		if _, ok := ix.resolve(provider, ""); !ok {
			t.Fatalf("provider %q: no default after validation", provider)
		}
		ix.add(provider, "fuzz-new")
		ix.add("fuzz-provider", ix.accountFor(&Credential{Provider: "fuzz-provider"}))
		if err := ix.validate(); err != nil {
			t.Fatalf("after add: %v", err)
		}
		ix.remove(provider, accounts[0])
		if err := ix.validate(); err != nil {
			t.Fatalf("after remove: %v", err)
		}
		return
	}
}
