package normalize

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/tidwall/gjson"
)

// Normalize appends the rows of one record to out: a root table row and
// the rows of its child tables. extra are additional root-row columns
// (include_from_parent values such as "_orgs_id"), added under their
// names as given (shortened to MaxIdentLen); an extra named like a record
// column replaces its value. On error nothing is appended.
func (n *Normalizer) Normalize(rec gjson.Result, extra []Field, out *Rows) error {
	if n.err != nil {
		return n.err
	}
	if err := n.extraValues(extra); err != nil {
		return err
	}
	id, err := n.rootID(rec, extra)
	if err != nil {
		return err
	}
	var idBox any = id // boxed once: root and child rows share it
	w := walker{n: n, out: out, rootID: idBox, loadID: n.cfg.LoadID != ""}
	t := n.root
	tr := out.table(t, w.loadID)
	row := w.newRow(tr, idBox)
	if rec.IsObject() {
		w.object(t, tr, t.root, rec, row, 0, idBox)
	} else {
		w.value(t, tr, n.valueNode(t), rec, row, 0, idBox)
	}
	for i, f := range extra {
		if n.vals[i] != nil {
			w.set(tr, n.extraNode(f.Name), row, n.vals[i], n.types[i])
		}
	}
	tr.width = max(tr.width, len(row))
	return nil
}

// walker carries what one record's walk needs. Row ids are passed as
// interface values holding a string, boxed once for all the rows that
// hold them.
type walker struct {
	n      *Normalizer
	out    *Rows
	rootID any
	loadID bool
}

func (w *walker) newRow(tr *tableRows, id any) schema.Row {
	row := tr.newRow(w.out)
	row[schema.ColID] = id
	if w.loadID {
		row[schema.ColLoadID] = w.n.loadID
	}
	return row
}

// object flattens the members of obj, at nesting level level, into row.
func (w *walker) object(t *table, tr *tableRows, nd *node, obj gjson.Result, row schema.Row, level int, rowID any) {
	obj.ForEach(func(k, v gjson.Result) bool {
		f := nd.fields[k.Str]
		if f == nil {
			f = w.n.field(t, nd, k.Str, obj)
		}
		w.value(t, tr, f, v, row, level, rowID)
		return true
	})
}

// value puts v, found at nd, into row or into child tables.
func (w *walker) value(t *table, tr *tableRows, nd *node, v gjson.Result, row schema.Row, level int, rowID any) {
	if nd.hint != "" {
		if x, ok := w.n.applyHint(nd, v); ok {
			w.set(tr, nd, row, x, nd.hint)
			return
		}
	}
	if v.Type != gjson.JSON {
		if x, typ, ok := scalar(v); ok {
			w.set(tr, nd, row, x, typ)
		}
		return
	}
	switch {
	case level >= w.n.maxNest:
		w.set(tr, nd, row, compact(v.Raw), schema.JSON)
	case v.IsObject():
		w.object(t, tr, nd, v, row, level+1, rowID)
	default:
		w.list(t, nd, v, level+1, rowID)
	}
}

// list writes the items of arr, the list at nd in the row parentID, to
// nd's child table. Item fields are at nesting level level.
func (w *walker) list(t *table, nd *node, arr gjson.Result, level int, parentID any) {
	var tr *tableRows
	idx := 0
	arr.ForEach(func(_, item gjson.Result) bool {
		if tr == nil {
			if nd.child == nil {
				nd.child = w.n.newTable(t, nd.full)
			}
			tr = w.out.table(nd.child, w.loadID)
		}
		ct := nd.child
		var id any = w.n.childID(parentID.(string), nd.full, idx)
		row := w.newRow(tr, id)
		row[schema.ColParentID] = parentID
		row[schema.ColRootID] = w.rootID
		row[schema.ColListIdx] = int64(idx)
		switch {
		case item.IsObject():
			w.object(ct, tr, ct.root, item, row, level, id)
		case item.IsArray(): // lists of lists: the inner list is one JSON value
			w.set(tr, w.n.valueNode(ct), row, compact(item.Raw), schema.JSON)
		default:
			w.value(ct, tr, w.n.valueNode(ct), item, row, level, id)
		}
		tr.width = max(tr.width, len(row))
		idx++
		return true
	})
}

func (w *walker) set(tr *tableRows, nd *node, row schema.Row, v any, typ schema.Type) {
	row[nd.col] = v
	tr.observe(w.out.gen, nd, typ)
}

// extraNode returns the root-table node of the extra field name.
func (n *Normalizer) extraNode(name string) *node {
	if nd := n.extras[name]; nd != nil {
		return nd
	}
	t := n.root
	col := schema.Shorten(name, n.cfg.MaxIdentLen)
	nd, taken := t.owners[col]
	if nd == nil {
		nd = &node{full: name, path: name, col: col}
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

func extraValue(v any) (any, schema.Type, error) {
	switch x := v.(type) {
	case nil:
		return nil, "", nil
	case gjson.Result:
		if x.Type == gjson.JSON {
			return compact(x.Raw), schema.JSON, nil
		}
		val, t, _ := scalar(x)
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
