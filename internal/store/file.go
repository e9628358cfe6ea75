package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/gofrs/flock"

	"github.com/authctl/authctl/internal/nofollow"
)

// fileName is the credential file inside the state directory.
const fileName = "credentials.json"

// File keeps credentials unencrypted in one JSON file, mode 0600, in a 0700
// directory. Writes are atomic and serialised across processes by a lock file.
type File struct {
	dir string
}

type fileContents struct {
	Index       *index                 `json:"index"`
	Credentials map[string]*Credential `json:"credentials"`
}

// OpenFile opens the file store in dir, creating dir (0700) when missing. A
// directory or file that is a symbolic link, belongs to another user or is
// accessible by others is refused rather than used.
func OpenFile(dir string, warn io.Writer) (*File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fileUnavailable(fmt.Sprintf("create %s: %v", dir, err), err)
	}
	if err := checkPrivate(dir, true); err != nil {
		return nil, fileUnavailable(err.Error(), err)
	}
	if err := checkPrivate(filepath.Join(dir, fileName), false); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fileUnavailable(err.Error(), err)
	}
	if warn != nil {
		fmt.Fprintf(warn, "warning: tokens are stored unencrypted in %s (file store)\n", filepath.Join(dir, fileName))
	}
	return &File{dir: dir}, nil
}

// checkPrivate checks path itself, never what a symbolic link points to.
func checkPrivate(path string, wantDir bool) error {
	info, err := os.Lstat(path)
	if err != nil {
		return err
	}
	return checkInfo(path, info, wantDir)
}

// checkInfo requires a directory or regular file of the current user that
// no other user can access.
func checkInfo(path string, info fs.FileInfo, wantDir bool) error {
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link, which authctl does not follow; replace it with a real %s", path, kindName(wantDir))
	case wantDir && !info.IsDir(), !wantDir && !info.Mode().IsRegular():
		return fmt.Errorf("%s is not a %s", path, kindName(wantDir))
	}
	if uid, known := ownerOf(info); known && uid != os.Geteuid() {
		return fmt.Errorf("%s belongs to uid %d, not to you (uid %d); someone else may have planted it: move it away and log in again", path, uid, os.Geteuid())
	}
	if info.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s is accessible by other users (mode %04o); run chmod go-rwx %s", path, info.Mode().Perm(), path)
	}
	return nil
}

func kindName(dir bool) string {
	if dir {
		return "directory"
	}
	return "regular file"
}

func fileUnavailable(cause string, err error) error {
	return &UnavailableError{Store: KindFile, Cause: cause, Err: err}
}

// Name implements Store.
func (s *File) Name() string { return KindFile }

// Path is the credential file.
func (s *File) Path() string { return filepath.Join(s.dir, fileName) }

func (s *File) read() (*fileContents, error) {
	f, err := os.OpenFile(s.Path(), os.O_RDONLY|nofollow.Flag, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return &fileContents{Index: newIndex(), Credentials: map[string]*Credential{}}, nil
	}
	if err != nil {
		// ELOOP from O_NOFOLLOW and any other refusal get the same checks as at open.
		if cerr := checkPrivate(s.Path(), false); cerr != nil && !errors.Is(cerr, fs.ErrNotExist) {
			return nil, fileUnavailable(cerr.Error(), cerr)
		}
		return nil, fileUnavailable(err.Error(), err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fileUnavailable(err.Error(), err)
	}
	if err := checkInfo(s.Path(), info, false); err != nil {
		return nil, fileUnavailable(err.Error(), err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fileUnavailable(fmt.Sprintf("read %s: %v", s.Path(), err), err)
	}
	c, err := decodeFileContents(data)
	if err != nil {
		return nil, fileUnavailable(fmt.Sprintf("%s is corrupt (%v); move it away and log in again", s.Path(), err), err)
	}
	return c, nil
}

// write replaces the file atomically: temp file, fsync, rename.
func (s *File) write(c *fileContents) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, ".credentials-*.tmp")
	if err != nil {
		return fileUnavailable(err.Error(), err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		if _, err = tmp.Write(data); err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), s.Path())
		}
	}
	if err != nil {
		tmp.Close()
		return fileUnavailable(fmt.Sprintf("write %s: %v", s.Path(), err), err)
	}
	return nil
}

// update runs fn on the contents under the store-wide lock and writes the
// result, so concurrent processes never lose each other's writes.
func (s *File) update(ctx context.Context, fn func(*fileContents) error) error {
	lock := flock.New(filepath.Join(s.dir, ".credentials.lock"))
	ctx, cancel := context.WithTimeout(ctx, LockTimeout)
	defer cancel()
	ok, err := lock.TryLockContext(ctx, 10*time.Millisecond)
	if !ok {
		return fileUnavailable(fmt.Sprintf("could not lock %s: %v", s.Path(), lockCause(err)), err)
	}
	defer lock.Unlock()
	c, err := s.read()
	if err != nil {
		return err
	}
	if err := fn(c); err != nil {
		return err
	}
	return s.write(c)
}

// Get implements Store.
func (s *File) Get(_ context.Context, provider, account string) (*Credential, error) {
	c, err := s.read()
	if err != nil {
		return nil, err
	}
	name, ok := c.Index.resolve(provider, account)
	cred := c.Credentials[entryKey(provider, name)]
	if !ok || cred == nil {
		return nil, ErrNotFound
	}
	return cred, nil
}

// Put implements Store.
func (s *File) Put(ctx context.Context, cred *Credential) error {
	if cred.Provider == "" {
		return errNoProvider
	}
	return s.update(ctx, func(c *fileContents) error {
		cred.Account = c.Index.accountFor(cred)
		c.Index.add(cred.Provider, cred.Account)
		c.Credentials[entryKey(cred.Provider, cred.Account)] = cred
		return nil
	})
}

// Delete implements Store.
func (s *File) Delete(ctx context.Context, provider, account string) error {
	return s.update(ctx, func(c *fileContents) error {
		name, ok := c.Index.resolve(provider, account)
		if !ok {
			return ErrNotFound
		}
		c.Index.remove(provider, name)
		delete(c.Credentials, entryKey(provider, name))
		return nil
	})
}

// List implements Store.
func (s *File) List(context.Context) ([]*Credential, error) {
	c, err := s.read()
	if err != nil {
		return nil, err
	}
	var out []*Credential
	for _, cred := range c.Credentials {
		out = append(out, cred)
	}
	sortCredentials(out)
	return out, nil
}

func sortCredentials(creds []*Credential) {
	sort.Slice(creds, func(i, j int) bool {
		if creds[i].Provider != creds[j].Provider {
			return creds[i].Provider < creds[j].Provider
		}
		return creds[i].Account < creds[j].Account
	})
}
