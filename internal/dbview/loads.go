package dbview

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Load is one row of _pipe_loads: a run of a pipeline.
type Load struct {
	ID       string           `json:"load_id"`
	Pipeline string           `json:"pipeline"`
	Status   string           `json:"status"`
	Started  time.Time        `json:"started_at"`
	Finished *time.Time       `json:"finished_at"` // nil while running or after a crash
	Rows     map[string]int64 `json:"rows"`        // rows written per table
	Error    string           `json:"error"`       // "" unless failed or interrupted
}

// Duration is how long the load took; 0 if it has not finished.
func (l Load) Duration() time.Duration {
	if l.Finished == nil {
		return 0
	}
	return l.Finished.Sub(l.Started)
}

// Total is the rows the load wrote, over all tables.
func (l Load) Total() int64 {
	var n int64
	for _, r := range l.Rows {
		n += r
	}
	return n
}

// Loads returns the most recent loads, newest first, at most limit (0
// for all); none before the first load.
func (v *View) Loads(ctx context.Context, limit int) ([]Load, error) {
	return v.loads(ctx, "", limit)
}

// Load returns the load of id, or nil.
func (v *View) Load(ctx context.Context, id string) (*Load, error) {
	ls, err := v.loads(ctx, id, 1)
	if err != nil || len(ls) == 0 {
		return nil, err
	}
	return &ls[0], nil
}

func (v *View) loads(ctx context.Context, id string, limit int) ([]Load, error) {
	if ok, err := v.hasTable(ctx, loadsTable); err != nil || !ok {
		return nil, err
	}
	q := "SELECT * FROM " + quote(loadsTable)
	var args []any
	if id != "" {
		q += " WHERE load_id = ?"
		args = append(args, id)
	}
	q += " ORDER BY started_at DESC, load_id DESC"
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := v.db.QueryContext(ctx, v.db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("table %q: %w", loadsTable, err)
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return nil, fmt.Errorf("table %q: %w", loadsTable, err)
	}
	out := make([]Load, 0, len(recs))
	for _, r := range recs {
		l := Load{ID: r.str("load_id"), Pipeline: r.str("pipeline"), Status: r.str("status"),
			Started: r.time("started_at"), Error: r.str("error"), Rows: map[string]int64{}}
		if f := r.time("finished_at"); !f.IsZero() {
			l.Finished = &f
		}
		if js := r.str("rows_json"); js != "" {
			if err := json.Unmarshal([]byte(js), &l.Rows); err != nil {
				return nil, fmt.Errorf("table %q: load %s: rows_json: %w", loadsTable, l.ID, err)
			}
		}
		out = append(out, l)
	}
	return out, nil
}
