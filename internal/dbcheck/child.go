package dbcheck

import (
	"fmt"
	"strings"
)

// ListQuery selects the rows of a child table (the last of chain, which
// starts at the root table) with their values cols, keyed by rootKey (an
// SQL expression over the root's alias t0) and the list index at each
// level: "<root key>/<index>/<index>", as Key builds it. An orphan row
// gets a NULL key.
func ListQuery(rootKey string, chain []string, cols ...string) string {
	leaf := fmt.Sprintf("t%d", len(chain)-1)
	key := rootKey
	from := fmt.Sprintf("%s %s", chain[len(chain)-1], leaf)
	for i := len(chain) - 1; i > 0; i-- {
		from += fmt.Sprintf(" LEFT JOIN %s t%d ON t%d._pipe_parent_id = t%d._pipe_id", chain[i-1], i-1, i, i-1)
	}
	for i := 1; i < len(chain); i++ {
		key += fmt.Sprintf(" || '/' || t%d._pipe_list_idx", i)
	}
	sel := []string{key}
	for _, c := range cols {
		sel = append(sel, leaf+"."+c)
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + from
}

// Key joins key parts with "/", as ListQuery's keys and SQL expressions
// like `id || '/' || _orgs_id` do.
func Key(parts ...any) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, "/")
}

// Child collects the expected rows of a child table: the items of each
// parent's list, keyed by the parent's key and the index (see Key).
type Child struct {
	chain []string
	cols  []string
	rows  map[string][]any
}

// NewChild expects rows with the values cols in the child table at the
// end of chain, which starts at the root table.
func NewChild(cols []string, chain ...string) *Child {
	return &Child{chain: chain, cols: cols, rows: map[string][]any{}}
}

// Add expects the row key with the values vals, one for each column.
func (c *Child) Add(key string, vals ...any) { c.rows[key] = vals }

// Table is the expectation for Check, with keys from rootKey, an SQL
// expression over the root table's alias t0 (see ListQuery).
func (c *Child) Table(rootKey string) Table {
	return Table{Name: c.chain[len(c.chain)-1], Query: ListQuery(rootKey, c.chain, c.cols...), Rows: c.rows}
}
