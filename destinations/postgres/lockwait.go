package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations/sqlload"
)

// lockWatch says on the log when a load's transaction waits for a lock
// another session holds: a migration, or a psql session left idle in a
// transaction, makes Postgres wait as long as the lock is held, and a
// load run by cron would wait there for ever, in silence. It looks from
// another connection of the pool every lockPoll while a transaction is
// open, and warns once a wait has lasted two looks, naming the table and
// the session holding it (never its query, which is another program's),
// then again every lockRepeat. It only speaks: lock_timeout in the DSN
// bounds the wait.
type lockWatch struct {
	db   *sqlx.DB
	log  *slog.Logger
	mu   sync.Mutex
	stop func() // ends the watch of the open transaction; nil when none
}

// lockPoll and lockRepeat are variables for tests.
var (
	lockPoll   = time.Second
	lockRepeat = time.Minute
)

var _ sqlload.TxHooks = (*Dialect)(nil)

// BeforeBegin starts watching conn, the connection of the load's
// transaction, for lock waits, when the dialect has a log to say them on.
func (d *Dialect) BeforeBegin(ctx context.Context, conn *sqlx.Conn) error {
	w := d.locks
	if w == nil {
		return nil
	}
	var pid int
	if err := conn.GetContext(ctx, &pid, "SELECT pg_backend_pid()"); err != nil {
		return fmt.Errorf("backend pid: %w", err)
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.watch(wctx, pid)
	}()
	w.mu.Lock()
	w.stop = func() { cancel(); <-done }
	w.mu.Unlock()
	return nil
}

// AfterEnd stops the watch BeforeBegin started.
func (d *Dialect) AfterEnd(context.Context, *sqlx.Conn) error {
	w := d.locks
	if w == nil {
		return nil
	}
	w.mu.Lock()
	stop := w.stop
	w.stop = nil
	w.mu.Unlock()
	if stop != nil {
		stop()
	}
	return nil
}

// lockWait is what backend pid waits for, when it waits for a lock.
type lockWait struct {
	what        string // the table, or the kind of lock
	holder      int    // the first session holding it, 0 if unknown
	application string
	state       string
	xactSecs    int // how long the holder's transaction has been open
}

// waitQuery finds what a backend waits for and who holds it. The
// holder's query text is not read: it is another program's, and may
// hold its secrets.
const waitQuery = `SELECT coalesce(l.relation::regclass::text, l.locktype),
	coalesce(b.pid, 0), coalesce(b.application_name, ''), coalesce(b.state, ''),
	coalesce(extract(epoch FROM now() - b.xact_start)::int, 0)
FROM pg_locks l
LEFT JOIN pg_stat_activity b ON b.pid = (pg_blocking_pids(l.pid))[1]
WHERE l.pid = $1 AND NOT l.granted
LIMIT 1`

// watch looks every lockPoll whether backend pid waits for a lock, and
// warns as lockWatch says, until ctx ends. A look that fails (no
// connection to be had) is skipped: the watch must never fail a load.
func (w *lockWatch) watch(ctx context.Context, pid int) {
	t := time.NewTicker(lockPoll)
	defer t.Stop()
	var seen, since time.Time // since: the last warning
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var lw lockWait
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := w.db.QueryRowxContext(qctx, waitQuery, pid).Scan(&lw.what, &lw.holder, &lw.application, &lw.state, &lw.xactSecs)
		cancel()
		if err != nil {
			seen = time.Time{}
			continue
		}
		now := time.Now()
		switch {
		case seen.IsZero():
			seen = now
		case since.IsZero() || now.Sub(since) >= lockRepeat:
			since = now
			w.log.Warn(lw.message(now.Sub(seen) + lockPoll))
		}
	}
}

// message is the warning for a wait that has lasted about waited.
func (lw lockWait) message(waited time.Duration) string {
	holder, end := "another session", ""
	if lw.holder != 0 {
		holder = fmt.Sprintf("session %d", lw.holder)
		var about []string
		if lw.application != "" {
			about = append(about, fmt.Sprintf("application %q", lw.application))
		}
		if lw.state != "" {
			about = append(about, fmt.Sprintf("%s, its transaction open %s", lw.state, time.Duration(lw.xactSecs)*time.Second))
		}
		if len(about) > 0 {
			holder += " (" + strings.Join(about, ", ") + ")"
		}
		end = fmt.Sprintf(", or end that session: SELECT pg_terminate_backend(%d)", lw.holder)
	}
	return fmt.Sprintf("waiting %s for a lock on %s held by %s; the load goes on once it is released (add lock_timeout=60s to the DSN to fail instead%s)",
		waited.Round(time.Second), lw.what, holder, end)
}
