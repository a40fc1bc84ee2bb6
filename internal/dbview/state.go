package dbview

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/pipe-etl/pipe/engine/state"
)

// Cursor is one row of _pipe_state: the committed incremental cursor of a
// resource, for child resources of one parent record.
type Cursor struct {
	Pipeline  string `json:"pipeline"`
	Resource  string `json:"resource"`
	ParentKey string `json:"parent_key"` // "" for a root resource
	Cursor    string `json:"cursor"`     // the largest cursor value loaded
	// Boundary is how many records loaded at exactly Cursor the next run
	// skips (see state.Cursor).
	Boundary int       `json:"boundary_records"`
	LoadID   string    `json:"load_id"`
	Updated  time.Time `json:"updated_at"`
}

// StateKey is where a cursor sits in _pipe_state's key order.
type StateKey struct {
	Pipeline, Resource, ParentKey string
}

// StatePage returns up to limit cursors (at most MaxPage) of every
// pipeline after the cursor at key after (the zero key for the first
// page), in key order, and whether more follow. Paging by the table's key
// costs an index seek per page however many per-parent cursors there
// are (the dashboard's state page).
func (v *View) StatePage(ctx context.Context, after StateKey, limit int) ([]Cursor, bool, error) {
	if ok, err := v.hasTable(ctx, stateTable); err != nil || !ok {
		return nil, false, err
	}
	limit = min(max(limit, 1), MaxPage)
	q := fmt.Sprintf("SELECT * FROM %s WHERE (pipeline, resource, parent_key) > (?, ?, ?) ORDER BY pipeline, resource, parent_key LIMIT %d",
		quote(stateTable), limit+1)
	rows, err := v.db.QueryContext(ctx, v.db.Rebind(q), after.Pipeline, after.Resource, after.ParentKey)
	if err != nil {
		return nil, false, fmt.Errorf("table %q: %w", stateTable, err)
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return nil, false, fmt.Errorf("table %q: %w", stateTable, err)
	}
	more := len(recs) > limit
	if more {
		recs = recs[:limit]
	}
	out := make([]Cursor, len(recs))
	for i, r := range recs {
		out[i] = cursorOf(r)
	}
	return out, more, nil
}

// Key is c's place in _pipe_state's key order.
func (c Cursor) Key() StateKey {
	return StateKey{Pipeline: c.Pipeline, Resource: c.Resource, ParentKey: c.ParentKey}
}

func cursorOf(r record) Cursor {
	c := state.ParseCursor(r.str("cursor"))
	return Cursor{Pipeline: r.str("pipeline"), Resource: r.str("resource"), ParentKey: r.str("parent_key"),
		Cursor: c.Value, Boundary: len(c.Boundary), LoadID: r.str("load_id"), Updated: r.time("updated_at")}
}

// ErrNoState reports a reset that matched no cursor.
var ErrNoState = errors.New("no such state")

// State returns the cursors of pipeline ("" for every pipeline),
// of resource if not "", sorted by pipeline, resource and parent key.
func (v *View) State(ctx context.Context, pipeline, resource string) ([]Cursor, error) {
	if ok, err := v.hasTable(ctx, stateTable); err != nil || !ok {
		return nil, err
	}
	q := "SELECT * FROM " + quote(stateTable) + " WHERE (? = '' OR pipeline = ?) AND (? = '' OR resource = ?)"
	rows, err := v.db.QueryContext(ctx, v.db.Rebind(q), pipeline, pipeline, resource, resource)
	if err != nil {
		return nil, fmt.Errorf("table %q: %w", stateTable, err)
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return nil, fmt.Errorf("table %q: %w", stateTable, err)
	}
	out := make([]Cursor, len(recs))
	for i, r := range recs {
		out[i] = cursorOf(r)
	}
	// Sorted here, not in SQL, so that every database orders bytewise.
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Pipeline != b.Pipeline {
			return a.Pipeline < b.Pipeline
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.ParentKey < b.ParentKey
	})
	return out, nil
}

// ResetState deletes the cursors of resource of pipeline — every parent's,
// or only parentKey's when parent is set — in one transaction, and
// returns how many it deleted. The next run starts those from the initial
// value. Matching nothing is ErrNoState and changes nothing; so does any
// error.
func (v *View) ResetState(ctx context.Context, pipeline, resource string, parent bool, parentKey string) (int64, error) {
	if v.readOnly {
		return 0, fmt.Errorf("state: reset: database opened read-only")
	}
	if ok, err := v.hasTable(ctx, stateTable); err != nil {
		return 0, err
	} else if !ok {
		return 0, fmt.Errorf("state: resource %q: %w (nothing loaded yet)", resource, ErrNoState)
	}
	tx, err := v.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("state: reset: %w", err)
	}
	defer tx.Rollback()
	q := "DELETE FROM " + quote(stateTable) + " WHERE pipeline = ? AND resource = ?"
	args := []any{pipeline, resource}
	if parent {
		q += " AND parent_key = ?"
		args = append(args, parentKey)
	}
	res, err := tx.ExecContext(ctx, tx.Rebind(q), args...)
	if err != nil {
		return 0, fmt.Errorf("state: reset: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("state: reset: %w", err)
	}
	if n == 0 {
		what := fmt.Sprintf("resource %q", resource)
		if parent {
			what += fmt.Sprintf(" parent %q", parentKey)
		}
		return 0, fmt.Errorf("state: %s: %w", what, ErrNoState)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("state: reset: %w", err)
	}
	return n, nil
}
