package cli

import (
	"database/sql"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/internal/pgtest"
)

// pgEnvDest returns a DSN for a new dataset whose sessions carry an
// application_name of their own, so that the test finds pipe's backends
// in pg_stat_activity among those of other tests on the same server,
// and a connection to the dataset for the test's own queries.
func pgEnvDest(t *testing.T) (dsn, app string, db *sql.DB) {
	t.Helper()
	dsn, schema := pgtest.DSN(t)
	app = "pipe_hostile_" + schema
	return dsn + "&application_name=" + app, app, pgtest.Open(t, dsn)
}

// pgDump dumps every table of the dataset but _pipe_loads.
func pgDump(t *testing.T, db *sql.DB) string {
	t.Helper()
	return dumpDB(t, db, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> '_pipe_loads' AND table_type = 'BASE TABLE'`,
		func(s string) string { return `"` + s + `"` })
}

// pgBackends returns the pids of the sessions named app, and what each
// last ran.
func pgBackends(t *testing.T, db *sql.DB, app string) map[int]string {
	t.Helper()
	rows, err := db.Query(`SELECT pid, query FROM pg_stat_activity WHERE application_name = $1`, app)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var pid int
		var q string
		if err := rows.Scan(&pid, &q); err != nil {
			t.Fatal(err)
		}
		out[pid] = q
	}
	return out
}

// TestPostgresConnectionKilledMidLoad: while a request of an incremental
// run is in flight, an administrator terminates pipe's Postgres sessions
// (pg_terminate_backend: a failover, a restarted pooler, an idle-session
// killer). The run must not exit 0 with less than the API holds: it
// either completes exactly or exits 1 naming the database error, with
// the dataset as its last checkpoint left it (as before the run without
// one), and a rerun then loads exactly what the API holds, no load left
// running.
func TestPostgresConnectionKilledMidLoad(t *testing.T) {
	for _, checkpoint := range []int{20, 100000} {
		t.Run("checkpoint-rows "+strconv.Itoa(checkpoint), func(t *testing.T) {
			dsn, app, db := pgEnvDest(t)
			dir := t.TempDir()
			a := newEnvAPI(t, 3, 100)
			spec := writeEnvSpec(t, dir)
			if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
				t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
			}
			before := pgDump(t, db)
			a.Change()
			a.HoldAt(5)

			var out, errOut syncBuffer
			done := runAsyncEnv(envArgs(spec, a, dsn, "--checkpoint-rows", strconv.Itoa(checkpoint)), envVars, &out, &errOut)
			select {
			case <-a.Reached():
			case code := <-done:
				t.Fatalf("the run ended (exit %d) before the held request\n%s%s", code, out.String(), errOut.String())
			}
			backends := pgBackends(t, db, app)
			if len(backends) == 0 {
				t.Fatal("no session of pipe's in pg_stat_activity")
			}
			for pid, q := range backends {
				t.Logf("terminating %d (last ran %.80q)", pid, q)
				if _, err := db.Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
					t.Fatal(err)
				}
			}
			a.Release()
			var code int
			select {
			case code = <-done:
			case <-time.After(60 * time.Second):
				t.Fatalf("pipe still running 60 s after its sessions were terminated\n%s%s", out.String(), errOut.String())
			}
			output := out.String() + errOut.String()
			t.Logf("exit %d\n%s", code, output)
			noEnvSecret(t, "the output", output)
			switch code {
			case ExitOK: // reconnected and loaded it all: then it must be exact
				checkEnvTables(t, db, a)
			case ExitFailed:
				if !regexp.MustCompile(`terminating connection|connection|EOF|broken pipe|bad connection`).MatchString(output) {
					t.Errorf("the error does not name the lost connection")
				}
				if checkpoint == 100000 {
					if after := pgDump(t, db); after != before {
						t.Errorf("a run that failed before its first checkpoint changed the dataset:\nbefore:\n%.2000s\nafter:\n%.2000s", before, after)
					}
				}
				if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
					t.Fatalf("rerun: exit %d\n%s%s", code, stdout, stderr)
				}
				checkEnvTables(t, db, a)
				checkLoadsAfterRerun(t, db, "_pipe_loads", output)
			default:
				t.Errorf("exit %d, want 0 or 1", code)
			}
		})
	}
}

// TestPostgresRunLockSessionKilled: the session that holds a run's lock
// (a session-level advisory lock on a connection of its own) is
// terminated while the run goes on. pipe state reset then finds the lock
// free, resets the cursors and says so, and the run, which read the
// cursors before the reset, saves them again and exits 0: the reset is
// undone in silence, what the README says the lock prevents ("It never
// interleaves with a run"). A run that lost its lock must not commit as
// if it held it: it fails saying so, and the reset stands.
func TestPostgresRunLockSessionKilled(t *testing.T) {
	dsn, app, db := pgEnvDest(t)
	dir := t.TempDir()
	a := newEnvAPI(t, 3, 100)
	spec := writeEnvSpec(t, dir)
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	a.Change()
	a.HoldAt(5)
	var out, errOut syncBuffer
	done := runAsyncEnv(envArgs(spec, a, dsn), envVars, &out, &errOut)
	select {
	case <-a.Reached():
	case code := <-done:
		t.Fatalf("the run ended (exit %d) before the held request\n%s%s", code, out.String(), errOut.String())
	}
	killed := 0
	for pid, q := range pgBackends(t, db, app) {
		if regexp.MustCompile(`advisory`).MatchString(q) {
			t.Logf("terminating the lock session %d (last ran %.80q)", pid, q)
			if _, err := db.Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
				t.Fatal(err)
			}
			killed++
		}
	}
	if killed != 1 {
		t.Fatalf("%d lock sessions found, want 1: %v", killed, pgBackends(t, db, app))
	}
	rcode, rout, rerr := run(t, nil, "state", "reset", spec, "--dest", dsn, "--resource", "items")
	t.Logf("state reset during the run: exit %d\n%s%s", rcode, rout, rerr)
	a.Release()
	code := <-done
	t.Logf("run: exit %d\n%s%s", code, out.String(), errOut.String())
	cursors := 0
	if err := db.QueryRow(`SELECT count(*) FROM _pipe_state WHERE resource = 'items'`).Scan(&cursors); err != nil {
		t.Fatal(err)
	}
	if rcode == ExitOK && cursors > 0 {
		t.Errorf("state reset said it reset the cursors (run exit %d), and %d cursors of items are back", code, cursors)
	}
	if code == ExitOK {
		t.Errorf("the run whose lock session ended exited 0")
	} else if !strings.Contains(errOut.String(), "run lock") {
		t.Errorf("the error does not say the run lost its lock")
	}
}

// holdPgTableLock locks table in ACCESS EXCLUSIVE mode in an open
// transaction of a session of its own (a migration, a VACUUM FULL, a
// forgotten psql), until the returned function is called.
func holdPgTableLock(t *testing.T, dsn, table string) (release func()) {
	t.Helper()
	db := pgtest.Open(t, dsn)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`LOCK TABLE ` + table + ` IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			_ = tx.Rollback()
		}
	}
	t.Cleanup(release)
	return release
}

