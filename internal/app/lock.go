package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/store"
)

// lockWait bounds how long a caller waits for another process minting the same token.
const lockWait = 60 * time.Second

// LockMint takes an exclusive cross-process lock for one cached app credential, so that
// parallel callers mint it once; it returns the release.
func LockMint(ctx context.Context, key string) (func(), error) {
	dir, err := store.StateDir()
	if err != nil {
		return nil, exitcode.New(exitcode.Store, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, exitcode.New(exitcode.Store, fmt.Errorf("create %s: %w", dir, err))
	}
	name := filepath.Join(dir, "app-"+strings.NewReplacer(":", "_", "/", "_").Replace(key)+".lock")
	file, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, exitcode.New(exitcode.Store, fmt.Errorf("open lock: %w", err))
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := syscall.Flock(int(file.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { file.Close() }, nil
		}
		if time.Now().After(deadline) {
			file.Close()
			return nil, exitcode.Errorf(exitcode.Store, "another authctl has held the lock of %s for %s", key, lockWait)
		}
		select {
		case <-ctx.Done():
			file.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond): // poll: flock has no timeout
		}
	}
}
