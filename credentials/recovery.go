package credentials

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultRecoveryDir is where recovery files are written unless configured.
const DefaultRecoveryDir = ".pipe"

// writeRecovery saves a rotated refresh token that could not be stored to
// <dir>/recovered-<label>-<UTC timestamp>.secret, mode 0600, and returns
// its path. The file holds the token and a newline.
func writeRecovery(dir, label, token string, now time.Time) (string, error) {
	if dir == "" {
		dir = DefaultRecoveryDir
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	base := fmt.Sprintf("recovered-%s-%s", strings.TrimLeft(fileName(label), "."), now.UTC().Format("20060102T150405Z"))
	for i := 1; ; i++ {
		name := base + ".secret"
		if i > 1 {
			name = fmt.Sprintf("%s-%d.secret", base, i)
		}
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = f.WriteString(token + "\n")
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return "", err
		}
		return path, nil
	}
}