// pgWaitingForLock reports whether a session named app waits for a lock.
func pgWaitingForLock(t *testing.T, db *sql.DB, app string) bool {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestPostgresTableLockedWithLockTimeout: with lock_timeout in the DSN
// (pq sends it as a session setting), a run that meets a table locked by
// another session fails once the timeout passes, naming the lock
// timeout and the table, changes nothing, and a rerun once the lock is
// gone loads exactly.
func TestPostgresTableLockedWithLockTimeout(t *testing.T) {
	dsn, _, db := pgEnvDest(t)
	dir := t.TempDir()
	a := newEnvAPI(t, 3, 100)
	spec := writeEnvSpec(t, dir)
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	before := pgDump(t, db)
	a.Change()
	release := holdPgTableLock(t, dsn, "items")
	code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn+"&lock_timeout=500ms")...)
	release()
	t.Logf("exit %d\n%s%s", code, stdout, stderr)
	if code != ExitFailed {
		t.Errorf("exit %d with the table locked past lock_timeout, want 1", code)
	}
	for _, w := range []string{"lock timeout", `"items"`} {
		if !strings.Contains(stderr, w) {
			t.Errorf("the error does not say %q", w)
		}
	}
	noEnvSecret(t, "the output", stdout+stderr)
	if after := pgDump(t, db); after != before {
		t.Errorf("the dataset changed")
	}
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
		t.Fatalf("rerun: exit %d\n%s%s", code, stdout, stderr)
	}
	checkEnvTables(t, db, a)
	checkLoadsAfterRerun(t, db, "_pipe_loads", stdout+stderr)
}

