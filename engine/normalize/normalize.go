package normalize

import (
	"encoding/json"
	"fmt"
	"unsafe"

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
// for a Required column is an error, as is a record that is not valid
// JSON. On error nothing is appended.
func (n *Normalizer) Normalize(rec gjson.Result, extra []Field, out *Rows) error {
	if n.err != nil {
		return n.err
	}
	if err := n.extraValues(extra); err != nil {
		return err
	}
	id, former, err := n.rootID(rec, extra)
	if err != nil {
		return err
	}
	idBox := n.box.str(id) // boxed once: root and child rows share it
	n.lens = out.mark(n.lens[:0])
	w := walker{n: n, out: out, rootID: idBox, loadID: n.cfg.LoadID != "", text: rec.Raw}
	// One search of the record's text for credentials covers every value
	// that is a piece of it; the others are searched one by one.
	w.clean = n.cfg.Secrets == nil || !n.cfg.Secrets.Contains(rec.Raw)
	t := n.root
	tr := out.table(t, w.loadID)
	row := w.newRow(tr, idBox)
	if n.fp != nil { // see fingerprint.go
		tr.addColumn(schema.ColHash, "", schema.Text, false)
		n.fp.begin()
	}
	switch {
	case rec.IsObject():
		w.object(t, tr, t.root, rec.Raw, 0, 0, row, idBox)
	case rec.Type == gjson.JSON:
		w.value(t, tr, n.valueNode(t), rec.Raw, skipSpace(rec.Raw, 0), 0, row, idBox)
	default:
		w.atom(tr, n.valueNode(t), rec, row)
	}
	if w.bad {
		out.rollback(n.lens)
		return fmt.Errorf("table %q: record is not valid JSON", n.cfg.Table)
	}
	if w.dup != "" {
		out.rollback(n.lens)
		return fmt.Errorf("table %q: primary key field %q: %w, so the record's key is ambiguous", n.cfg.Table, w.dup, ErrDuplicateKey)
	}
	if w.lone != nil {
		out.rollback(n.lens)
		return fmt.Errorf("table %q: field %q: %w (a \\uD800–\\uDFFF escape without its pair), which UTF-8 text cannot hold: it would be stored altered, as U+FFFD; columns: {%s: {data_type: json}} stores the field's JSON text as received (in SQLite: Postgres' jsonb refuses it too), processing_steps exclude_columns leaves it out", n.cfg.Table, w.lone.path, ErrLoneSurrogate, w.lone.full)
	}
	for i, f := range extra {
		if n.vals[i] == nil {
			continue
		}
		if nd := n.extraNode(f.Name); nd != nil {
			w.set(tr, nd, row, n.vals[i], n.types[i])
		}
	}
	if n.fp != nil {
		raw := rec.Raw
		if !w.clean {
			raw = n.cfg.Secrets.String(raw)
		}
		row[schema.ColHash] = n.fp.record(raw, extra, n.vals, n.cfg.Secrets, out, n.lens)
	}
	tr.width = max(tr.width, len(row))
	if err := n.required(row); err != nil {
		out.rollback(n.lens)
		return err
	}
	if former != "" {
		out.addFormer(id, former)
	}
	n.lastID = id
	return nil
}

// Drop removes from out the rows of the record Normalize last added to
// it; out must be the Rows of that call, unchanged since.
func (n *Normalizer) Drop(out *Rows) { out.rollback(n.lens) }

// RootID returns the _pipe_id of the root row of the record that
// Normalize last made rows of.
func (n *Normalizer) RootID() string { return n.lastID }

// walker carries what one record's walk needs. Whatever changes the rows
// the walk makes of a given record under given settings must bump
// fingerprintVersion (fingerprint.go), or merges would leave records
// stored under the old rows out as unchanged. Row ids are passed as
// interface values holding a string, boxed once for all the rows that
// hold them. Values are read from text, the record's JSON, at byte
// offsets; each walk method returns the offset after what it read.
type walker struct {
	n      *Normalizer
	out    *Rows
	rootID any
	loadID bool
	text   string // the record's JSON text
	clean  bool   // no secret in text
	bad    bool   // text is not valid JSON: the walk stopped
	dup    string // the path of a key met twice in one object, if any
	lone   *node  // a field whose string holds a lone UTF-16 surrogate, if any
}

func (w *walker) newRow(tr *tableRows, id any) schema.Row {
	row := tr.newRow(w.out)
	row[schema.ColID] = id
	if w.loadID {
		row[schema.ColLoadID] = w.n.loadID
	}
	return row
}

// malformed records that the text is not valid JSON, and returns its end
// to stop the walk.
func (w *walker) malformed(s string) int {
	w.bad = true
	return len(s)
}

// object flattens the members of the object at s[i], at nesting level
// level, into row.
func (w *walker) object(t *table, tr *tableRows, nd *node, s string, i, level int, row schema.Row, rowID any) int {
	start := i
	if i = skipSpace(s, i+1); i < len(s) && s[i] == '}' {
		return i + 1
	}
	w.n.visits++
	visit := w.n.visits
	for k := 0; i < len(s) && s[i] == '"'; k++ {
		end, escaped, ok := stringEnd(s, i)
		if !ok {
			break
		}
		key := unquote(s[i:end], escaped)
		if i = skipSpace(s, end); i >= len(s) || s[i] != ':' {
			break
		}
		if i = skipSpace(s, i+1); i >= len(s) {
			break
		}
		f, ok := w.n.member(t, nd, k, key, s, start)
		if !ok {
			break
		}
		if f.keyed { // a duplicate elsewhere is read as JSON parsers do: the last one wins
			if f.visit == visit && w.dup == "" {
				w.dup = f.path
			}
			f.visit = visit
		}
		i = skipSpace(s, w.value(t, tr, f, s, i, level, row, rowID))
		if i < len(s) && s[i] == '}' {
			return i + 1
		}
		if i >= len(s) || s[i] != ',' {
			break
		}
		i = skipSpace(s, i+1)
	}
	return w.malformed(s)
}

// value puts the value at s[i], found at nd, into row or into child
// tables.
func (w *walker) value(t *table, tr *tableRows, nd *node, s string, i, level int, row schema.Row, rowID any) int {
	c := s[i]
	if c != '{' && c != '[' {
		v, end, ok := atom(s, i)
		if !ok {
			return w.malformed(s)
		}
		w.atom(tr, nd, v, row)
		return end
	}
	if nd.skip {
		return w.skip(s, i)
	}
	if nd.hint != "" {
		end, ok := valueEnd(s, i)
		if !ok {
			return w.malformed(s)
		}
		if x, ok := w.n.applyHint(nd, gjson.Result{Type: gjson.JSON, Raw: s[i:end]}); ok {
			w.set(tr, nd, row, x, nd.hint)
			return end
		}
	}
	switch {
	case level >= w.n.maxNest:
		end, ok := valueEnd(s, i)
		if !ok {
			return w.malformed(s)
		}
		w.set(tr, nd, row, compact(s[i:end]), schema.JSON)
		return end
	case c == '{':
		return w.object(t, tr, nd, s, i, level+1, row, rowID)
	case !nd.noList:
		return w.list(t, nd, s, i, level+1, rowID)
	}
	return w.skip(s, i)
}

// skip returns the end of the value at s[i], which is not read.
func (w *walker) skip(s string, i int) int {
	end, ok := valueEnd(s, i)
	if !ok {
		return w.malformed(s)
	}
	return end
}

// atom puts v, a string, number or literal found at nd, into row.
func (w *walker) atom(tr *tableRows, nd *node, v gjson.Result, row schema.Row) {
	if nd.skip {
		return
	}
	if v.Type == gjson.String && len(v.Raw) > len(v.Str)+2 && nd.hint != schema.JSON && w.lone == nil && LoneSurrogate(v.Raw) {
		w.lone = nd
	}
	if nd.hint != "" {
		if x, ok := w.n.applyHint(nd, v); ok {
			w.set(tr, nd, row, x, nd.hint)
			return
		}
	}
	if x, typ, ok := scalar(v, &w.n.box); ok {
		w.set(tr, nd, row, x, typ)
	}
}

// list writes the items of the list at s[i], at nd in the row parentID,
// to nd's child table. Item fields are at nesting level level.
func (w *walker) list(t *table, nd *node, s string, i, level int, parentID any) int {
	if i = skipSpace(s, i+1); i < len(s) && s[i] == ']' {
		return i + 1
	}
	if nd.child == nil {
		nd.child = w.n.newTable(t, nd)
	}
	ct := nd.child
	tr := w.out.table(ct, w.loadID)
	for idx := 0; i < len(s); idx++ {
		id := w.n.box.str(w.n.childID(parentID.(string), nd.full, idx))
		row := w.newRow(tr, id)
		row[schema.ColParentID] = parentID
		row[schema.ColRootID] = w.rootID
		row[schema.ColListIdx] = int64(idx)
		var end int
		switch s[i] {
		case '{':
			end = w.object(ct, tr, ct.root, s, i, level, row, id)
		case '[': // lists of lists: the inner list is one JSON value
			var ok bool
			if end, ok = valueEnd(s, i); !ok {
				return w.malformed(s)
			}
			w.set(tr, w.n.valueNode(ct), row, compact(s[i:end]), schema.JSON)
		default:
			end = w.value(ct, tr, w.n.valueNode(ct), s, i, level, row, id)
		}
		if fp := w.n.fp; fp != nil {
			text := s[i:end]
			if !w.clean {
				text = w.n.cfg.Secrets.String(text)
			}
			fp.item(ct, text)
		}
		tr.width = max(tr.width, len(row))
		if i = skipSpace(s, end); i < len(s) && s[i] == ']' {
			return i + 1
		}
		if i >= len(s) || s[i] != ',' {
			break
		}
		i = skipSpace(s, i+1)
	}
	return w.malformed(s)
}

func (w *walker) set(tr *tableRows, nd *node, row schema.Row, v any, typ schema.Type) {
	if sec := w.n.cfg.Secrets; sec != nil {
		if !w.clean || !within(textOf(v), w.text) {
			v = withoutSecrets(sec, v)
		}
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
		if s := textOf(x); sec.Contains(s) {
			return json.RawMessage(sec.String(s))
		}
	}
	return v
}

// textOf returns the text of a string or JSON value, sharing its bytes,
// and "" for other values (which hold no credential).
func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.RawMessage:
		return unsafe.String(unsafe.SliceData(x), len(x))
	}
	return ""
}
