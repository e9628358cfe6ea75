package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

const (
	// Service is the keyring service every entry is stored under.
	Service = "authctl"
	// chunkSize keeps every entry below Windows' 2,560-byte limit and macOS's.
	chunkSize = 2000
	// chunkHeader marks an entry whose value is split over numbered entries.
	chunkHeader = "authctl-chunks:"
	indexUser   = "index"
)

// KeyringTimeout bounds every keyring call: go-keyring has no timeout of its own.
var KeyringTimeout = 5 * time.Second

// Keyring keeps credentials in the OS keyring (Secret Service on Linux).
type Keyring struct{}

func openKeyring() (*Keyring, error) {
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		// Without an address godbus would autolaunch a bus daemon of its own.
		return nil, &UnavailableError{Store: KindKeyring, Cause: "no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set); use --store file to keep tokens in a file"}
	}
	k := &Keyring{}
	if _, err := k.readIndex(); err != nil {
		return nil, err
	}
	return k, nil
}

// Name implements Store.
func (k *Keyring) Name() string { return KindKeyring }

// call runs one keyring operation under KeyringTimeout and names the cause of
// a failure in words.
func call[T any](op func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := op()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && !errors.Is(r.err, keyring.ErrNotFound) {
			return r.v, keyringUnavailable(r.err)
		}
		return r.v, r.err
	case <-time.After(KeyringTimeout):
		var zero T
		return zero, &UnavailableError{Store: KindKeyring, Cause: fmt.Sprintf("keyring timed out after %s", KeyringTimeout)}
	}
}

func keyringUnavailable(err error) error {
	msg := err.Error()
	cause := msg
	switch {
	case strings.Contains(msg, "org.freedesktop.secrets"), strings.Contains(msg, "ServiceUnknown"):
		cause = "no Secret Service on the session bus (is gnome-keyring or KeePassXC running?)"
	case strings.Contains(strings.ToLower(msg), "locked"), strings.Contains(msg, "dismissed"):
		cause = "keyring is locked"
	case strings.Contains(msg, "dbus"), strings.Contains(msg, "D-Bus"):
		cause = "D-Bus session bus: " + msg
	}
	return &UnavailableError{Store: KindKeyring, Cause: cause, Err: err}
}

func get(user string) (string, error) {
	return call(func() (string, error) { return keyring.Get(Service, user) })
}

func set(user, value string) error {
	_, err := call(func() (struct{}, error) { return struct{}{}, keyring.Set(Service, user, value) })
	return err
}

func del(user string) error {
	_, err := call(func() (struct{}, error) { return struct{}{}, keyring.Delete(Service, user) })
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return err
}

// getValue reads an entry, reassembling a split one.
func getValue(user string) (string, error) {
	v, err := get(user)
	if err != nil {
		return "", err
	}
	n, split := chunkCount(v)
	if !split {
		return v, nil
	}
	var b strings.Builder
	for i := 1; i <= n; i++ {
		part, err := get(chunkUser(user, i))
		if err != nil {
			return "", fmt.Errorf("read part %d of %d of %s: %w", i, n, user, err)
		}
		b.WriteString(part)
	}
	return b.String(), nil
}

// setValue writes an entry, split into chunkSize parts when it is larger, and
// removes parts left over from a longer earlier value.
func setValue(user, value string) error {
	old := 0
	if prev, err := get(user); err == nil {
		old, _ = chunkCount(prev)
	}
	if len(value) <= chunkSize {
		if err := set(user, value); err != nil {
			return err
		}
	} else {
		n := (len(value) + chunkSize - 1) / chunkSize
		for i := 1; i <= n; i++ {
			part := value[(i-1)*chunkSize : min(i*chunkSize, len(value))]
			if err := set(chunkUser(user, i), part); err != nil {
				return err
			}
		}
		if err := set(user, chunkHeader+strconv.Itoa(n)); err != nil {
			return err
		}
		for i := n + 1; i <= old; i++ { // parts beyond n are left over
			if err := del(chunkUser(user, i)); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 1; i <= old; i++ {
		if err := del(chunkUser(user, i)); err != nil {
			return err
		}
	}
	return nil
}

func deleteValue(user string) error {
	if prev, err := get(user); err == nil {
		n, _ := chunkCount(prev)
		for i := 1; i <= n; i++ {
			if err := del(chunkUser(user, i)); err != nil {
				return err
			}
		}
	}
	return del(user)
}

func chunkCount(v string) (int, bool) {
	if !strings.HasPrefix(v, chunkHeader) {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(v, chunkHeader))
	return n, err == nil && n > 0
}

func chunkUser(user string, i int) string { return user + "#" + strconv.Itoa(i) }

func (k *Keyring) readIndex() (*index, error) {
	v, err := getValue(indexUser)
	if errors.Is(err, keyring.ErrNotFound) {
		return newIndex(), nil
	}
	if err != nil {
		return nil, err
	}
	ix := newIndex()
	if err := json.Unmarshal([]byte(v), ix); err != nil {
		return nil, &UnavailableError{Store: KindKeyring, Cause: fmt.Sprintf("the authctl index entry is corrupt: %v", err), Err: err}
	}
	return ix, nil
}

// updateIndex changes the index under the store-wide lock, so that parallel
// logins do not drop each other's accounts.
func (k *Keyring) updateIndex(ctx context.Context, fn func(*index) error) error {
	unlock, err := Lock(ctx, indexUser, "")
	if err != nil {
		return err
	}
	defer unlock()
	ix, err := k.readIndex()
	if err != nil {
		return err
	}
	if err := fn(ix); err != nil {
		return err
	}
	data, err := json.Marshal(ix)
	if err != nil {
		return err
	}
	return setValue(indexUser, string(data))
}

// Get implements Store.
func (k *Keyring) Get(_ context.Context, provider, account string) (*Credential, error) {
	ix, err := k.readIndex()
	if err != nil {
		return nil, err
	}
	name, ok := ix.resolve(provider, account)
	if !ok {
		return nil, ErrNotFound
	}
	v, err := getValue(entryKey(provider, name))
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	cred := &Credential{}
	if err := json.Unmarshal([]byte(v), cred); err != nil {
		return nil, &UnavailableError{Store: KindKeyring, Cause: fmt.Sprintf("the entry %s is corrupt: %v", entryKey(provider, name), err), Err: err}
	}
	return cred, nil
}

// Put implements Store.
func (k *Keyring) Put(ctx context.Context, cred *Credential) error {
	return k.updateIndex(ctx, func(ix *index) error {
		cred.Account = ix.accountFor(cred)
		data, err := json.Marshal(cred)
		if err != nil {
			return err
		}
		if err := setValue(entryKey(cred.Provider, cred.Account), string(data)); err != nil {
			return err
		}
		ix.add(cred.Provider, cred.Account)
		return nil
	})
}

// Delete implements Store.
func (k *Keyring) Delete(ctx context.Context, provider, account string) error {
	return k.updateIndex(ctx, func(ix *index) error {
		name, ok := ix.resolve(provider, account)
		if !ok {
			return ErrNotFound
		}
		if err := deleteValue(entryKey(provider, name)); err != nil {
			return err
		}
		ix.remove(provider, name)
		return nil
	})
}

// List implements Store.
func (k *Keyring) List(ctx context.Context) ([]*Credential, error) {
	ix, err := k.readIndex()
	if err != nil {
		return nil, err
	}
	var out []*Credential
	for provider, accounts := range ix.Accounts {
		for _, a := range accounts {
			cred, err := k.Get(ctx, provider, a)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, cred)
		}
	}
	sortCredentials(out)
	return out, nil
}
