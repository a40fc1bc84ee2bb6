package cli

import (
	"path/filepath"
	"testing"

	"github.com/pipe-etl/pipe/internal/pgtest"
)

// TestRunLoadsIntoPostgres runs the same load as TestRunLoadsIntoSQLite
// into a real Postgres server, twice (merge keeps one row per key).
func TestRunLoadsIntoPostgres(t *testing.T) {
	dsn, _ := pgtest.DSN(t)
	srv := usersAPI(t)
	env := map[string]string{"USERS_TOKEN": "tok-123456"}
	for i := 0; i < 2; i++ {
		code, stdout, stderr := run(t, env, "run", filepath.Join("testdata", "users.yml"), "--base-url", srv.URL+"/", "--dest", dsn, "-q")
		if code != ExitOK {
			t.Fatalf("run %d: exit %d\n%s\n%s", i, code, stdout, stderr)
		}
	}
	db := pgtest.Open(t, dsn)
	var n, age int
	var typ string
	if err := db.QueryRow(`SELECT count(*), max(profile__age) FROM users`).Scan(&n, &age); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'users' AND column_name = 'profile__age'`).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if n != 5 || age != 24 || typ != "bigint" {
		t.Errorf("users: %d rows, max age %d, type %s; want 5, 24, bigint", n, age, typ)
	}
	var loads int
	if err := db.QueryRow(`SELECT count(*) FROM _pipe_loads WHERE status = 'completed'`).Scan(&loads); err != nil {
		t.Fatal(err)
	}
	if loads != 2 {
		t.Errorf("completed loads = %d, want 2", loads)
	}
}
