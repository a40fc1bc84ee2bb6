package sqlload

import (
	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// encoded is the result of SQL.EncodeRows: rows encoded by encodeRows
// with s's dialect for columns, one per _pipe_id under conflict, from n
// rows.
type encoded struct {
	s        *SQL
	columns  []schema.Column
	conflict Conflict
	n        int
	rows     [][]any
}

var _ destinations.Encoder = (*SQL)(nil)

// EncodeRows encodes rows for t as Write would for disposition d (see
// encodeRows), so that the engine can encode on the goroutines that
// normalize pages rather than on its writer. It only reads t, rows and
// the dialect, so it is safe for concurrent use.
func (s *SQL) EncodeRows(t *schema.Table, rows []schema.Row, d destinations.Disposition) (any, error) {
	conflict := conflictOf(d)
	vals, err := encodeRows(s.dialect, t, rows, conflict)
	if err != nil {
		return nil, err
	}
	return &encoded{s: s, columns: t.Columns, conflict: conflict, n: len(rows), rows: vals}, nil
}

// conflictOf is the conflict under which encodeRows keeps one row per
// _pipe_id for a disposition: the first for append, the last otherwise.
func conflictOf(d destinations.Disposition) Conflict {
	if d == destinations.Append {
		return DoNothing
	}
	return DoUpdate
}

// encodedRows returns tr's rows encoded for t under conflict: those of
// tr.Encoded when x's SQL made them (EncodeRows) for the same columns,
// conflict and number of rows, else encoded now.
func (x *sqlTx) encodedRows(tr *destinations.TableRows, t *schema.Table, conflict Conflict) ([][]any, error) {
	if e, ok := tr.Encoded.(*encoded); ok && e.s == x.s && e.conflict == conflict &&
		e.n == len(tr.Rows) && sameColumns(e.columns, t.Columns) {
		return e.rows, nil
	}
	return encodeRows(x.d, t, tr.Rows, conflict)
}

// sameColumns reports whether a and b name the same columns, of the same
// types, in the same order.
func sameColumns(a, b []schema.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Type != b[i].Type {
			return false
		}
	}
	return true
}
