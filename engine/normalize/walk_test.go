package normalize

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/tidwall/gjson"
)

// The walk of Normalize reads a record's text once; refNormalize is the
// walk it replaced, member by member with gjson.Result.ForEach, which
// defines the rows a record gives. TestWalkAsGjson and FuzzNormalize
// check that both give the same rows, columns, names, ids and hint
// counts.

func refNormalize(n *Normalizer, rec gjson.Result, extra []Field, out *Rows) error {
	if err := n.extraValues(extra); err != nil {
		return err
	}
	id, _, err := n.rootID(rec, extra)
	if err != nil {
		return err
	}
	var idBox any = id
	n.lens = out.mark(n.lens[:0])
	w := walker{n: n, out: out, rootID: idBox, loadID: n.cfg.LoadID != ""} // not clean: every value searched
	t := n.root
	tr := out.table(t, w.loadID)
	row := w.newRow(tr, idBox)
	if rec.IsObject() {
		refObject(&w, t, tr, t.root, rec, row, 0, idBox)
	} else {
		refValue(&w, t, tr, n.valueNode(t), rec, row, 0, idBox)
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

func refObject(w *walker, t *table, tr *tableRows, nd *node, obj gjson.Result, row schema.Row, level int, rowID any) {
	obj.ForEach(func(k, v gjson.Result) bool {
		f := nd.fields[k.Str]
		if f == nil {
			f = w.n.field(t, nd, k.Str, obj.Raw)
		}
		refValue(w, t, tr, f, v, row, level, rowID)
		return true
	})
}

func refValue(w *walker, t *table, tr *tableRows, nd *node, v gjson.Result, row schema.Row, level int, rowID any) {
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
		if x, typ, ok := scalar(v, nil); ok {
			w.set(tr, nd, row, x, typ)
		}
		return
	}
	switch {
	case level >= w.n.maxNest:
		w.set(tr, nd, row, compact(v.Raw), schema.JSON)
	case v.IsObject():
		refObject(w, t, tr, nd, v, row, level+1, rowID)
	case !nd.noList:
		refList(w, t, nd, v, level+1, rowID)
	}
}

func refList(w *walker, t *table, nd *node, arr gjson.Result, level int, parentID any) {
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
			refObject(w, ct, tr, ct.root, item, row, level, id)
		case item.IsArray():
			w.set(tr, w.n.valueNode(ct), row, compact(item.Raw), schema.JSON)
		default:
			refValue(w, ct, tr, w.n.valueNode(ct), item, row, level, id)
		}
		tr.width = max(tr.width, len(row))
		idx++
		return true
	})
}

// walkSecrets stands for a Redactor: "SEKRET" and `a"b` are credentials.
type walkSecrets struct{}

func (walkSecrets) Contains(s string) bool {
	return strings.Contains(s, "SEKRET") || strings.Contains(s, `a"b`)
}

func (walkSecrets) String(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "SEKRET", "***"), `a"b`, "***")
}

// walkConfigs are the settings a walk depends on: nesting limits, hints
// on objects and scalars, exclude and rename, secrets, ids from content.
func walkConfigs() []Config {
	var out []Config
	for i, nesting := range []int{10, 0, 1, 2, 3, 10} {
		c := Config{Table: "t", PrimaryKey: []string{"id"}, MaxNesting: nesting, MaxIdentLen: 20,
			Hints: map[string]schema.Type{"v__at": schema.Timestamp, "v__n": schema.Decimal, "v__d": schema.Double,
				"k__j": schema.JSON, "v__t": schema.Text, "v": schema.Text}}
		if i >= 3 {
			c.Secrets = walkSecrets{}
			c.Steps = []spec.ProcessingStep{{ExcludeColumns: []string{"v.sub", "k__items"}}, {Rename: map[string]string{"v.a": "renamed"}}}
		}
		if i == 5 {
			c.PrimaryKey, c.IDFromContent = nil, true
		}
		out = append(out, c)
	}
	return out
}

// compareWalks normalizes recs with Normalize and with refNormalize under
// c, page by page, and reports the first page whose rows differ.
func compareWalks(t *testing.T, c Config, recs []string) {
	t.Helper()
	got, want := New(c), New(c)
	var gotRows, wantRows Rows
	extra := []Field{{Name: "_x", Value: "SEKRET x"}}
	flush := func(i int) {
		g, w := walkDump(&gotRows, got), walkDump(&wantRows, want)
		if g != w {
			t.Fatalf("config %+v, records up to %d: rows differ from gjson's walk\n got:\n%s\nwant:\n%s", c, i, g, w)
		}
		gotRows.Reset()
		wantRows.Reset()
	}
	for i, s := range recs {
		rec := gjson.Parse(s)
		gerr, werr := got.Normalize(rec, extra, &gotRows), refNormalize(want, rec, extra, &wantRows)
		if fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Fatalf("record %s: error %v, gjson's walk %v", s, gerr, werr)
		}
		if i%50 == 49 {
			flush(i)
		}
	}
	flush(len(recs))
}

