package cli

import (
	"context"
	"strings"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/postgres"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/internal/dbview"
)

// openDest opens a destination by URL: postgres:// or postgresql:// for
// Postgres; sqlite:///abs/path.db, sqlite:rel/path.db or a plain file
// path for SQLite. An empty URL means PIPE_DEST, then ./<pipeline>.db.
func (e *env) openDest(ctx context.Context, raw, pipeline string) (destinations.Destination, string, error) {
	t, where, err := e.resolveDest(raw, pipeline)
	if err != nil {
		return nil, "", err
	}
	if t.Kind == dbview.Postgres {
		d, err := postgres.Open(ctx, t.Addr, postgres.WithLogger(e.logger()))
		return d, where, err
	}
	d, err := sqlite.Open(ctx, t.Addr, sqlite.WithLogger(e.logger()))
	return d, where, err
}

// resolveDest picks the database as openDest does, without opening it,
// and returns it with how to print it (a Postgres password hidden).
func (e *env) resolveDest(raw, pipeline string) (dbview.Target, string, error) {
	if raw == "" {
		raw, _ = e.getenv("PIPE_DEST")
	}
	if raw == "" {
		raw = pipeline + ".db"
	}
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return dbview.Target{Kind: dbview.Postgres, Addr: raw}, redactDSN(raw), nil
	case strings.HasPrefix(raw, "sqlite://"):
		path := strings.TrimPrefix(raw, "sqlite://")
		return dbview.Target{Kind: dbview.SQLite, Addr: path}, path, nil
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(raw, "sqlite:")
		return dbview.Target{Kind: dbview.SQLite, Addr: path}, path, nil
	case strings.Contains(raw, "://"):
		return dbview.Target{}, "", usagef("--dest %q: unknown scheme (want sqlite:///path.db, a file path, or postgres://...)", redactDSN(raw))
	default:
		return dbview.Target{Kind: dbview.SQLite, Addr: raw}, raw, nil
	}
}

// redactDSN hides the password of a connection URL.
func redactDSN(raw string) string {
	at := strings.LastIndex(raw, "@")
	scheme := strings.Index(raw, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return raw
	}
	userinfo := raw[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return raw[:scheme+3] + user + ":***" + raw[at:]
	}
	return raw
}
