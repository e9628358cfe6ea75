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
func EnsureFresh(ctx context.Context, s Store, provider, account string, minTTL time.Duration, stale string,
	refresh func(context.Context, *Credential) (*Credential, error)) (cred *Credential, refreshed bool, err error) {
	usable := func(c *Credential) bool {
		return Fresh(c, time.Now(), minTTL) && (stale == "" || c.AccessToken != stale)
	}
	cred, err = s.Get(ctx, provider, account)
	if err != nil {
		return nil, false, err
	}
	if usable(cred) {
		return cred, false, nil
	}
	unlock, err := Lock(ctx, provider, cred.Account)
	if err != nil {
		return nil, false, err
	}
	defer unlock()

	current, err := s.Get(ctx, provider, cred.Account)
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
	if next.RefreshToken == "" {
		next.RefreshToken = current.RefreshToken
	}
	next.Provider, next.Account = current.Provider, current.Account
	if next.UserID == "" && next.UserName == "" {
		next.UserID, next.UserName = current.UserID, current.UserName
	}
	if err := s.Put(ctx, next); err != nil {
		return nil, false, fmt.Errorf("save refreshed credential: %w", err)
	}
	return next, true, nil
}

// Lock takes the cross-process lock of provider/account (a lock file under
// StateDir, portable through gofrs/flock), waiting up to
// LockTimeout, and returns its release.
func Lock(ctx context.Context, provider, account string) (func(), error) {
	dir, err := StateDir()
	if err != nil {
		return nil, &UnavailableError{Store: "lock", Cause: err.Error(), Err: err}
	}
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
