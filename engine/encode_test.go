package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/destinations/sqlload"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// encodeWatch is a SQLite destination that counts the tables of the
// batches written with and without rows encoded ahead (TableRows.
// Encoded), per table.
type encodeWatch struct {
	*sqlload.SQL
	mu               sync.Mutex
	encoded, written map[string]int
}

func (d *encodeWatch) Begin(ctx context.Context, l destinations.Load) (destinations.Tx, error) {
	tx, err := d.SQL.Begin(ctx, l)
	if err != nil {
		return nil, err
	}
	return &watchTx{Tx: tx, d: d}, nil
}

type watchTx struct {
	destinations.Tx
	d *encodeWatch
}

func (x *watchTx) Write(ctx context.Context, b *destinations.Batch) error {
	x.d.mu.Lock()
	for _, tr := range b.Tables {
		x.d.written[tr.Table.Name]++
		if tr.Encoded != nil {
			x.d.encoded[tr.Table.Name]++
		}
	}
	x.d.mu.Unlock()
	return x.Tx.Write(ctx, b)
}

// noEncoder hides the destination's Encoder.
type noEncoder struct{ destinations.Destination }

// TestPagesEncodedOnChains loads the three-level API twice, once into
// a destination that encodes ahead (the chains encode pages whose tables
// fit the published schemas) and once into one that does not, and
// checks that the pages after each table's first were encoded ahead and
// that both databases hold the same rows.
func TestPagesEncodedOnChains(t *testing.T) {
	api := &acmeAPI{orgs: 7, projectsPerOrg: 5, depsPerProject: 2}
	srv := api.server(t)
	ctx := context.Background()
	dir := t.TempDir()
	load := func(name string, wrap func(*sqlload.SQL) destinations.Destination) string {
		data, err := os.ReadFile(filepath.Join("testdata", "three_levels.yml"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := spec.Load("three_levels.yml", data)
		if err != nil {
			t.Fatal(err)
		}
		p, err := plan.Build(s, plan.Options{Vars: map[string]string{"api_url": srv.URL}, LookupEnv: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		sq, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer sq.Close()
		rep, err := engine.Run(ctx, p, engine.Options{
			Dest:        wrap(sq),
			MaxIdentLen: sq.MaxIdentifierLength(), // noEncoder hides it too, and it is one of the settings the rows' hashes cover
			Secrets:     secrets.Env{Lookup: func(k string) (string, bool) { return "s3cret", k == "ACME_TOKEN" }},
			Sleep:       func(context.Context, time.Duration) error { return nil },
		})
		if err != nil || rep.Status != "completed" {
			t.Fatalf("%s: run: %v (%v)", name, err, rep)
		}
		return path
	}
	w := &encodeWatch{encoded: map[string]int{}, written: map[string]int{}}
	ahead := load("ahead.db", func(s *sqlload.SQL) destinations.Destination { w.SQL = s; return w })
	plain := load("plain.db", func(s *sqlload.SQL) destinations.Destination { return noEncoder{s} })

	encodedAhead := 0
	for _, table := range []string{"orgs", "projects", "deps"} {
		// The first page of a table creates it; later pages fit it.
		if w.encoded[table] >= w.written[table] {
			t.Errorf("table %s: %d of %d batches encoded ahead, want not the first", table, w.encoded[table], w.written[table])
		}
		encodedAhead += w.encoded[table]
	}
	// Which pages are encoded ahead depends on when the writer publishes
	// each table's schema: on a loaded machine all four pages of orgs may
	// be normalized before it does. Some page of the load must be.
	if encodedAhead == 0 {
		t.Errorf("no batch encoded ahead: %v of %v", w.encoded, w.written)
	}
	db := openDB(t, ahead)
	if _, err := db.Exec("ATTACH DATABASE ? AS plain", plain); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"orgs", "orgs__tags", "projects", "projects__owners", "deps"} {
		var cols string // every column but the load's id
		if err := db.QueryRow(`SELECT group_concat('"' || name || '"') FROM pragma_table_info(?) WHERE name <> '_pipe_load_id'`, table).Scan(&cols); err != nil {
			t.Fatal(err)
		}
		q := `SELECT count(*) FROM (SELECT ` + cols + ` FROM main."` + table + `" EXCEPT SELECT ` + cols + ` FROM plain."` + table + `")`
		if n := count(t, db, q); n != 0 {
			t.Errorf("table %s: %d rows differ from the load encoded in Write", table, n)
		}
		if count(t, db, `SELECT count(*) FROM main."`+table+`"`) != count(t, db, `SELECT count(*) FROM plain."`+table+`"`) {
			t.Errorf("table %s: row counts differ", table)
		}
	}
}

// shortNames is a SQLite destination that says it keeps names of at most
// 24 bytes, as Postgres says 63.
type shortNames struct{ *sqlload.SQL }

func (shortNames) MaxIdentifierLength() int { return 24 }

// TestRunTakesIdentLimitFromDestination: with Options.MaxIdentLen left
// 0, Run shortens every table and column name to the limit the
// destination tells (a library caller into Postgres would otherwise learn
// of its 63 bytes from a failed load).
func TestRunTakesIdentLimitFromDestination(t *testing.T) {
	api := &acmeAPI{orgs: 2, projectsPerOrg: 2, depsPerProject: 1}
	srv := api.server(t)
	data, err := os.ReadFile(filepath.Join("testdata", "three_levels.yml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load("three_levels.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(s, plan.Options{Vars: map[string]string{"api_url": srv.URL}, LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "short.db")
	sq, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	if _, err := engine.Run(context.Background(), p, engine.Options{
		Dest:    shortNames{sq},
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { return "s3cret", k == "ACME_TOKEN" }},
		Sleep:   func(context.Context, time.Duration) error { return nil },
	}); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	long := count(t, db, `SELECT count(*) FROM sqlite_master m, pragma_table_info(m.name) c
WHERE m.type = 'table' AND m.name NOT LIKE '\_pipe\_%' ESCAPE '\' AND (length(CAST(m.name AS BLOB)) > 24 OR length(CAST(c.name AS BLOB)) > 24)`)
	if long != 0 {
		t.Errorf("%d table or column names past the destination's 24 bytes", long)
	}
	if n := count(t, db, `SELECT count(*) FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND length(c.name) = 24`); n == 0 {
		t.Error("no name was shortened: the spec no longer tests the limit")
	}
}