// TestPostgresTableLockedWaitsVisibly: without lock_timeout a run that
// meets a table locked by another session waits, which is right for a
// brief lock, but it must not wait for ever in silence: within a bounded
// time it must either say on stderr what it waits for (the table, the
// session holding it) or fail naming the lock and the setting. It used
// to wait without end and say nothing (with -q, as cron runs it).
func TestPostgresTableLockedWaitsVisibly(t *testing.T) {
	dsn, app, db := pgEnvDest(t)
	dir := t.TempDir()
	a := newEnvAPI(t, 3, 100)
	spec := writeEnvSpec(t, dir)
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	a.Change()
	release := holdPgTableLock(t, dsn, "items")
	var out, errOut syncBuffer
	done := runAsyncEnv(envArgs(spec, a, dsn), envVars, &out, &errOut)
	for !pgWaitingForLock(t, db, app) {
		select {
		case code := <-done:
			t.Fatalf("the run ended (exit %d) before waiting for the lock\n%s%s", code, out.String(), errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	// A hang guard, not a measure: far longer than any message or
	// timeout a fix would choose for a test's sake.
	select {
	case code := <-done:
		release()
		if code != ExitFailed || !strings.Contains(errOut.String(), "lock") {
			t.Errorf("exit %d, want 1 naming the lock\n%s", code, errOut.String())
		}
	case <-time.After(8 * time.Second):
		said := errOut.String()
		release()
		if code := <-done; code != ExitOK {
			t.Errorf("exit %d once the lock was released, want 0\n%s", code, errOut.String())
		}
		t.Logf("stderr while waiting: %s", said)
		if !strings.Contains(said, "lock") || !strings.Contains(said, "items") {
			t.Errorf("8 s waiting for a lock on items and stderr says nothing of it: %q", said)
		}
	}
}

// TestPostgresUnreachableOrRefusing: a Postgres destination that is not
// listening, or that refuses the password, fails the run naming the
// host, with the password nowhere in the output.
func TestPostgresUnreachableOrRefusing(t *testing.T) {
	const pw = "hostile-pw-7f3e1c"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	cases := []struct{ name, dsn, want string }{
		{"nothing listening", "postgres://pipe:" + pw + "@" + closed + "/db?sslmode=disable", closed},
	}
	if base := os.Getenv("PIPE_TEST_POSTGRES"); base != "" {
		if u, err := url.Parse(base); err == nil && u.User != nil {
			u.User = url.UserPassword(u.User.Username(), pw)
			cases = append(cases, struct{ name, dsn, want string }{"wrong password", u.String(), "password authentication failed"})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newEnvAPI(t, 1, 5)
			spec := writeEnvSpec(t, t.TempDir())
			code, stdout, stderr := run(t, envVars, envArgs(spec, a, c.dsn)...)
			t.Logf("exit %d\n%s%s", code, stdout, stderr)
			if code != ExitFailed {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr does not say %q", c.want)
			}
			if strings.Contains(stdout+stderr, pw) {
				t.Errorf("the output holds the database password")
			}
			noEnvSecret(t, "the output", stdout+stderr)
			if n := a.served.Load(); n != 0 {
				t.Errorf("%d requests sent with no database to load into", n)
			}
		})
	}
}

// TestPostgresReadOnlySession: a DSN whose sessions default to
// read-only transactions (default_transaction_read_only=on, as some
// replicas' roles are set) fails a first load naming the read-only
// transaction, creating nothing. (On a dataset that exists, the load's
// own transactions ask for read-write and succeed, as the setting is a
// default; a real hot standby refuses them: not tested here.)
func TestPostgresReadOnlySession(t *testing.T) {
	dsn, _, db := pgEnvDest(t)
	a := newEnvAPI(t, 2, 30)
	spec := writeEnvSpec(t, t.TempDir())
	code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn+"&default_transaction_read_only=on")...)
	t.Logf("exit %d\n%s%s", code, stdout, stderr)
	if code != ExitFailed || !strings.Contains(stderr, "read-only transaction") {
		t.Errorf("exit %d, want 1 naming the read-only transaction", code)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_namespace WHERE nspname = current_schema()`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the dataset's schema was created (%d, %v)", n, err)
	}
	if a.served.Load() != 0 {
		t.Errorf("requests sent with no dataset to load into")
	}
	noEnvSecret(t, "the output", stdout+stderr)
}

// TestPostgresIdleInTransactionTimeout: managed Postgres services often
// set idle_in_transaction_session_timeout; pipe keeps its load's
// transaction open while it waits for the API, so a slow API (a long
// rate-limit wait) gets the session killed by the server. The run must
// then exit 1 naming the timeout (the setting to change), leave the
// dataset as before the run, and a rerun load exactly.
func TestPostgresIdleInTransactionTimeout(t *testing.T) {
	dsn, app, db := pgEnvDest(t)
	a := newEnvAPI(t, 3, 100)
	spec := writeEnvSpec(t, t.TempDir())
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	before := pgDump(t, db)
	a.Change()
	a.HoldAt(5)
	var out, errOut syncBuffer
	done := runAsyncEnv(envArgs(spec, a, dsn+"&idle_in_transaction_session_timeout=300"), envVars, &out, &errOut)
	select {
	case <-a.Reached():
	case code := <-done:
		t.Fatalf("the run ended (exit %d) before the held request\n%s%s", code, out.String(), errOut.String())
	}
	// Hold the request until the server has ended the idle transaction's
	// session (the run lock's session, idle outside a transaction, stays).
	n := len(pgBackends(t, db, app))
	for guard := time.After(30 * time.Second); len(pgBackends(t, db, app)) >= n; {
		select {
		case <-guard:
			t.Fatalf("no session of pipe's ended: %v", pgBackends(t, db, app))
		case <-time.After(50 * time.Millisecond):
		}
	}
	a.Release()
	code := <-done
	output := out.String() + errOut.String()
	t.Logf("exit %d\n%s", code, output)
	if code != ExitFailed {
		t.Fatalf("exit %d after the server ended the load's session, want 1", code)
	}
	if e := errOut.String(); !strings.Contains(e, "idle_in_transaction_session_timeout") && !strings.Contains(e, "idle-in-transaction timeout") {
		t.Errorf("the error does not name the idle-in-transaction timeout: %s", e)
	}
	if after := pgDump(t, db); after != before {
		t.Errorf("the dataset changed")
	}
	if code, stdout, stderr := run(t, envVars, envArgs(spec, a, dsn)...); code != ExitOK {
		t.Fatalf("rerun: exit %d\n%s%s", code, stdout, stderr)
	}
	checkEnvTables(t, db, a)
	checkLoadsAfterRerun(t, db, "_pipe_loads", output)
}

// TestPostgresConnectionLimit: a role allowed few connections (CONNECTION
// LIMIT, as shared servers and poolers cap them) gets a run that either
// completes exactly or fails at once naming the limit, never one that
// loses its way midway; with too few, nothing is changed.
func TestPostgresConnectionLimit(t *testing.T) {
	dsn, schema := pgtest.DSN(t)
	admin := pgtest.Open(t, dsn)
	role := "hostile_" + schema
	for _, q := range []string{
		`CREATE ROLE ` + role + ` LOGIN PASSWORD 'hostile-role-pw' CONNECTION LIMIT 1`,
		`CREATE SCHEMA ` + schema + ` AUTHORIZATION ` + role,
	} {
		if _, err := admin.Exec(q); err != nil {
			t.Skipf("cannot make a role: %v", err)
		}
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`)
		_, _ = admin.Exec(`DROP ROLE IF EXISTS ` + role)
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, "hostile-role-pw")
	roleDSN := u.String()
	a := newEnvAPI(t, 3, 100)
	spec := writeEnvSpec(t, t.TempDir())
	completed := false
	for _, limit := range []int{1, 2, 3, 4, 8} {
		if _, err := admin.Exec(`ALTER ROLE ` + role + ` CONNECTION LIMIT ` + strconv.Itoa(limit)); err != nil {
			t.Fatal(err)
		}
		before := pgDump(t, admin)
		code, stdout, stderr := run(t, envVars, envArgs(spec, a, roleDSN)...)
		t.Logf("limit %d: exit %d\n%s%s", limit, code, stdout, stderr)
		if strings.Contains(stdout+stderr, "hostile-role-pw") {
			t.Errorf("the output holds the role's password")
		}
		switch code {
		case ExitOK:
			checkEnvTables(t, admin, a)
			completed = true
		case ExitFailed:
			if completed {
				t.Errorf("limit %d: failed after a run with a lower limit completed", limit)
			}
			if !strings.Contains(stderr, "too many connections") {
				t.Errorf("limit %d: the error does not name the connection limit", limit)
			}
			if after := pgDump(t, admin); after != before {
				t.Errorf("limit %d: a failed run changed the dataset", limit)
			}
		default:
			t.Errorf("limit %d: exit %d", limit, code)
		}
		a.Change()
	}
	if !completed {
		t.Errorf("no run completed with up to 8 connections")
	}
}
