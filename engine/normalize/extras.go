package normalize

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/spec"
)

// Extras returns the extra root-row columns of a chain's records, the
// same for each of them, in this order: the list variable's item as
// _<variable>, the include_from_parent fields as _<parent>_<field> (an
// item of the list the chain fans out over, F[*] or F[*].G, as
// _<parent>_<F> or _<parent>_<F>_<G>: spec.EachColumn), and
// the add_field steps. parent looks a field up in the chain's parent
// record (nil for a root resource); a field it lacks gives no column.
// Values of the parent record stay gjson values, converted to row values
// with the record's own (Normalize).
func (n *Normalizer) Extras(parent func(path string) (gjson.Result, bool), item string) []Field {
	c := n.cfg
	var out []Field
	if c.ListVar != "" {
		out = append(out, Field{Name: "_" + schema.SnakeCase(c.ListVar), Value: item, Origin: true})
	}
	if parent != nil {
		for _, f := range c.IncludeFromParent {
			if v, ok := parent(f); ok {
				out = append(out, Field{Name: "_" + schema.SnakeCase(c.Parent) + "_" + schema.SnakeCase(spec.EachColumn(f)), Value: v, Origin: true})
			}
		}
	}
	for _, a := range n.adds {
		f := Field{Name: schema.SnakeCase(a.Name), Value: a.Value}
		if a.FromParent != "" {
			if parent == nil {
				continue
			}
			v, ok := parent(a.FromParent)
			if !ok {
				continue
			}
			f.Value, f.Origin = v, true
		}
		out = append(out, f)
	}
	return out
}

// OriginColumns returns the root-table columns of the fields of extra
// that came from the chain's parent record or list item (Field.Origin),
// once Normalize has placed them: the columns by which records of
// different parents differ when their primary key does not.
func (n *Normalizer) OriginColumns(extra []Field) []string {
	var out []string
	for _, f := range extra {
		if !f.Origin {
			continue
		}
		if nd := n.extras[f.Name]; nd != nil {
			out = append(out, nd.col)
		}
	}
	return out
}

// extraNode returns the root-table node of the extra field name, or nil
// when exclude_columns drops it.
func (n *Normalizer) extraNode(name string) *node {
	if nd, ok := n.extras[name]; ok {
		return nd
	}
	if n.exclude[name] {
		n.extras[name] = nil
		return nil
	}
	t := n.root
	col := schema.Shorten(name, n.cfg.MaxIdentLen)
	if to, ok := n.rename[name]; ok {
		col = to
	}
	nd, taken := t.owners[col]
	if nd == nil {
		nd = &node{full: name, path: name, col: col, pk: n.pk[name]}
		for i := 0; taken; i++ { // a bookkeeping name
			nd.col = schema.Shorten(schema.Disambiguate(name, fmt.Sprint("extra", i)), n.cfg.MaxIdentLen)
			_, taken = t.owners[nd.col]
		}
		t.owners[nd.col] = nd
	}
	n.extras[name] = nd
	return nd
}

// extraValues converts the extra fields' values into n.vals and n.types.
func (n *Normalizer) extraValues(extra []Field) error {
	n.vals, n.types = n.vals[:0], n.types[:0]
	for _, f := range extra {
		v, t, err := extraValue(f.Value)
		if err != nil {
			return fmt.Errorf("table %q: extra field %q: %w", n.cfg.Table, f.Name, err)
		}
		n.vals, n.types = append(n.vals, v), append(n.types, t)
	}
	return nil
}

// extraValue converts an extra field's value to a row value: a gjson
// value as a record's (scalar), a Go value by its type.
func extraValue(v any) (any, schema.Type, error) {
	switch x := v.(type) {
	case nil:
		return nil, "", nil
	case gjson.Result:
		if x.Type == gjson.JSON {
			return compact(x.Raw), schema.JSON, nil
		}
		val, t, _ := scalar(x, nil)
		return val, t, nil
	case bool, int64, float64, string, json.RawMessage:
		return x, schema.Infer(x), nil
	case time.Time:
		return x.UTC(), schema.Timestamp, nil
	case int:
		return int64(x), schema.Bigint, nil
	case int32:
		return int64(x), schema.Bigint, nil
	case uint32:
		return int64(x), schema.Bigint, nil
	case float32:
		return float64(x), schema.Double, nil
	}
	return nil, "", fmt.Errorf("unsupported value of Go type %T", v)
}

// required fails on a root row without a value for a Required column,
// naming the record by its primary key (or _pipe_id).
func (n *Normalizer) required(row schema.Row) error {
	for _, col := range n.cfg.Required {
		if row[schema.Shorten(col, n.cfg.MaxIdentLen)] != nil {
			continue
		}
		var parts []string
		for _, p := range n.cfg.PrimaryKey {
			c := strings.ReplaceAll(p, ".", "__")
			parts = append(parts, fmt.Sprintf("%s=%v", c, row[c]))
		}
		key := strings.Join(parts, ", ")
		if len(parts) == 0 {
			key = fmt.Sprintf("%s=%v", schema.ColID, row[schema.ColID])
		}
		return fmt.Errorf("table %q: column %q is null or missing, but columns.%s.nullable is false (record %s)", n.cfg.Table, col, col, key)
	}
	return nil
}
