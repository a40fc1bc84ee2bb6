package engine

import (
	"fmt"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/schema"
)

// mergeKeyColumns returns the columns of root that hold res's merge_key
// fields: the column of that JSON path, or the column of that name (an
// include_from_parent column such as _repos_id, or a path written as
// its column).
func mergeKeyColumns(res *plan.Resource, root *schema.Table) ([]string, error) {
	out := make([]string, 0, len(res.MergeKey))
	for _, path := range res.MergeKey {
		col, ok := keyColumn(root, path)
		if !ok {
			return nil, fmt.Errorf("merge_key %q: no column of table %q holds it (no record so far has that field): name a field every record has, or a column of the table", path, root.Name)
		}
		out = append(out, col)
	}
	return out, nil
}

func keyColumn(t *schema.Table, path string) (string, bool) {
	for _, c := range t.Columns {
		if c.Key == path {
			return c.Name, true
		}
	}
	for _, name := range []string{path, schema.SnakeCase(path)} {
		if _, ok := t.Column(name); ok {
			return name, true
		}
	}
	return "", false
}
