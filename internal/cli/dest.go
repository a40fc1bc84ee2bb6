package cli

import (
	"context"
	"strings"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/postgres"
	"github.com/pipe-etl/pipe/destinations/sqlite"
)

// openDest opens a destination by URL: postgres:// or postgresql:// for
// Postgres; sqlite:///abs/path.db, sqlite:rel/path.db or a plain file
// path for SQLite. An empty URL means PIPE_DEST, then ./<pipeline>.db.
func (e *env) openDest(ctx context.Context, raw, pipeline string) (destinations.Destination, string, error) {
	if raw == "" {
		raw, _ = e.getenv("PIPE_DEST")
	}
	if raw == "" {
		raw = pipeline + ".db"
	}
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		d, err := postgres.Open(ctx, raw)
		return d, redactDSN(raw), err
	case strings.HasPrefix(raw, "sqlite://"):
		path := strings.TrimPrefix(raw, "sqlite://")
		d, err := sqlite.Open(ctx, path)
		return d, path, err
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(raw, "sqlite:")
		d, err := sqlite.Open(ctx, path)
		return d, path, err
	case strings.Contains(raw, "://"):
		return nil, "", usagef("--dest %q: unknown scheme (want sqlite:///path.db, a file path, or postgres://...)", redactDSN(raw))
	default:
		d, err := sqlite.Open(ctx, raw)
		return d, raw, err
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
