package dashboard

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/pipe-etl/pipe/internal/dbview"
)

// historyLen is how many loads the history page shows and charts.
const historyLen = 50

func (s *Server) loads(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	loads, err := s.v.Loads(ctx, historyLen)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "loads", "Loads", struct {
		Loads []dbview.Load
		Chart chart
	}{loads, newChart(loads)})
}

func (s *Server) load(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	l, err := s.v.Load(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if l == nil {
		http.NotFound(w, r)
		return
	}
	type tableRows struct {
		Name string
		Rows int64
	}
	var ts []tableRows
	for name, n := range l.Rows {
		ts = append(ts, tableRows{name, n})
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	s.render(w, r, "load", "Load "+l.ID, struct {
		Load   *dbview.Load
		Tables []tableRows
	}{l, ts})
}

// node is a table in the tree of tables.
type node struct {
	dbview.Table
	Children []node
}

func tree(children map[string][]dbview.Table, parent string) []node {
	var out []node
	for _, t := range children[parent] {
		out = append(out, node{t, tree(children, t.Name)})
	}
	return out
}

func (s *Server) tables(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	tables, err := s.v.Tables(ctx)
	if err == nil {
		err = s.v.Estimate(ctx, tables)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "tables", "Tables", struct {
		Tables []dbview.Table
		Tree   []node
	}{tables, tree(dbview.Children(tables), "")})
}

// cellMax is the most characters of a value a table cell shows.
const cellMax = 200

// pageRows is the rows per page of the table browser.
const pageRows = 50

func (s *Server) table(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	name := r.PathValue("name")
	tables, err := s.v.Tables(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var t *dbview.Table
	for i := range tables {
		if tables[i].Name == name {
			t = &tables[i]
		}
	}
	if t == nil {
		http.NotFound(w, r)
		return
	}
	after := r.URL.Query().Get("after")
	res, err := s.v.Browse(ctx, name, after, pageRows)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "table", name, struct {
		Table  *dbview.Table
		Result *dbview.Result
		After  string
	}{t, clip(res), after})
}

// stateRows is the cursors per page of the state page: a child resource
// has one per parent record, which may be millions.
const stateRows = 100

func (s *Server) state(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	q := r.URL.Query()
	after := dbview.StateKey{Pipeline: q.Get("pipeline"), Resource: q.Get("resource"), ParentKey: q.Get("parent")}
	cursors, more, err := s.v.StatePage(ctx, after, stateRows)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := struct {
		Cursors []dbview.Cursor
		First   bool
		Next    string // URL of the next page, "" on the last
	}{Cursors: cursors, First: after == dbview.StateKey{}}
	if more {
		k := cursors[len(cursors)-1].Key()
		data.Next = "/state?" + url.Values{"pipeline": {k.Pipeline}, "resource": {k.Resource}, "parent": {k.ParentKey}}.Encode()
	}
	s.render(w, r, "state", "State", data)
}

// queryRows is the most rows the SQL box shows.
const queryRows = 200

func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.FormValue("q"))
	offset, _ := strconv.Atoi(r.FormValue("offset"))
	data := struct {
		Query        string
		Result       *dbview.Result
		Error        string
		From, Next   int
		CanGoFurther bool
	}{Query: q, From: offset + 1, Next: offset + queryRows}
	data.CanGoFurther = data.Next <= dbview.MaxOffset
	if q != "" {
		res, err := s.v.Query(r.Context(), q, offset, queryRows, s.opts.QueryTimeout)
		if err != nil {
			data.Error = err.Error()
		} else {
			data.Result = clip(res)
		}
	}
	s.render(w, r, "query", "Query", data)
}

// clip shortens long values for display.
func clip(res *dbview.Result) *dbview.Result {
	for _, row := range res.Rows {
		for i, c := range row {
			if r := []rune(c.Text); len(r) > cellMax {
				row[i].Text = string(r[:cellMax]) + "…"
			}
		}
	}
	return res
}
