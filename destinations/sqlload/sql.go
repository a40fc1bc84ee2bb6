package sqlload

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/state"
)

// SQL is a Destination on a SQL database, generic over a Dialect. It keeps
// data tables, their replace staging tables and the bookkeeping tables
// _pipe_loads, _pipe_state and _pipe_schema, which it creates in the first
// transaction.
//
// SQL is not safe for concurrent use, as the Destination contract allows:
// the engine calls it from one writer goroutine.
type SQL struct {
	db      *sqlx.DB
	dialect Dialect
	log     *slog.Logger
	now     func() time.Time

	inTx bool
	// staged maps a table to the load whose staging table for it exists
	// in committed data (a replace load spanning several transactions).
	staged map[string]string
	// deferred holds the tables created by this destination whose key or
	// root index waits for the end of the load (see sql_deferred.go);
	// keyed the tables known to have their key.
	deferred map[string]*deferred
	keyed    map[string]bool
	// runs holds the run lock of each load begun and not yet ended
	// (see RunLocker).
	runs map[string]*runLock
	// pending holds the run lock State took for the next load of each
	// pipeline, until that load's first Begin.
	pending map[string]*runLock
}

var (
	_ destinations.Destination  = (*SQL)(nil)
	_ destinations.Widener      = (*SQL)(nil)
	_ destinations.IdentLimiter = (*SQL)(nil)
	_ destinations.LoadLister   = (*SQL)(nil)
	_ destinations.WidthChecker = (*SQL)(nil)
)

// NewSQL returns a Destination on db speaking dialect. It takes ownership
// of db: Close closes it. A nil log discards logging.
func NewSQL(db *sqlx.DB, dialect Dialect, log *slog.Logger) *SQL {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SQL{
		db:       db,
		dialect:  dialect,
		log:      log,
		now:      time.Now,
		staged:   map[string]string{},
		deferred: map[string]*deferred{},
		keyed:    map[string]bool{},
		runs:     map[string]*runLock{},
	}
}

// DB returns the connection pool, for callers that read loaded data.
func (s *SQL) DB() *sqlx.DB { return s.db }

// MaxIdentifierLength is the longest table or column name in bytes that
// s accepts: the dialect's (destinations.IdentLimiter).
func (s *SQL) MaxIdentifierLength() int { return s.dialect.MaxIdentifierLen() }

// CheckWidth asks the dialect, when it limits widths (WidthChecker),
// whether t is too wide.
func (s *SQL) CheckWidth(t *schema.Table) error {
	if w, ok := s.dialect.(destinations.WidthChecker); ok {
		return w.CheckWidth(t)
	}
	return nil
}

// CanWiden reports whether EnsureTable widens a column of type from to
// type to: along bigint -> double -> text only; other type changes need
// a variant column (destinations.Widener).
func (s *SQL) CanWiden(from, to schema.Type) bool { return widenable(from, to) }

// Dialect returns the dialect s speaks.
func (s *SQL) Dialect() Dialect { return s.dialect }

// Tables returns the data tables with their logical schema as last
// recorded in _pipe_schema, sorted by name; none before the first load.
func (s *SQL) Tables(ctx context.Context) ([]schema.Table, error) {
	recs, err := readSchemas(ctx, s.db, s.dialect)
	if err != nil {
		return nil, fmt.Errorf("%s: tables: %w", s.dialect.Name(), err)
	}
	out := make([]schema.Table, 0, len(recs))
	for _, name := range sortedKeys(recs) {
		out = append(out, cloneTable(recs[name].table))
	}
	return out, nil
}

// State returns the committed cursors of pipeline, sorted by resource and
// parent key; none before the first load. It takes the pipeline's run
// lock for the load that begins next (see RunLocker and RunExcluder).
func (s *SQL) State(ctx context.Context, pipeline string) ([]state.Entry, error) {
	if err := s.holdRun(ctx, pipeline); err != nil {
		return nil, fmt.Errorf("%s: state of pipeline %q: %w", s.dialect.Name(), pipeline, err)
	}
	entries, err := readState(ctx, s.db, s.dialect, pipeline)
	if err != nil {
		return nil, fmt.Errorf("%s: state of pipeline %q: %w", s.dialect.Name(), pipeline, err)
	}
	return entries, nil
}

// Begin opens the transaction of one step of load. ctx bounds the whole
// transaction: when it is done, the transaction is rolled back.
func (s *SQL) Begin(ctx context.Context, load destinations.Load) (destinations.Tx, error) {
	if s.inTx {
		return nil, fmt.Errorf("%s: begin load %q: %w", s.dialect.Name(), load.ID, destinations.ErrTxOpen)
	}
	run, err := s.lockRun(ctx, load)
	if err != nil {
		return nil, fmt.Errorf("%s: begin load %q: %w", s.dialect.Name(), load.ID, err)
	}
	x, err := s.begin(ctx, load, run)
	if err != nil {
		return nil, fmt.Errorf("%s: begin load %q: %w", s.dialect.Name(), load.ID, explain(s.dialect, err))
	}
	s.inTx = true
	return x, nil
}

func (s *SQL) begin(ctx context.Context, load destinations.Load, run *runLock) (*sqlTx, error) {
	x := &sqlTx{
		s:        s,
		d:        s.dialect,
		load:     load,
		run:      run,
		staged:   map[string]bool{},
		unstaged: map[string]bool{},
		created:  map[string]*deferred{},
		built:    map[string]built{},
		stmts:    map[string]*sqlx.Stmt{},
		counts:   map[string]*destinations.RowCounts{},
	}
	hooks, hasHooks := s.dialect.(TxHooks)
	_, connInserter := s.dialect.(ConnInserterMaker)
	if hasHooks || connInserter {
		conn, err := s.db.Connx(ctx)
		if err != nil {
			return nil, fmt.Errorf("connection: %w", err)
		}
		if hasHooks {
			if err := hooks.BeforeBegin(ctx, conn); err != nil {
				conn.Close()
				return nil, err
			}
		}
		x.conn, x.hooks = conn, hooks
		x.tx, err = conn.BeginTxx(ctx, nil)
		if err != nil {
			x.release()
			return nil, err
		}
	} else {
		var err error
		if x.tx, err = s.db.BeginTxx(ctx, nil); err != nil {
			return nil, err
		}
	}
	if err := createBookkeeping(ctx, x.tx, s.dialect); err != nil {
		x.abort()
		return nil, err
	}
	if run.alone {
		n, err := markInterrupted(ctx, x.tx, s.dialect, load)
		if err != nil {
			x.abort()
			return nil, err
		}
		if n > 0 {
			s.log.Info("marked loads left running by ended processes interrupted", "pipeline", load.Pipeline, "loads", n)
		}
	}
	recs, err := readSchemas(ctx, x.tx, s.dialect)
	if err != nil {
		x.abort()
		return nil, err
	}
	x.schemas = recs
	if m, ok := s.dialect.(ConnInserterMaker); ok && x.conn != nil {
		x.ins = m.NewConnInserter(x.conn, x.tx)
	} else {
		x.ins = s.dialect.NewInserter(x.tx)
	}
	return x, nil
}

// Close releases the run locks of unfinished loads and closes the
// connection pool. It commits nothing; an open Tx is rolled back by the
// database.
func (s *SQL) Close() error {
	for id := range s.runs {
		s.unlockRun(id)
	}
	for p, r := range s.pending {
		delete(s.pending, p)
		if r.release != nil {
			_ = r.release()
		}
	}
	return s.db.Close()
}
