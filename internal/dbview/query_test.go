package dbview_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/pipe-etl/pipe/internal/dbview"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

// fill makes table t with n rows (_pipe_id k0001…, v) through a
// writable connection, as a load would.
func fill(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	if _, err := db.Exec(`CREATE TABLE t (_pipe_id TEXT NOT NULL UNIQUE, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := tx.Exec(fmt.Sprintf(`INSERT INTO t VALUES ('k%04d', 'v%d')`, i, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// writes are statements that must fail on a read-only view, each with
// the database unchanged. No filter in pipe looks at their words: the
// database refuses them.
var writes = []string{
	"DELETE FROM t",
	"UPDATE t SET v = 'x'",
	"INSERT INTO t VALUES ('new', 'x')",
	"CREATE TABLE evil (x int)",
	"CREATE TEMP TABLE evil (x int)",
	"DROP TABLE t",
	"WITH x AS (SELECT 1) DELETE FROM t",
	"SELECT 1; DELETE FROM t",
	"SELECT 1; COMMIT; DELETE FROM t",
}

func TestQueryRefusesWritesSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fill(t, db, 3)
	v, err := dbview.Open(context.Background(), dbview.Target{Kind: dbview.SQLite, Addr: path}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	attached := filepath.Join(t.TempDir(), "other.db")
	more := []string{"ATTACH DATABASE '" + attached + "' AS other", "PRAGMA query_only = 0", "PRAGMA journal_mode = DELETE", "VACUUM", "REINDEX"}
	testRefusals(t, v, db, append(writes, more...))
	if _, err := os.Stat(attached); err == nil {
		t.Errorf("ATTACH created %s", attached)
	}
}

func TestQueryRefusesWritesPostgres(t *testing.T) {
	dsn, schema := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	fill(t, db, 3)
	if _, err := db.Exec("CREATE SEQUENCE s"); err != nil {
		t.Fatal(err)
	}
	v, err := dbview.Open(context.Background(), dbview.Target{Kind: dbview.Postgres, Addr: dsn}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	more := []string{
		"SET default_transaction_read_only = off; DELETE FROM t",
		"SET TRANSACTION READ WRITE; DELETE FROM t",
		"SELECT nextval('s')",
		"CREATE SEQUENCE s2",
		"SELECT set_config('default_transaction_read_only', 'off', false); DELETE FROM t",
	}
	testRefusals(t, v, db, append(writes, more...))
	// A statement that runs too long is cancelled (statement_timeout, or
	// the context's deadline, whichever comes first).
	start := time.Now()
	if _, err := v.Query(context.Background(), "SELECT pg_sleep(30)", 0, 10, 200*time.Millisecond); err == nil || !strings.Contains(err.Error(), "timeout") && !strings.Contains(err.Error(), "stopped after") {
		t.Errorf("pg_sleep(30) with a timeout: %v", err)
	}
	if time.Since(start) > 20*time.Second {
		t.Error("pg_sleep(30) was not cancelled")
	}
}

func testRefusals(t *testing.T, v *dbview.View, db *sql.DB, stmts []string) {
	t.Helper()
	ctx := context.Background()
	before := dump(t, db)
	for _, q := range stmts {
		if res, err := v.Query(ctx, q, 0, 10, 5*time.Second); err == nil {
			t.Errorf("%s: not refused (%v)", q, res.Rows)
		} else {
			t.Logf("%s: %v", q, err)
		}
	}
	if after := dump(t, db); after != before {
		t.Errorf("the database changed:\n%s\n%s", before, after)
	}
	res, err := v.Query(ctx, "SELECT _pipe_id, v FROM t ORDER BY _pipe_id", 0, 2, 5*time.Second)
	if err != nil || len(res.Rows) != 2 || !res.More || res.Rows[1][1].Text != "v2" {
		t.Errorf("select: %+v, %v", res, err)
	}
	res, err = v.Query(ctx, "SELECT _pipe_id, v FROM t ORDER BY _pipe_id", 2, 2, 5*time.Second)
	if err != nil || len(res.Rows) != 1 || res.More || res.Rows[0][1].Text != "v3" {
		t.Errorf("select, second page: %+v, %v", res, err)
	}
}

func dump(t *testing.T, db *sql.DB) string {
	t.Helper()
	var s string
	if err := db.QueryRow(`SELECT count(*) || ':' || string_agg(_pipe_id || '=' || v, ',') FROM t`).Scan(&s); err != nil {
		if err := db.QueryRow(`SELECT count(*) || ':' || group_concat(_pipe_id || '=' || v, ',') FROM t`).Scan(&s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestBrowsePagesByKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fill(t, db, 120)
	v, err := dbview.Open(context.Background(), dbview.Target{Kind: dbview.SQLite, Addr: path}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var seen []string
	after := ""
	for pages := 0; ; pages++ {
		res, err := v.Browse(context.Background(), "t", after, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Rows {
			seen = append(seen, r[0].Text)
		}
		if !res.More {
			if pages != 2 {
				t.Errorf("%d pages, want 3", pages+1)
			}
			break
		}
		after = res.Next
	}
	if len(seen) != 120 || seen[0] != "k0001" || seen[119] != "k0120" {
		t.Errorf("rows %d: %v…", len(seen), seen[:3])
	}
}

func TestQueryStopsAtTimeoutSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fill(t, db, 1)
	v, err := dbview.Open(context.Background(), dbview.Target{Kind: dbview.SQLite, Addr: path}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	endless := "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
	if _, err := v.Query(context.Background(), endless, 0, 10, 100*time.Millisecond); err == nil || !strings.Contains(err.Error(), "stopped after 100ms") {
		t.Errorf("endless query: %v", err)
	}
}

// TestQueryReadsOnlyThePagePostgres: a SELECT of a big table computes
// only the rows of the page asked for (through a cursor), not every row
// to drop them: the table's sequential scans read about a page of
// tuples, by the server's own statistics. Statements a cursor cannot
// hold still run.
func TestQueryReadsOnlyThePagePostgres(t *testing.T) {
	dsn, schema := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE big AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 200000) g`); err != nil {
		t.Fatal(err)
	}
	v, err := dbview.Open(context.Background(), dbview.Target{Kind: dbview.Postgres, Addr: dsn}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	res, err := v.Query(ctx, "SELECT * FROM big;", 400, 200, 30*time.Second)
	if err != nil || len(res.Rows) != 200 || !res.More || res.Rows[0][0].Text != "401" {
		t.Fatalf("third page: %+v, %v", res, err)
	}
	// The server publishes a session's counts when it goes idle, at most
	// every few seconds: wait for them.
	var read int64
	for range 600 {
		if _, err := db.Exec(`SELECT pg_stat_clear_snapshot()`); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT coalesce(seq_tup_read, 0) FROM pg_stat_user_tables WHERE relid = 'big'::regclass`).Scan(&read); err != nil {
			t.Fatal(err)
		}
		if read > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if read == 0 || read > 10000 {
		t.Errorf("the query read %d of the table's 200000 rows, want about the 601 up to the page's end", read)
	}
	for q, want := range map[string]string{"SHOW transaction_read_only": "on", "EXPLAIN SELECT * FROM big": "Seq Scan"} {
		res, err := v.Query(ctx, q, 0, 10, 5*time.Second)
		if err != nil || len(res.Rows) == 0 || !strings.Contains(res.Rows[0][0].Text, want) {
			t.Errorf("%s: %+v, %v; want %q", q, res, err, want)
		}
	}
}
