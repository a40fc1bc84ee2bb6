package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"
)

// OpenReadOnly opens the existing SQLite database file at path for
// reading only, for tools that show loaded data (pipe show, pipe schema).
// Three guards stand between a statement and the file, so that a
// statement written by a user cannot change it: the file is opened with
// mode=ro, every connection has PRAGMA query_only on, and an authorizer
// lets statements only read tables and call functions (no ATTACH, no
// PRAGMA that sets a value, no write of any kind, temporary tables
// included). A missing file is an error, never created.
func OpenReadOnly(ctx context.Context, path string) (*sqlx.DB, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: open %q: path must be a file name without '?'", path)
	}
	u := url.URL{Scheme: "file", Opaque: escapePath(path)}
	dsn := fmt.Sprintf("%s?mode=ro&_query_only=1&_busy_timeout=%d", u.String(), busyTimeoutMS)
	db := sql.OpenDB(readOnlyConnector{dsn: dsn})
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	return sqlx.NewDb(db, "sqlite3"), nil
}

// escapePath escapes the characters that end or change a file: URI's path.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "#", "%23").Replace(p)
}

// readOnlyConnector opens go-sqlite3 connections with the read-only
// authorizer installed.
type readOnlyConnector struct{ dsn string }

func (c readOnlyConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := (&sqlite3.SQLiteDriver{}).Open(c.dsn)
	if err != nil {
		return nil, err
	}
	conn.(*sqlite3.SQLiteConn).RegisterAuthorizer(authorizeRead)
	return conn, nil
}

func (c readOnlyConnector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }

// sqliteRecursive is SQLITE_RECURSIVE (a WITH RECURSIVE query), which
// go-sqlite3 does not export.
const sqliteRecursive = 33

// readPragmas take an argument that names what they read, not a value.
var readPragmas = map[string]bool{"table_info": true, "table_xinfo": true, "index_list": true, "index_info": true, "index_xinfo": true, "foreign_key_list": true}

// authorizeRead allows what a SELECT does and PRAGMAs that only read;
// it denies every other action (see sqlite3_set_authorizer).
func authorizeRead(action int, arg1, arg2, _ string) int {
	switch action {
	case sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqliteRecursive:
		return sqlite3.SQLITE_OK
	case sqlite3.SQLITE_PRAGMA:
		if arg2 == "" || readPragmas[strings.ToLower(arg1)] {
			return sqlite3.SQLITE_OK
		}
	}
	return sqlite3.SQLITE_DENY
}
