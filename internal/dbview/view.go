// Package dbview reads what pipe keeps in a destination database — the
// load history, the tables with their schema, the incremental state — and
// browses loaded rows, for the commands that show a database (pipe
// schema, pipe loads, pipe state, pipe show). It queries the bookkeeping
// tables (_pipe_loads, _pipe_state, _pipe_schema) directly with small
// queries of its own, and opens databases read-only unless asked to write
// (pipe state reset).
package dbview

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations/postgres"
	"github.com/pipe-etl/pipe/destinations/sqlite"
)

// Kinds of database.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Names of the bookkeeping tables.
const (
	loadsTable  = "_pipe_loads"
	stateTable  = "_pipe_state"
	schemaTable = "_pipe_schema"
)

// ErrNoDatabase reports a SQLite file that does not exist: nothing was
// loaded there.
var ErrNoDatabase = errors.New("no such database")

// Target names a database: its kind and address (a file path for SQLite,
// a DSN for Postgres).
type Target struct {
	Kind string
	Addr string
}

// View is an open database. Its methods may be called concurrently.
type View struct {
	db       *sqlx.DB
	kind     string
	readOnly bool
}

// Open opens the database of t: read-only (see sqlite.OpenReadOnly and
// postgres.OpenDB) unless writable is set.
func Open(ctx context.Context, t Target, writable bool) (*View, error) {
	v := &View{kind: t.Kind, readOnly: !writable}
	var err error
	switch t.Kind {
	case SQLite:
		if writable {
			var d interface{ DB() *sqlx.DB }
			if d, err = sqlite.Open(ctx, t.Addr); err == nil {
				v.db = d.DB()
			}
		} else {
			v.db, err = sqlite.OpenReadOnly(ctx, t.Addr)
		}
	case Postgres:
		v.db, _, err = postgres.OpenDB(ctx, t.Addr, !writable)
	default:
		err = fmt.Errorf("unknown kind of database %q", t.Kind)
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Close closes the connections.
func (v *View) Close() error { return v.db.Close() }

// Kind is SQLite or Postgres.
func (v *View) Kind() string { return v.kind }

// quote quotes an identifier; SQLite and Postgres both double the quote.
func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// hasTable reports whether table exists (in the dataset, for Postgres).
func (v *View) hasTable(ctx context.Context, table string) (bool, error) {
	var q string
	switch v.kind {
	case Postgres:
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	default:
		q = `SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?`
	}
	var n int
	if err := v.db.GetContext(ctx, &n, q, table); err != nil {
		return false, fmt.Errorf("table %q: %w", table, err)
	}
	return n > 0, nil
}
