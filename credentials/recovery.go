package credentials

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// DefaultRecoveryDir is where recovery files are written unless configured.
const DefaultRecoveryDir = ".pipe"

// FallbackRecoveryDir is the second place a recovery file is written when
// the first cannot take it (a full or read-only disk): $PIPE_RECOVERY_DIR
// when set; else, of $XDG_STATE_HOME/pipe, ~/.local/state/pipe and
// $TMPDIR/pipe-recovery, the first on another filesystem than the working
// directory (a full disk there does not stop it), else the first of them;
// "" when none can be worked out. lookup defaults to os.LookupEnv.
func FallbackRecoveryDir(lookup func(string) (string, bool)) string {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if d, ok := lookup("PIPE_RECOVERY_DIR"); ok && d != "" {
		return d
	}
	var candidates []string
	if d, ok := lookup("XDG_STATE_HOME"); ok && filepath.IsAbs(d) {
		candidates = append(candidates, filepath.Join(d, "pipe"))
	}
	if h, ok := lookup("HOME"); ok && filepath.IsAbs(h) {
		candidates = append(candidates, filepath.Join(h, ".local", "state", "pipe"))
	}
	candidates = append(candidates, filepath.Join(os.TempDir(), "pipe-recovery"))
	if wd, err := os.Getwd(); err == nil {
		for _, c := range candidates {
			if !sameFilesystem(wd, c) {
				return c
			}
		}
	}
	return candidates[0]
}

// sameFilesystem reports whether b (or its nearest existing ancestor) is
// on a's filesystem; true when it cannot tell.
func sameFilesystem(a, b string) bool {
	for {
		if _, err := os.Stat(b); err == nil {
			break
		}
		up := filepath.Dir(b)
		if up == b {
			return true
		}
		b = up
	}
	da, ok1 := deviceOf(a)
	db, ok2 := deviceOf(b)
	return !ok1 || !ok2 || da == db
}

// A recovery file is <dir>/recovered-<label>-<UTC time>[-n].secret, mode
// 0600: the refresh token on the first line and, on the second,
// "replaces <hash>" where hash identifies the refresh token it succeeds
// (tokenHash; empty when unknown). The hash lets a later run tell a
// recovered token that is newer than the stored one (it replaces the
// stored one, or a recovered one that does) from a stale one (the store
// has since been given another token, by a login for instance).

// tokenHash identifies a refresh token without revealing it.
func tokenHash(token string) string {
	if token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:12])
}

// writeRecovery saves token to the first of dirs that takes it and
// returns the file's path; the error joins every directory's failure.
func writeRecovery(dirs []string, label, token, replaces string, now time.Time) (string, error) {
	var errs []error
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		path, err := writeRecoveryIn(dir, label, token, replaces, now)
		if err == nil {
			return path, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", dir, err))
	}
	if len(errs) == 0 {
		return "", errors.New("no recovery directory")
	}
	return "", errors.Join(errs...)
}

func writeRecoveryIn(dir, label, token, replaces string, now time.Time) (string, error) {
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
		_, err = f.WriteString(token + "\nreplaces " + tokenHash(replaces) + "\n")
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

// recoveryFile is one recovery file's content.
type recoveryFile struct {
	path, token, replaces string
}

// findRecovered reads label's recovery files in dirs, oldest first.
// Unreadable or malformed files are skipped.
func findRecovered(dirs []string, label string) []recoveryFile {
	re := regexp.MustCompile(`^recovered-` + regexp.QuoteMeta(strings.TrimLeft(fileName(label), ".")) + `-\d{8}T\d{6}Z(?:-\d+)?\.secret$`)
	var out []recoveryFile
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !re.MatchString(e.Name()) {
				continue
			}
			if f, ok := readRecovery(filepath.Join(dir, e.Name())); ok {
				out = append(out, f)
			}
		}
	}
	slices.SortFunc(out, func(a, b recoveryFile) int { return strings.Compare(filepath.Base(a.path), filepath.Base(b.path)) })
	return out
}

func readRecovery(path string) (recoveryFile, bool) {
	f, err := os.Open(path)
	if err != nil {
		return recoveryFile{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var lines []string
	for sc.Scan() && len(lines) < 3 {
		lines = append(lines, strings.TrimSpace(sc.Text()))
	}
	if len(lines) < 2 || lines[0] == "" {
		return recoveryFile{}, false
	}
	replaces, ok := strings.CutPrefix(lines[1], "replaces")
	if !ok {
		return recoveryFile{}, false
	}
	return recoveryFile{path: path, token: lines[0], replaces: strings.TrimSpace(replaces)}, true
}

// newestRecovered follows the chain of recovery files that starts at
// the stored token: a file replacing the stored token, a file replacing
// that file's token, and so on. It returns the chain's last token and
// every file of the chain; an empty chain means nothing recovered is
// newer than the stored token. A file whose predecessor is unknown
// ("replaces" empty) continues a chain only from an empty store.
func newestRecovered(files []recoveryFile, stored string) (string, []recoveryFile) {
	last := stored
	var chain []recoveryFile
	used := map[string]bool{}
	for {
		h := tokenHash(last)
		i := slices.IndexFunc(files, func(f recoveryFile) bool { return !used[f.path] && f.replaces == h })
		if i < 0 {
			break
		}
		used[files[i].path] = true
		chain = append(chain, files[i])
		last = files[i].token
	}
	// A file holding the stored token itself was put back by hand: done with.
	for _, f := range files {
		if !used[f.path] && f.token == stored {
			chain = append(chain, f)
		}
	}
	return last, chain
}

// Recover looks, before stored is spent, for a recovered refresh token
// newer than it (see newestRecovered) in the recovery directories. If
// there is one it is written to the store and returned, and its recovery
// files are removed, only after the write succeeded. With nothing to
// recover it returns stored. The caller holds the credential's lock.
func (r Rotation) Recover(ctx context.Context, stored string) (string, error) {
	token, chain := newestRecovered(findRecovered(r.dirs(), r.Label), stored)
	if len(chain) == 0 {
		return stored, nil
	}
	if token != stored {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		defer cancel()
		if err := r.Store.Put(wctx, r.Name, token); err != nil {
			return "", fmt.Errorf("credential %q: a recovered refresh token (%s) is newer than the stored one, but storing it in %s failed, so nothing was spent: %w",
				r.Label, chain[len(chain)-1].path, describe(r.Store, r.Name), err)
		}
	}
	var errs []error
	for _, f := range chain {
		if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		// The token is stored; a file left behind is stale and harmless.
		return token, &StaleRecoveryError{Err: errors.Join(errs...)}
	}
	return token, nil
}

// StaleRecoveryError reports recovery files whose token is stored but
// which could not be removed. The recovered token is usable.
type StaleRecoveryError struct{ Err error }

// Error says which files were left.
func (e *StaleRecoveryError) Error() string {
	return "recovered refresh token stored, but its recovery file was not removed: " + e.Err.Error()
}

// Unwrap returns the removal error.
func (e *StaleRecoveryError) Unwrap() error { return e.Err }

// dirs are the recovery directories in the order they are written.
func (r Rotation) dirs() []string {
	first := r.RecoveryDir
	if first == "" {
		first = DefaultRecoveryDir
	}
	if r.FallbackDir == "" || filepath.Clean(r.FallbackDir) == filepath.Clean(first) {
		return []string{first}
	}
	return []string{first, r.FallbackDir}
}
