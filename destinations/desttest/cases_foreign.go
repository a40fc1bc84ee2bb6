package desttest

import (
	"errors"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// testForeignTable: a table another program made, named as a resource's
// table would be, is left as it is: the load that would create it fails
// with ErrForeignTable, adding no column and no row.
func testForeignTable(t *testing.T, tg Target) {
	if _, err := tg.DB.Exec(`CREATE TABLE projects (id TEXT, budget INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.DB.Exec(`INSERT INTO projects VALUES ('p1', 100)`); err != nil {
		t.Fatal(err)
	}
	tx, err := tg.Dest.Begin(t.Context(), destinations.Load{ID: "l1", Pipeline: "p", Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	projects := rootTable("projects", col("id", schema.Text), col("name", schema.Text))
	err = tx.EnsureTable(t.Context(), projects, nil)
	if !errors.Is(err, destinations.ErrForeignTable) {
		t.Errorf("EnsureTable of another program's table: %v, want ErrForeignTable", err)
	}
	tx.Rollback()
	var n int
	if err := tg.DB.QueryRow(`SELECT count(*) FROM projects WHERE id = 'p1' AND budget = 100`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the program's row: %d, %v", n, err)
	}
	if _, err := tg.DB.Exec(`SELECT name FROM projects`); err == nil {
		t.Errorf("a column was added to the program's table")
	}
}
