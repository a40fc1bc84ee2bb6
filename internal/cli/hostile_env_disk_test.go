package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/internal/dbcheck"
)

// TestSQLiteFileSizeLimit: pipe runs under RLIMIT_FSIZE (as a full disk
// or a quota does to it: SQLite's writes past the limit fail with EFBIG,
// SIGXFSZ ignored), on a new database and on one loaded before. It must
// exit 1 saying the disk or file is full and naming the file, leave the
// database readable (integrity_check ok) and as it was, and a run
// without the limit must then load exactly what the API holds.
func TestSQLiteFileSizeLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("no prlimit")
	}
	for _, tt := range []struct {
		name      string
		loadFirst bool
		limit     int64 // bytes any file may grow to
	}{
		{"new database", false, 96 << 10},
		{"loaded database", true, 512 << 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			a := newEnvAPI(t, 2, 10)
			spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
			before := ""
			if tt.loadFirst {
				if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
					t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
				}
				before = sqliteDump(t, path)
				if fi, _ := os.Stat(path); fi.Size() >= tt.limit {
					t.Fatalf("the file is %d bytes, over the limit of %d already", fi.Size(), tt.limit)
				}
			}
			a.Change()
			a.AddItems(3000)

			var out bytes.Buffer
			lim := strconv.FormatInt(tt.limit, 10)
			cmd := envChild(t, os.Args[0], envArgs(spec, a, path, "--checkpoint-rows", "1000000"),
				`trap "" XFSZ; exec prlimit --fsize=`+lim+`:`+lim+` "$@"`, &out)
			code, sig := childExit(cmd.Run())
			t.Logf("exit %d, output:\n%s", code, out.String())
			if code != ExitFailed {
				t.Errorf("exit %d (signal %v) under a file size limit, want 1", code, sig)
			}
			if !regexp.MustCompile(`(?i)disk is full|file too large|no space`).MatchString(out.String()) {
				t.Errorf("the output does not say the disk or file is full")
			}
			if !bytes.Contains(out.Bytes(), []byte(path)) {
				t.Errorf("the output does not name %s", path)
			}
			noEnvSecret(t, "the output", out.String())

			db := dbcheck.Open(t, path)
			var ok string
			if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
				t.Fatalf("integrity_check: %q %v", ok, err)
			}
			if tt.loadFirst {
				if after := sqliteDump(t, path); after != before {
					t.Errorf("the database changed:\nbefore:\n%.3000s\nafter:\n%.3000s", before, after)
				}
			} else if n := len(dataTablesOf(t, path)); n != 0 {
				t.Errorf("a failed first load left %d data tables", n)
			}
			if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
				t.Fatalf("run without the limit: exit %d\n%s%s", code, stdout, stderr)
			}
			checkEnvTables(t, db, a)
		})
	}
}

// dataTablesOf lists the SQLite file's tables other than pipe's own.
func dataTablesOf(t *testing.T, path string) []string {
	t.Helper()
	db := dbcheck.Open(t, path)
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_pipe\_%' ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

// TestSQLiteDiskFullFailureLeavesATrace: a load that fails because the
// disk is full may not be able to record itself as failed either; then
// its message must say so, since pipe loads shows no trace of it.
func TestSQLiteDiskFullFailureLeavesATrace(t *testing.T) {
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("no prlimit")
	}
	dir := t.TempDir()
	a := newEnvAPI(t, 2, 10)
	spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
	a.AddItems(3000)
	var out bytes.Buffer
	cmd := envChild(t, os.Args[0], envArgs(spec, a, path), `trap "" XFSZ; exec prlimit --fsize=98304:98304 "$@"`, &out)
	if code, _ := childExit(cmd.Run()); code != ExitFailed {
		t.Fatalf("exit %d under a file size limit, want 1\n%s", code, out.String())
	}
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
		t.Fatalf("run without the limit: exit %d\n%s%s", code, stdout, stderr)
	}
	checkLoadsAfterRerun(t, dbcheck.Open(t, path), "_pipe_loads", out.String())
}

// TestOpenFilesLimit: pipe runs under a low RLIMIT_NOFILE (a container
// or a service unit's LimitNOFILE), so connections to the API or the
// database's files cannot all be opened. Whatever it cannot open, the
// run either completes exactly or exits 1 naming "too many open files",
// with the database as before the run.
func TestOpenFilesLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("no prlimit")
	}
	for _, limit := range []int{10, 12, 14, 16, 20, 32} {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			dir := t.TempDir()
			a := newEnvAPI(t, 8, 60)
			spec, path := writeEnvSpec(t, dir), filepath.Join(dir, "env.db")
			if code, stdout, stderr := run(t, envVars, envArgs(spec, a, path)...); code != ExitOK {
				t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
			}
			before := sqliteDump(t, path)
			a.Change()
			var out bytes.Buffer
			lim := strconv.Itoa(limit)
			cmd := envChild(t, os.Args[0], envArgs(spec, a, path, "--checkpoint-rows", "1000000"), `exec prlimit --nofile=`+lim+`:`+lim+` "$@"`, &out)
			code, sig := childExit(cmd.Run())
			t.Logf("exit %d\n%s", code, out.String())
			noEnvSecret(t, "the output", out.String())
			switch code {
			case ExitOK:
				checkEnvTables(t, dbcheck.Open(t, path), a)
			case ExitFailed:
				if !strings.Contains(out.String(), "too many open files") {
					t.Errorf("the output does not say too many open files")
				}
				if after := sqliteDump(t, path); after != before {
					t.Errorf("the database changed")
				}
			default:
				t.Errorf("exit %d (signal %v)", code, sig)
			}
		})
	}
}
