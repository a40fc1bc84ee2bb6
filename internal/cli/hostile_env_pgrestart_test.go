package cli

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// pgBin is where Debian's Postgres 15 binaries are.
const pgBin = "/usr/lib/postgresql/15/bin"

// privatePostgres is a Postgres cluster of the test's own (initdb into a
// temporary directory, on a free port), so the test may restart it.
type privatePostgres struct {
	data, sock string
	port       int
	cred       *syscall.Credential // the user the server runs as (not root)
}

// newPrivatePostgres starts a cluster, stopped at cleanup; it skips the
// test without the binaries or, as root, without a postgres user.
func newPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Postgres cluster")
	}
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		t.Skipf("no Postgres binaries in %s", pgBin)
	}
	root := t.TempDir()
	p := &privatePostgres{data: filepath.Join(root, "data"), sock: root}
	if os.Getuid() == 0 { // initdb refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		for _, d := range []string{filepath.Dir(root), root} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chown(root, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	p.pg(t, "initdb", "-D", p.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	p.ctl(t, "start")
	t.Cleanup(func() { _ = p.cmd("pg_ctl", "-D", p.data, "-m", "immediate", "-w", "stop").Run() })
	return p
}

func (p *privatePostgres) cmd(name string, args ...string) *exec.Cmd {
	c := exec.Command(filepath.Join(pgBin, name), args...)
	if p.cred != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	c.Dir = p.sock
	return c
}

func (p *privatePostgres) pg(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := p.cmd(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// ctl runs pg_ctl start or restart and waits for the server.
func (p *privatePostgres) ctl(t *testing.T, action string) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", p.port, p.sock)
	p.pg(t, "pg_ctl", "-D", p.data, "-o", opts, "-m", "fast", "-w", "-l", filepath.Join(p.sock, "log"), action)
}

// dsn is the URL of the dataset schema in the cluster.
func (p *privatePostgres) dsn(schema string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&schema=%s", p.port, schema)
}

// open connects to the cluster with search_path set to schema.
func (p *privatePostgres) open(t *testing.T, schema string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&search_path=%s", p.port, schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPostgresRestartMidLoad: the server restarts (pg_ctl restart -m
// fast: a failover, an upgrade) while a request of an incremental run is
// in flight. The run must exit 0 with exactly what the API holds or exit
// 1 naming the lost connection, with the dataset as before the run (no
// checkpoint), and a rerun must then load exactly, no load left running.
func TestPostgresRestartMidLoad(t *testing.T) {
	p := newPrivatePostgres(t)
	dsn := p.dsn("hostile")
	dir := t.TempDir()
	a := newEnvAPI(t, 3, 100)
	spec := writeEnvSpec(t, dir)
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	db := p.open(t, "hostile")
	before := pgDump(t, db)
	db.Close()
	a.Change()
	a.HoldAt(5)
	var out, errOut syncBuffer
	done := runAsyncEnv(envArgs(spec, a, dsn), envVars, &out, &errOut)
	select {
	case <-a.Reached():
	case code := <-done:
		t.Fatalf("the run ended (exit %d) before the held request\n%s%s", code, out.String(), errOut.String())
	}
	p.ctl(t, "restart")
	a.Release()
	var code int
	select {
	case code = <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("pipe still running 60 s after the restart\n%s%s", out.String(), errOut.String())
	}
	output := out.String() + errOut.String()
	t.Logf("exit %d\n%s", code, output)
	db = p.open(t, "hostile")
	switch code {
	case ExitOK:
		checkEnvTables(t, db, a)
	case ExitFailed:
		if !regexp.MustCompile(`terminating connection|connection|EOF|broken pipe|bad connection`).MatchString(output) {
			t.Errorf("the error does not name the lost connection")
		}
		if after := pgDump(t, db); after != before {
			t.Errorf("a run that failed before its first checkpoint changed the dataset")
		}
		if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
			t.Fatalf("rerun: exit %d\n%s%s", code, stdout, stderr)
		}
		checkEnvTables(t, db, a)
		checkLoadsAfterRerun(t, db, "_pipe_loads", output)
	default:
		t.Errorf("exit %d, want 0 or 1", code)
	}
}
