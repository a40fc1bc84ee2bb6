package engine

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/normalize"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/schema"
)

// applySteps applies the exclude_columns and rename processing steps to a
// page's rows. Names are field paths as in the record (attributes.title)
// or column names (attributes__title); excluding a list drops its child
// table.
func applySteps(res *plan.Resource, rows *normalize.Rows) {
	var drop []string
	rename := map[string]string{}
	for _, s := range res.ProcessingSteps {
		for _, c := range s.ExcludeColumns {
			drop = append(drop, columnName(c))
		}
		for from, to := range s.Rename {
			rename[columnName(from)] = columnName(to)
		}
	}
	if len(drop) == 0 && len(rename) == 0 {
		return
	}
	rows.Transform(func(table string, row schema.Row) bool {
		if table != res.Table {
			for _, d := range drop {
				if table == res.Table+"__"+d || strings.HasPrefix(table, res.Table+"__"+d+"__") {
					return false
				}
			}
			return true
		}
		for _, d := range drop {
			delete(row, d)
			for col := range row {
				if strings.HasPrefix(col, d+"__") {
					delete(row, col)
				}
			}
		}
		for from, to := range rename {
			if v, ok := row[from]; ok {
				delete(row, from)
				row[to] = v
			}
		}
		return true
	})
}

// columnName turns a field path (a.b) into its flattened column name (a__b).
func columnName(path string) string {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		parts[i] = schema.SnakeCase(p)
	}
	return strings.Join(parts, "__")
}

// fieldValue converts a gjson value to a row value.
func fieldValue(v gjson.Result) any {
	switch v.Type {
	case gjson.True:
		return true
	case gjson.False:
		return false
	case gjson.Number:
		if i := v.Int(); float64(i) == v.Float() && !strings.ContainsAny(v.Raw, ".eE") {
			return i
		}
		return v.Float()
	case gjson.String:
		return v.Str
	case gjson.JSON:
		return json.RawMessage(v.Raw)
	}
	return nil
}
