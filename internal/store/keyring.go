package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
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
	// maxChunks bounds a split entry (2 MB): a larger count in a header is corrupt.
	maxChunks = 1000
)

// KeyringTimeout bounds every keyring call: go-keyring has no timeout of its own.
var KeyringTimeout = 5 * time.Second

// Keyring keeps credentials in the OS keyring (Secret Service on Linux).
type Keyring struct {
	locks Locks // the index lock, a lock file in the state directory
}

func openKeyring(stateDir string) (*Keyring, error) {
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		// Without an address godbus would autolaunch a bus daemon of its own.
		return nil, keyringError("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)", nil)
	}
	k := &Keyring{locks: Locks{Dir: stateDir}}
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
		return zero, keyringError(fmt.Sprintf("the keyring did not answer within %s", KeyringTimeout), nil)
	}
}

// useFileStore names the three ways to choose the file store instead.
const useFileStore = `to keep tokens in a file instead, use --store file, AUTHCTL_STORE=file or "store: file" in the config file`

// keyringError says in words why the keyring cannot be used, and how to do without it.
func keyringError(cause string, err error) *UnavailableError {
	return &UnavailableError{Store: KindKeyring, Cause: cause + "; " + useFileStore, Err: err}
}

// keyringUnavailable names the cause of a failed keyring call: go-keyring and
// godbus return bare texts, so these are matched as they read on Linux.
func keyringUnavailable(err error) error {
	msg := err.Error()
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	var dial *net.OpError
	switch {
	case strings.Contains(msg, "org.freedesktop.secrets was not provided"), strings.Contains(msg, "ServiceUnknown"):
		return keyringError("no Secret Service on the D-Bus session bus (is gnome-keyring or KeePassXC running?)", err)
	case strings.Contains(msg, "failed to unlock"), strings.Contains(msg, "dismissed"), strings.Contains(strings.ToLower(msg), "locked"):
		// A locked collection, or none yet (aliases/default), that no prompt could unlock.
		return keyringError("the keyring is locked and could not be unlocked here (unlock it in your desktop session, or run gnome-keyring-daemon --unlock)", err)
	case errors.As(err, &dial):
		return keyringError(fmt.Sprintf("the D-Bus session bus at DBUS_SESSION_BUS_ADDRESS=%q cannot be reached (%v)", addr, dial.Err), err)
	case strings.Contains(msg, "invalid bus address"), strings.Contains(msg, "unknown transport"):
		return keyringError(fmt.Sprintf("DBUS_SESSION_BUS_ADDRESS=%q is not a usable D-Bus address", addr), err)
	}
	return keyringError("keyring: "+msg, err)
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

// A value larger than chunkSize is written as numbered parts of a new
// generation (user#GEN#1, user#GEN#2, …) before the main entry is switched to
// "authctl-chunks:GEN:N"; only then are the previous parts deleted. A reader
// therefore sees either the whole old value or the whole new one, never parts
// of both, and a write cut off half way leaves the old value readable.

// getValue reads an entry, reassembling a split one. When a concurrent write
// removes the parts it was reading, it reads the new header and parts again.
func getValue(user string) (string, error) {
	var missing error
	for range 3 {
		v, err := get(user)
		if err != nil {
			return "", err
		}
		gen, n, split := chunkHeaderOf(v)
		if !split {
			return v, nil
		}
		if v, missing, err = getParts(user, gen, n); err != nil || missing == nil {
			return v, err
		}
	}
	// Three reads in a row found a part missing: no concurrent write explains that.
	return "", corruptEntry(user, missing)
}

// getParts reassembles the n parts of generation gen of a split entry;
// missing tells which part was not there.
func getParts(user, gen string, n int) (value string, missing, err error) {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		part, err := get(chunkUser(user, gen, i))
		if errors.Is(err, keyring.ErrNotFound) {
			return "", fmt.Errorf("read part %d of %d: it is missing", i, n), nil
		}
		if err != nil {
			return "", nil, fmt.Errorf("read part %d of %d of %s: %w", i, n, user, err)
		}
		b.WriteString(part)
	}
	return b.String(), nil, nil
}