// walkDump is dump with each column's key and nullability and the hint
// tally.
func walkDump(r *Rows, n *Normalizer) string {
	var b strings.Builder
	b.WriteString(dump(r))
	for _, tr := range r.Tables() {
		for _, c := range tr.Observed.Columns {
			fmt.Fprintf(&b, "%s.%s key=%q nullable=%v\n", tr.Name, c.Name, c.Key, c.Nullable)
		}
	}
	for _, p := range n.Hints().Problems() {
		fmt.Fprintf(&b, "hint %v\n", p)
	}
	return b.String()
}

// TestWalkAsGjson compares the walks on the golden records and on random
// records of every shape, under every walkConfig.
func TestWalkAsGjson(t *testing.T) {
	var recs []string
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		gjson.GetBytes(data, "records").ForEach(func(_, v gjson.Result) bool { recs = append(recs, v.Raw); return true })
	}
	r := rand.New(rand.NewPCG(7, 9))
	for i := range 3000 {
		var b strings.Builder
		fmt.Fprintf(&b, `{"id":%d,%q:`, i, []string{"k", "v"}[i%2])
		randomJSON(r, 0, &b)
		b.WriteString("}")
		if s := b.String(); gjson.Valid(s) {
			recs = append(recs, s)
		}
	}
	for _, c := range walkConfigs() {
		compareWalks(t, c, recs)
	}
}

// TestWalkMalformed: a record that is not JSON is an error that appends
// nothing, wherever the text breaks off.
func TestWalkMalformed(t *testing.T) {
	const rec = `{"id":1,"a":{"b":[1,{"c":"x\"y"},[2]],"d":true},"e":"SEKRET"}`
	n := New(Config{Table: "t", PrimaryKey: []string{"id"}, MaxNesting: 10, Secrets: walkSecrets{}})
	for i := len(`{"id":1`); i < len(rec); i++ {
		var rows Rows
		if err := n.Normalize(gjson.Result{Type: gjson.JSON, Raw: rec[:i]}, nil, &rows); err == nil {
			t.Errorf("%s: no error", rec[:i])
		}
		if rows.Len() != 0 {
			t.Errorf("%s: %d rows appended", rec[:i], rows.Len())
		}
	}
	var rows Rows
	if err := n.Normalize(gjson.Parse(rec), nil, &rows); err != nil || rows.Len() != 4 {
		t.Fatalf("whole record: %v, %d rows", err, rows.Len())
	}
}

// randomJSON writes a random JSON value of the shapes that matter to a
// walk: nested objects and lists, whitespace anywhere, escaped and
// colliding keys, every kind of number, timestamps, strings holding a
// secret raw or escaped.
func randomJSON(r *rand.Rand, depth int, b *strings.Builder) {
	ws := func() {
		if r.IntN(6) == 0 {
			b.WriteString([]string{" ", "\n", "\t ", "\r\n  "}[r.IntN(4)])
		}
	}
	ws()
	k := r.IntN(10)
	if depth > 4 {
		k = 4 + r.IntN(6)
	}
	switch k {
	case 0, 1, 2:
		b.WriteString("{")
		n := r.IntN(5)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			ws()
			keys := []string{`"id"`, `"a"`, `"fooBar"`, `"foo_bar"`, `"x.y"`, `"a\"b"`, `"caf\u00e9"`, `"tags"`, `"at"`, `"n"`, `"d"`, `"value"`, `"_pipe_id"`, `"Items"`, `"items"`, `"sub"`, `"t"`, `"j"`}
			b.WriteString(keys[r.IntN(len(keys))])
			ws()
			b.WriteString(":")
			randomJSON(r, depth+1, b)
		}
		ws()
		b.WriteString("}")
	case 3:
		b.WriteString("[")
		n := r.IntN(4)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			randomJSON(r, depth+1, b)
		}
		ws()
		b.WriteString("]")
	case 4, 5:
		strs := []string{`"plain"`, `""`, `"esc\"aped\\"`, `"uni\u00e9\ud83d\ude00"`, `"2024-01-02T03:04:05Z"`, `"2024-01-02 03:04:05+0100"`, `"2024-01-02"`, `"SEKRET inside"`, `"SEK\u0052ET"`, `"42"`, `"true"`, `"1.5"`, `"a\"b"`, `"x\/y"`}
		b.WriteString(strs[r.IntN(len(strs))])
	case 6, 7:
		nums := []string{"0", "-1", "42", "3.0", "1e3", "1.5E-7", "12345678901234567890", "1e400", "0.1", "-0", "1700000000000", "9007199254740993.5"}
		b.WriteString(nums[r.IntN(len(nums))])
	case 8:
		b.WriteString([]string{"true", "false"}[r.IntN(2)])
	default:
		b.WriteString("null")
	}
	ws()
}
