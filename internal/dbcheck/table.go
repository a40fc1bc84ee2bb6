package dbcheck

import (
	"database/sql"
	"testing"
)

// CheckTable runs tw's query and reports, as test errors, each key that
// comes back more than once, is not in tw.Rows, or is missing, and each
// value that differs from the expected one; past a few problems it only
// counts them. A query that fails is an error; a query whose values do
// not match the expected rows in number is fatal (the test is wrong).
func CheckTable(t testing.TB, db *sql.DB, tw Table) {
	t.Helper()
	rows, err := db.Query(tw.Query)
	if err != nil {
		t.Errorf("table %s: %s: %v", tw.Name, tw.Query, err)
		return
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatalf("table %s: columns: %v", tw.Name, err)
	}
	seen := map[string]int{}
	problems := 0
	report := func(format string, args ...any) {
		t.Helper()
		if problems++; problems <= maxReports {
			t.Errorf("table %s: "+format, append([]any{tw.Name}, args...)...)
		}
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("table %s: %v", tw.Name, err)
		}
		key := keyString(vals[0])
		if seen[key]++; seen[key] == 2 {
			report("row %s loaded more than once", key)
		}
		want, ok := tw.Rows[key]
		if !ok {
			report("row %s is not expected", key)
			continue
		}
		if len(want) != len(cols)-1 {
			t.Fatalf("table %s: want %d values, query has %d", tw.Name, len(want), len(cols)-1)
		}
		for i, w := range want {
			if g, wv := render(vals[i+1], w); g != wv {
				report("row %s: %s = %s, want %s", key, cols[i+1], g, wv)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("table %s: %v", tw.Name, err)
	}
	for key := range tw.Rows {
		if seen[key] == 0 {
			report("row %s is missing", key)
		}
	}
	if problems > maxReports {
		t.Errorf("table %s: %d problems in all", tw.Name, problems)
	}
}
