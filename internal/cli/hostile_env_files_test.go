package cli

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pipe-etl/pipe/internal/dbcheck"
)

// TestSQLiteDestinationThatCannotBeUsed: a --dest whose directory does
// not exist, or which is a file but not a SQLite database (random bytes,
// a Postgres dump), fails the run before any request, naming the file
// and what is wrong, and creates or changes nothing.
func TestSQLiteDestinationThatCannotBeUsed(t *testing.T) {
	random := make([]byte, 64<<10)
	_, _ = rand.Read(random)
	pgDump := []byte("--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\nCREATE TABLE public.items (id text);\nCOPY public.items (id) FROM stdin;\np1-i001\n\\.\n")
	for _, tt := range []struct {
		name    string
		content []byte // the file at the path; nil for none
		dir     string // the path's directory, under the test's; "" for the test's
		want    []string
	}{
		{name: "directory does not exist", dir: "no/such/dir", want: []string{"no/such/dir/env.db", "directory " + string(filepath.Separator), "no/such/dir does not exist: create it"}},
		{name: "random bytes", content: random, want: []string{"env.db", "not a database"}},
		{name: "a Postgres dump", content: pgDump, want: []string{"env.db", "not a database"}},
		{name: "a directory", dir: "", content: []byte{}, want: []string{"env.db"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			a := newEnvAPI(t, 2, 5)
			spec := writeEnvSpec(t, root)
			dir := filepath.Join(root, tt.dir)
			path := filepath.Join(dir, "env.db")
			if tt.name == "a directory" {
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			} else if tt.content != nil {
				if err := os.WriteFile(path, tt.content, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before := listDir(t, root)
			code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...)
			if code == ExitOK {
				t.Fatalf("exit 0 loading into %s\n%s%s", tt.name, stdout, stderr)
			}
			t.Logf("stderr: %s", stderr)
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
			noEnvSecret(t, "the output", stdout+stderr)
			if n := a.served.Load(); n != 0 {
				t.Errorf("%d requests sent with no database to load into", n)
			}
			if after := listDir(t, root); after != before {
				t.Errorf("files before the run:\n%s\nafter:\n%s", before, after)
			}
			if tt.content != nil && tt.name != "a directory" {
				got, err := os.ReadFile(path)
				if err != nil || !bytes.Equal(got, tt.content) {
					t.Errorf("the file was changed (%v)", err)
				}
			}
		})
	}
}

// listDir lists every file under root with its size, one a line.
func listDir(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b.WriteString(rel)
		if !fi.IsDir() {
			b.WriteString(" " + fi.Mode().String())
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// nobody is the user a root test runs pipe as, for permissions to apply.
const nobody = 65534

// TestSQLiteDestinationReadOnly: a database file that pipe may read but
// not write, or in a directory where it cannot create the WAL, fails the
// run naming the file, leaves it as it was, and once writable again a
// run loads exactly what the API holds. Run as root, pipe runs as nobody
// (root ignores file modes).
func TestSQLiteDestinationReadOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for _, tt := range []struct {
		name string
		want []string
	}{
		{"read-only file", []string{"env.db", "readonly", "db/env.db is not writable by this user"}},
		{"read-only directory", []string{"env.db", "directory ", "/db is not writable by this user", "-wal and -shm"}},
		{"lock file of another user", []string{"env.db-pipelock", "permission denied"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for _, d := range []string{filepath.Dir(root), root} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			dbDir := filepath.Join(root, "db")
			if err := os.Mkdir(dbDir, 0o755); err != nil {
				t.Fatal(err)
			}
			a := newEnvAPI(t, 2, 30)
			spec, path := writeEnvSpec(t, root), filepath.Join(dbDir, "env.db")
			if err := os.Chmod(spec, 0o644); err != nil {
				t.Fatal(err)
			}
			if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
				t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
			}
			before := sqliteDump(t, path)
			loadsBefore := loadStatuses(t, dbcheck.Open(t, path), "_pipe_loads")
			a.Change()

			bin := os.Args[0]
			asRoot := os.Getuid() == 0
			if asRoot {
				bin = binaryFor(t, root)
			}
			var restore []func()
			lock := func(p string, mode os.FileMode, owner int) {
				if asRoot {
					if err := os.Chown(p, owner, owner); err != nil {
						t.Fatal(err)
					}
					restore = append(restore, func() { _ = os.Chown(p, 0, 0) })
					return
				}
				if err := os.Chmod(p, mode); err != nil {
					t.Fatal(err)
				}
				restore = append(restore, func() { _ = os.Chmod(p, 0o755) })
			}
			switch tt.name {
			case "read-only file": // the directory and lock file are pipe's, the database is not
				lock(dbDir, 0o755, nobody)
				lock(path+"-pipelock", 0o600, nobody)
				if !asRoot {
					lock(path, 0o444, 0)
				}
			case "read-only directory": // the files are pipe's, the directory is not
				lock(path, 0o644, nobody)
				lock(path+"-pipelock", 0o600, nobody)
				if !asRoot {
					lock(dbDir, 0o555, 0)
				}
			case "lock file of another user": // left by a run as root
				lock(dbDir, 0o755, nobody)
				lock(path, 0o644, nobody)
				if !asRoot {
					lock(path+"-pipelock", 0o400, 0)
				}
			}
			var out bytes.Buffer
			cmd := envChild(t, bin, envArgs(spec, a, path), "", &out)
			cmd.Dir = root
			if asRoot {
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
			}
			code, sig := childExit(cmd.Run())
			t.Logf("exit %d, output:\n%s", code, out.String())
			if code == ExitOK || sig != 0 {
				t.Errorf("exit %d (signal %v) loading into a %s, want 1", code, sig, tt.name)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output does not say %q", w)
				}
			}
			noEnvSecret(t, "the output", out.String())
			for _, f := range restore {
				f()
			}
			if after := sqliteDump(t, path); after != before {
				t.Errorf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if got := loadStatuses(t, dbcheck.Open(t, path), "_pipe_loads"); len(got) != len(loadsBefore) {
				t.Errorf("loads before %v, after %v", loadsBefore, got)
			}
			if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
				t.Fatalf("run once writable: exit %d\n%s%s", code, stdout, stderr)
			}
			checkEnvTables(t, dbcheck.Open(t, path), a)
		})
	}
}

