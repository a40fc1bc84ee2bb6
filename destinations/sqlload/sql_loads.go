package sqlload

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/pipe-etl/pipe/destinations"
)

// Loads returns the most recent loads, newest first; at most limit
// (0 means all). None before the first load.
func (s *SQL) Loads(ctx context.Context, limit int) ([]destinations.LoadRecord, error) {
	d := s.dialect
	cols, exists, err := d.ExistingColumns(ctx, s.db, destinations.LoadsTable)
	if err != nil || !exists {
		return nil, err
	}
	errorCol := "NULL" // a table of an older pipe, until its next load adds the column
	if slices.Contains(cols, "error") {
		errorCol = d.Quote("error")
	}
	q := fmt.Sprintf(`SELECT load_id, pipeline, status, started_at, finished_at, rows_json, %s FROM %s ORDER BY started_at DESC, load_id DESC`,
		errorCol, d.Table(destinations.LoadsTable))
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("table %q: select: %w", destinations.LoadsTable, err)
	}
	defer rows.Close()
	var out []destinations.LoadRecord
	for rows.Next() {
		var r destinations.LoadRecord
		var started, finished, counts, loadErr any
		if err := rows.Scan(&r.ID, &r.Pipeline, &r.Status, &started, &finished, &counts, &loadErr); err != nil {
			return nil, fmt.Errorf("table %q: scan: %w", destinations.LoadsTable, err)
		}
		if r.Started, err = scanTime(started); err != nil {
			return nil, fmt.Errorf("table %q: load %s: started_at: %w", destinations.LoadsTable, r.ID, err)
		}
		if r.Finished, err = scanTime(finished); err != nil {
			return nil, fmt.Errorf("table %q: load %s: finished_at: %w", destinations.LoadsTable, r.ID, err)
		}
		if b := scanBytes(counts); len(b) > 0 {
			if err := json.Unmarshal(b, &r.Rows); err != nil {
				return nil, fmt.Errorf("table %q: load %s: rows_json: %w", destinations.LoadsTable, r.ID, err)
			}
		}
		r.Error = string(scanBytes(loadErr))
		out = append(out, r)
	}
	return out, rows.Err()
}

// scanTime reads a timestamp as the drivers return it: time.Time
// (Postgres), or text in one of the formats SQLite rows hold.
func scanTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return x.UTC(), nil
	}
	s := string(scanBytes(v))
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err
}

func scanBytes(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return nil
}
