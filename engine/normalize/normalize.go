package normalize

import (
	"encoding/json"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/tidwall/gjson"
)

// Normalize appends the rows of one record to out, in one walk of the
// record: a root table row and the rows of its child tables, with
// excluded fields left out and renamed ones under their new names. extra
// are additional root-row columns (the chain's Extras, such as
// "_orgs_id"), added under their names as given (shortened to
// MaxIdentLen, excluded and renamed like record columns); an extra named
// like a record column replaces its value. A root row without a value
// for a Required column is an error. On error nothing is appended.
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
	if len(n.cfg.Required) > 0 {
		n.lens = out.mark(n.lens[:0])
	}
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
		if n.vals[i] == nil {
			continue
		}
		if nd := n.extraNode(f.Name); nd != nil {
			w.set(tr, nd, row, n.vals[i], n.types[i])
		}
	}
	tr.width = max(tr.width, len(row))
	if err := n.required(row); err != nil {
		out.rollback(n.lens)
		return err
	}
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
	if nd.skip {
		return
	}
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
	case !nd.noList:
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
				nd.child = w.n.newTable(t, nd)
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
	if sec := w.n.cfg.Secrets; sec != nil {
		v = withoutSecrets(sec, v)
	}
	row[nd.col] = v
	tr.observe(w.out.gen, nd, typ)
}

// withoutSecrets replaces every credential inside a text or JSON value by
// "***": secrets never reach the database, in any of the forms the
// Secrets know (raw, URL-encoded, JSON-escaped, base64).
func withoutSecrets(sec Secrets, v any) any {
	switch x := v.(type) {
	case string:
		if sec.Contains(x) {
			return sec.String(x)
		}
	case json.RawMessage:
		if sec.Contains(string(x)) {
			return json.RawMessage(sec.String(string(x)))
		}
	}
	return v
}