// TestSQLiteNewFileInReadOnlyDirectory: a --dest naming a new file in a
// directory this user cannot create files in fails before any request,
// saying so, rather than as SQLite words it ("unable to open database
// file: no such file or directory"), and creates nothing. Run as root,
// pipe runs as nobody.
func TestSQLiteNewFileInReadOnlyDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	root := t.TempDir()
	for _, d := range []string{filepath.Dir(root), root} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dbDir := filepath.Join(root, "db")
	if err := os.Mkdir(dbDir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dbDir, 0o755) })
	a := newEnvAPI(t, 2, 5)
	spec, path := writeEnvSpec(t, root), filepath.Join(dbDir, "env.db")
	if err := os.Chmod(spec, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := os.Args[0]
	if os.Getuid() == 0 {
		bin = binaryFor(t, root)
	}
	var out bytes.Buffer
	cmd := envChild(t, bin, envArgs(spec, a, path), "", &out)
	cmd.Dir = root
	if os.Getuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	code, sig := childExit(cmd.Run())
	t.Logf("exit %d, output:\n%s", code, out.String())
	if code == ExitOK || sig != 0 {
		t.Errorf("exit %d (signal %v), want 1", code, sig)
	}
	for _, w := range []string{"db/env.db", "directory " + dbDir + " is not writable by this user"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output does not say %q", w)
		}
	}
	if entries, err := os.ReadDir(dbDir); err != nil || len(entries) != 0 {
		t.Errorf("the directory holds %v (%v); want nothing", entries, err)
	}
	if n := a.served.Load(); n != 0 {
		t.Errorf("%d requests sent with no database to load into", n)
	}
}

// TestSQLiteDestinationDamaged: a database file cut short (a copy that
// stopped, a disk that lost its tail) fails the run naming the file as
// malformed, and pipe does not write to it: the bytes stay as they were,
// for a recovery tool to read.
func TestSQLiteDestinationDamaged(t *testing.T) {
	dir := t.TempDir()
	a := newEnvAPI(t, 3, 200)
	spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := whole[:len(whole)/2]
	if err := os.WriteFile(path, cut, 0o600); err != nil {
		t.Fatal(err)
	}
	a.Change()
	code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...)
	t.Logf("exit %d\n%s%s", code, stdout, stderr)
	if code != ExitFailed {
		t.Errorf("exit %d loading into a damaged file, want 1", code)
	}
	if !strings.Contains(stdout+stderr, path) || !strings.Contains(stderr, "malformed") {
		t.Errorf("the output does not name the file as malformed")
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, cut) {
		t.Errorf("the damaged file was written to (%d bytes, was %d; %v)", len(got), len(cut), err)
	}
}

// TestSQLiteFileRemovedMidLoad: the database file is deleted while a run
// loads into it (a cleanup job, a user's rm, a volume swapped). SQLite
// keeps writing to the unlinked file, so a run that exits 0 has loaded
// into nothing anyone can open: it must instead fail naming the file,
// and a rerun must load exactly into a new one.
func TestSQLiteFileRemovedMidLoad(t *testing.T) {
	dir := t.TempDir()
	a := newEnvAPI(t, 3, 100)
	spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	a.Change()
	a.HoldAt(5)
	var out, errOut syncBuffer
	done := runAsyncEnv(envArgs(spec, a, path), envVars, &out, &errOut)
	select {
	case <-a.Reached():
	case code := <-done:
		t.Fatalf("the run ended (exit %d) before the held request\n%s%s", code, out.String(), errOut.String())
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	a.Release()
	code := <-done
	t.Logf("exit %d\n%s%s", code, out.String(), errOut.String())
	_, statErr := os.Stat(path)
	if code == ExitOK {
		if statErr != nil {
			t.Fatalf("exit 0, and %s does not exist: the load went into the deleted file", path)
		}
		checkEnvTables(t, dbcheck.Open(t, path), a)
		return
	}
	if !strings.Contains(errOut.String(), path) {
		t.Errorf("the error does not name %s", path)
	}
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
		t.Fatalf("rerun: exit %d\n%s%s", code, stdout, stderr)
	}
	checkEnvTables(t, dbcheck.Open(t, path), a)
}
