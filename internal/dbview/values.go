package dbview

import (
	"database/sql"
	"fmt"
	"time"
)

// record is one row read with SELECT *, by column name, so that reads
// keep working when a later version adds bookkeeping columns.
type record map[string]any

// scanRecords reads every row of rows.
func scanRecords(rows *sql.Rows) ([]record, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []record
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := make(record, len(cols))
		for i, c := range cols {
			r[c] = vals[i]
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// str is the column as text; "" for NULL or a missing column.
func (r record) str(col string) string {
	switch v := r[col].(type) {
	case nil:
		return ""
	case []byte:
		return string(v)
	case string:
		return v
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

// time is the column as a time; zero for NULL or text that is not RFC 3339.
func (r record) time(col string) time.Time {
	if t, ok := r[col].(time.Time); ok {
		return t.UTC()
	}
	t, _ := time.Parse(time.RFC3339Nano, r.str(col))
	return t.UTC()
}

// Text renders a value read from the database as text: NULL is "",
// bytes are taken as UTF-8 text, times are RFC 3339 in UTC.
func Text(v any) string {
	return record{"v": v}.str("v")
}
