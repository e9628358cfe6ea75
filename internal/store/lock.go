package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// LockTimeout is how long a process waits for another one's refresh.
const LockTimeout = 60 * time.Second

// Fresh reports whether cred can be used for at least minTTL from now.
func Fresh(cred *Credential, now time.Time, minTTL time.Duration) bool {
	return cred.AccessToken != "" && (cred.Expiry.IsZero() || cred.Expiry.Sub(now) > minTTL)
}

// EnsureFresh returns the stored credential when it is valid for minTTL
// (without locking: the common path stays cheap). Otherwise it takes the
// cross-process lock for that account, re-reads the credential — another
// process may have refreshed it meanwhile — and only then calls refresh,
// saving the rotated credential before returning it. refreshed tells whether
// this call refreshed.
//
// stale, when not empty, is an access token the caller knows to be unusable
// (the provider answered 401 to it, or the user asked to replace it): the
// credential is refreshed unless the stored token is no longer that one, so a
// token another process has just obtained is used, not refreshed away.
func (l Locks) EnsureFresh(ctx context.Context, s Store, provider, account string, minTTL time.Duration, stale string,
	refresh func(context.Context, *Credential) (*Credential, error)) (cred *Credential, refreshed bool, err error) {
	return l.ensure(ctx, s, provider, account, minTTL, stale, false, refresh)
}

// EnsureCached is EnsureFresh for a cache: when nothing is stored yet, obtain
// is called with nil (under the lock, after a second look) and its answer
// stored. Parallel processes that miss the cache obtain the value once.
func (l Locks) EnsureCached(ctx context.Context, s Store, provider, account string, minTTL time.Duration,
	obtain func(context.Context, *Credential) (*Credential, error)) (*Credential, error) {
	cred, _, err := l.ensure(ctx, s, provider, account, minTTL, "", true, obtain)
	return cred, err
}

func (l Locks) ensure(ctx context.Context, s Store, provider, account string, minTTL time.Duration, stale string, missingOK bool,
	refresh func(context.Context, *Credential) (*Credential, error)) (*Credential, bool, error) {
	usable := func(c *Credential) bool {
		return c != nil && Fresh(c, l.Now(), minTTL) && (stale == "" || c.AccessToken != stale)
	}
	get := func(account string) (*Credential, error) {
		c, err := s.Get(ctx, provider, account)
		if missingOK && errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return c, err
	}
	cred, err := get(account)
	if err != nil {
		return nil, false, err
	}
	if usable(cred) {
		return cred, false, nil
	}
	if cred != nil {
		account = cred.Account
	}
	unlock, err := l.Lock(ctx, provider, account)
	if err != nil {
		return nil, false, err
	}
	defer unlock()

	current, err := get(account)
	if err != nil {
		return nil, false, err
	}
	if usable(current) {
		return current, false, nil
	}
	next, err := refresh(ctx, current)
	if err != nil {
		return nil, false, err
	}
	next.Provider, next.Account = provider, account
	if current != nil {
		if next.RefreshToken == "" {
			next.RefreshToken = current.RefreshToken
		}
		next.Account = current.Account
		if next.UserID == "" && next.UserName == "" {
			next.UserID, next.UserName = current.UserID, current.UserName
		}
	}
	if err := s.Put(ctx, next); err != nil {
		return nil, false, fmt.Errorf("save refreshed credential: %w", err)
	}
	return next, true, nil
}

// Locks are the cross-process locks of credentials: lock files under
// Dir/locks (Dir is the state directory), and the clock that decides
// freshness under them.
type Locks struct {
	Dir string
	Now func() time.Time
}

// Lock takes the cross-process lock of provider/account (a lock file,
// portable through gofrs/flock), waiting up to LockTimeout, and returns its
// release.
func (l Locks) Lock(ctx context.Context, provider, account string) (func(), error) {
	if l.Dir == "" {
		err := errors.New("no state directory for lock files: set XDG_STATE_HOME or HOME")
		return nil, &UnavailableError{Store: "lock", Cause: err.Error(), Err: err}
	}
	dir := l.Dir
	locks := filepath.Join(dir, "locks")
	if err := os.MkdirAll(locks, 0o700); err != nil {
		return nil, &UnavailableError{Store: "lock", Cause: err.Error(), Err: err}
	}
	// Whoever controls these directories could hold every refresh lock, or swap the lock files.
	for _, d := range []string{dir, locks} {
		if err := checkPrivate(d, true); err != nil {
			return nil, &UnavailableError{Store: "lock", Cause: err.Error(), Err: err}
		}
	}
	lock := flock.New(filepath.Join(locks, fmt.Sprintf("%x.lock", entryKey(provider, account))))
	waitCtx, cancel := context.WithTimeout(ctx, LockTimeout)
	defer cancel()
	ok, err := lock.TryLockContext(waitCtx, 10*time.Millisecond)
	if !ok {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &UnavailableError{Store: "lock", Cause: fmt.Sprintf("refresh lock for %s: %v", entryKey(provider, account), lockCause(err)), Err: err}
	}
	return func() { lock.Unlock() }, nil
}

func lockCause(err error) error {
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("another authctl process held it for %s", LockTimeout)
	}
	return err
}
