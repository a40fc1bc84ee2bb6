package secrets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// DefaultFilePath is where the secrets file lives unless configured.
const DefaultFilePath = ".pipe/secrets.yml"

// File is the secrets file: a YAML mapping of name to value, such as
//
//	snyk_token: "0f3c..."
//	snyk.refresh_token: "..."
//
// A missing file is an empty store. A file that group or others may read
// (any mode bit outside 0700) is refused with an *InsecureFileError. Put
// and Delete rewrite the whole file atomically (temporary file, fsync,
// rename, mode 0600) under a lock on the sibling file <path>.lock, so
// processes that share the file do not lose each other's writes.
// Rewriting keeps every value but not comments or key order (keys are
// written sorted).
type File struct {
	path string
	mu   sync.Mutex // serialises this process's writers; the flock serialises processes
}

// NewFile returns the secrets file store at path ("" means DefaultFilePath).
func NewFile(path string) *File {
	if path == "" {
		path = DefaultFilePath
	}
	return &File{path: path}
}

// Path returns the file's path as configured.
func (f *File) Path() string { return f.path }

// Get returns the value of name from the file as it is on disk now.
func (f *File) Get(_ context.Context, name string) (string, error) {
	m, err := f.read()
	if err != nil {
		return "", err
	}
	v, ok := m[name]
	if !ok {
		return "", fmt.Errorf("secrets file %s: %q: %w", f.path, name, ErrNotFound)
	}
	return v, nil
}

// Put stores value under name, creating the file (mode 0600) and its
// directory (mode 0700) if needed.
func (f *File) Put(ctx context.Context, name, value string) error {
	if err := checkWritable(name, value); err != nil {
		return fmt.Errorf("secrets file %s: %w", f.path, err)
	}
	return f.update(ctx, func(m map[string]string) bool {
		if old, ok := m[name]; ok && old == value {
			return false
		}
		m[name] = value
		return true
	})
}

// Delete removes name from the file; a name that is not there is not an error.
func (f *File) Delete(ctx context.Context, name string) error {
	return f.update(ctx, func(m map[string]string) bool {
		if _, ok := m[name]; !ok {
			return false
		}
		delete(m, name)
		return true
	})
}

// Describe says where name is kept.
func (f *File) Describe(name string) string {
	return fmt.Sprintf("secrets file %s (key %q)", f.path, name)
}

// update applies change to the file's mapping under both locks and writes
// the result if change reports that something changed.
func (f *File) update(ctx context.Context, change func(map[string]string) bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return fmt.Errorf("secrets file %s: %w", f.path, err)
	}
	unlock, err := LockFile(ctx, f.path+".lock")
	if err != nil {
		return fmt.Errorf("secrets file %s: lock: %w", f.path, err)
	}
	defer unlock()
	m, err := f.read()
	if err != nil {
		return err
	}
	if !change(m) {
		return nil
	}
	if err := writeAtomic(f.path, encodeSecrets(m)); err != nil {
		return fmt.Errorf("secrets file %s: %w", f.path, err)
	}
	return nil
}

// read loads the mapping, refusing files that others can read.
func (f *File) read() (map[string]string, error) {
	fh, err := os.Open(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secrets file %s: %w", f.path, err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("secrets file %s: %w", f.path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("secrets file %s: not a regular file", f.path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, &InsecureFileError{Path: f.path, Mode: fi.Mode().Perm()}
	}
	data, err := readAll(fh, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("secrets file %s: %w", f.path, err)
	}
	m, err := decodeSecrets(data)
	if err != nil {
		return nil, fmt.Errorf("secrets file %s: %w", f.path, err)
	}
	return m, nil
}

// InsecureFileError is returned for a secrets file whose mode lets group
// or others read or write it. It matches ErrInsecure.
type InsecureFileError struct {
	Path string
	Mode fs.FileMode
}

// Error tells the user the command that fixes it.
func (e *InsecureFileError) Error() string {
	return fmt.Sprintf("secrets file %s has mode %04o; run chmod 600 %s", e.Path, uint32(e.Mode), e.Path)
}

// Is reports whether target is ErrInsecure.
func (e *InsecureFileError) Is(target error) bool { return target == ErrInsecure }

// sortedKeys returns m's keys in order, for stable output.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var (
	_ Writer    = (*File)(nil)
	_ Describer = (*File)(nil)
)
