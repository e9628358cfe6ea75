package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/authctl/authctl/internal/provider"
)

// errTestNotFound is testFileStore's "no such credential".
var errTestNotFound = errors.New("no stored credential")

// testFileStore stands in for internal/store's file store, which has not
// landed: one JSON file, atomic renames, and an flock for EnsureFresh, so the
// commands' refresh logic is exercised across goroutines as the contract
// describes. Replace it with store.Open once the store exists.
type testFileStore struct {
	dir string
	mu  sync.Mutex
}

func testCredentials(dir string) (*CredentialBackend, *testFileStore) {
	s := &testFileStore{dir: dir}
	return &CredentialBackend{
		Open:        func(string, io.Writer) (CredentialStore, error) { return s, nil },
		EnsureFresh: testEnsureFresh,
		NotFound:    errTestNotFound,
	}, s
}

func key(providerName, account string) string { return providerName + "\x00" + account }

func (s *testFileStore) Name() string { return "file" }

func (s *testFileStore) load() (map[string]*provider.Credential, error) {
	m := map[string]*provider.Credential{}
	data, err := os.ReadFile(filepath.Join(s.dir, "credentials.json"))
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	return m, json.Unmarshal(data, &m)
}

func (s *testFileStore) save(m map[string]*provider.Credential) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, "credentials-*.json")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(s.dir, "credentials.json"))
}

func (s *testFileStore) Get(_ context.Context, providerName, account string) (*provider.Credential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.load()
	if err != nil {
		return nil, err
	}
	c, ok := m[key(providerName, account)]
	if !ok {
		return nil, errTestNotFound
	}
	return c, nil
}

func (s *testFileStore) Put(_ context.Context, c *provider.Credential) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.load()
	if err != nil {
		return err
	}
	m[key(c.Provider, c.Account)] = c
	return s.save(m)
}

func (s *testFileStore) Delete(_ context.Context, providerName, account string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.load()
	if err != nil {
		return err
	}
	if _, ok := m[key(providerName, account)]; !ok {
		return errTestNotFound
	}
	delete(m, key(providerName, account))
	return s.save(m)
}

func (s *testFileStore) List(context.Context) ([]*provider.Credential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.load()
	if err != nil {
		return nil, err
	}
	out := make([]*provider.Credential, 0, len(m))
	for _, c := range m {
		out = append(out, c)
	}
	return out, nil
}

// testEnsureFresh follows the contract: lock, re-read, refresh only when
// still needed, save before returning.
func testEnsureFresh(ctx context.Context, cs CredentialStore, providerName, account string, minTTL time.Duration, force bool, refresh RefreshFunc) (*provider.Credential, bool, error) {
	s := cs.(*testFileStore)
	lock, err := os.OpenFile(filepath.Join(s.dir, "refresh.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, false, err
	}
	cred, err := s.Get(ctx, providerName, account)
	if err != nil {
		return nil, false, err
	}
	if !force && fresh(cred, time.Now(), minTTL) {
		return cred, false, nil
	}
	next, err := refresh(ctx, cred)
	if err != nil {
		return nil, false, err
	}
	return next, true, s.Put(ctx, next)
}