// corruptEntry reports a keyring entry authctl cannot use, by name, with the way out.
func corruptEntry(user string, err error) error {
	return &UnavailableError{Store: KindKeyring, Err: err,
		Cause: fmt.Sprintf("the keyring entry %q (service %q) is corrupt (%v); delete it (secret-tool clear service %s username %s) and log in again",
			user, Service, err, Service, shellQuote(user))}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@#") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// setValue writes an entry, split into chunkSize parts of a new generation
// when it is larger, then removes the parts of the value it replaced.
func setValue(user, value string) error {
	oldGen, oldN := "", 0
	if prev, err := get(user); err == nil {
		oldGen, oldN, _ = chunkHeaderOf(prev)
	}
	main := value
	if len(value) > chunkSize {
		gen, err := newGeneration()
		if err != nil {
			return err
		}
		n := (len(value) + chunkSize - 1) / chunkSize
		if n > maxChunks {
			return fmt.Errorf("keyring entry %s: %d bytes is more than the keyring store keeps", user, len(value))
		}
		for i := 1; i <= n; i++ {
			part := value[(i-1)*chunkSize : min(i*chunkSize, len(value))]
			if err := set(chunkUser(user, gen, i), part); err != nil {
				return err
			}
		}
		main = chunkHeader + gen + ":" + strconv.Itoa(n)
	}
	if err := set(user, main); err != nil {
		return err
	}
	return deleteParts(user, oldGen, oldN)
}

func deleteValue(user string) error {
	if prev, err := get(user); err == nil {
		gen, n, _ := chunkHeaderOf(prev)
		if err := deleteParts(user, gen, n); err != nil {
			return err
		}
	}
	return del(user)
}

func deleteParts(user, gen string, n int) error {
	for i := 1; i <= n; i++ {
		if err := del(chunkUser(user, gen, i)); err != nil {
			return err
		}
	}
	return nil
}

// chunkHeaderOf reads a split entry's header: "authctl-chunks:GEN:N", or the
// "authctl-chunks:N" of earlier versions, whose parts have no generation.
func chunkHeaderOf(v string) (gen string, n int, split bool) {
	rest, ok := strings.CutPrefix(v, chunkHeader)
	if !ok {
		return "", 0, false
	}
	if g, count, ok := strings.Cut(rest, ":"); ok {
		gen, rest = g, count
	}
	n, err := strconv.Atoi(rest)
	return gen, n, err == nil && n > 0 && n <= maxChunks
}

// chunkUser names part i of a split entry's generation gen.
func chunkUser(user, gen string, i int) string {
	if gen == "" {
		return user + "#" + strconv.Itoa(i)
	}
	return user + "#" + gen + "#" + strconv.Itoa(i)
}

// newGeneration names the parts of one write of a split entry.
func newGeneration() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

func (k *Keyring) readIndex() (*index, error) {
	v, err := getValue(indexUser)
	if errors.Is(err, keyring.ErrNotFound) {
		return newIndex(), nil
	}
	if err != nil {
		return nil, err
	}
	ix, err := decodeIndex([]byte(v))
	if err != nil {
		return nil, corruptEntry(indexUser, err)
	}
	return ix, nil
}

// updateIndex changes the index under the store-wide lock, so that parallel
// logins do not drop each other's accounts.
func (k *Keyring) updateIndex(ctx context.Context, fn func(*index) error) error {
	unlock, err := k.locks.Lock(ctx, indexUser, "")
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
	cred, err := decodeCredential(entryKey(provider, name), []byte(v))
	if err != nil {
		return nil, corruptEntry(entryKey(provider, name), err)
	}
	return cred, nil
}

// Put implements Store.
func (k *Keyring) Put(ctx context.Context, cred *Credential) error {
	if cred.Provider == "" {
		return errNoProvider
	}
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
