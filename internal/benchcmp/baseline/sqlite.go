package main

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/mattn/go-sqlite3"
	"golang.org/x/sync/errgroup"
)

// loadSQLite inserts every issue into table issues of a new SQLite file
// at path with one prepared statement in one transaction, executed on
// the driver connection itself (no database/sql per row). The file is in
// rollback-journal mode with synchronous=NORMAL: for one big transaction
// into a fresh file the journal holds next to nothing and every page is
// written once (WAL would write it to the log, then again at checkpoint).
// Pages are fetched concurrently while the previous ones are inserted.
func loadSQLite(ctx context.Context, path string, src *source) (int, error) {
	c, err := (&sqlite3.SQLiteDriver{}).Open(path + "?_journal_mode=DELETE&_synchronous=NORMAL&_cache_size=-16384")
	if err != nil {
		return 0, err
	}
	conn := c.(*sqlite3.SQLiteConn)
	defer conn.Close()
	if _, err := conn.Exec(`CREATE TABLE issues (id TEXT PRIMARY KEY, type TEXT, key TEXT, title TEXT,
		issue_type TEXT, severity TEXT, status TEXT, created_at TEXT, updated_at TEXT, org_id TEXT, raw TEXT)`, nil); err != nil {
		return 0, fmt.Errorf("create table: %w", err)
	}
	if _, err := conn.Exec("BEGIN", nil); err != nil {
		return 0, err
	}
	st, err := conn.Prepare("INSERT INTO issues VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	if err != nil {
		return 0, err
	}
	defer st.Close()
	pages := make(chan *page, 2*src.conc)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return src.stream(gctx, pages) })
	n := 0
	args := make([]driver.Value, 11)
	for p := range pages {
		for i := range p.issues {
			is := &p.issues[i]
			args[0], args[1], args[2], args[3], args[4], args[5] = is.id, is.typ, is.key, is.title, is.kind, is.severity
			args[6], args[7], args[8], args[9], args[10] = is.status, is.created, is.updated, is.org, is.raw
			if _, err := st.Exec(args); err != nil { //nolint:staticcheck // the driver's own Exec: no per-row conversion
				cancel()
				for range pages { // until stream sees the cancel and closes it
				}
				return 0, err
			}
			n++
		}
		src.done(p)
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	_, err = conn.Exec("COMMIT", nil)
	return n, err
}
