package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// whyNotWritable says what keeps this process from writing the database
// at path, for an error SQLite words by its own codes ("unable to open
// database file", "attempt to write a readonly database"): a directory
// that does not exist, a directory this user cannot create files in
// (SQLite creates the database and, beside it, its -wal and -shm files),
// or a file this user cannot write. It returns "" when it finds none of
// these. It creates and removes a probe file in the directory.
func whyNotWritable(path string) string {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("directory %s does not exist: create it, or choose a database file in a directory that exists", dir)
	case err != nil:
		return fmt.Sprintf("directory %s cannot be read: %v", dir, err)
	case !fi.IsDir():
		return fmt.Sprintf("%s is not a directory", dir)
	}
	if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
		f.Close()
	} else if errors.Is(err, fs.ErrPermission) {
		return fmt.Sprintf("the file %s is not writable by this user: change its permissions, or run as its owner", path)
	}
	probe, err := os.CreateTemp(dir, ".pipe-probe-*")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Sprintf("directory %s is not writable by this user, and SQLite creates the database's -wal and -shm files beside it: change its permissions, or choose a database file in a writable directory", dir)
		}
		return fmt.Sprintf("cannot create a file in directory %s: %v", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return ""
}
