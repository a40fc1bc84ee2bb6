package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/credentials/secrets"
	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/destinations/postgres"
	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/destinations/sqlload"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/internal/pgtest"
)

// The parity tests (apis_pgparity_*_test.go) run one spec against one
// fake twice, once into a new SQLite file and once into a fresh Postgres
// schema, and compare what the two databases hold: every data table, row
// by row and column by column as typed values, and the incremental
// cursors. A run that completes into one destination must complete into
// the other with the same values, or the difference must be one the
// README documents (Postgres refuses NUL, lone surrogates in JSON and
// digits below the microsecond; it cuts names at 63 bytes).
//
// Only what the README documents to differ is normalised before the
// comparison:
//   - table and column names: a column is known by the JSON key
//     _pipe_schema records for it, a child table by its parent and the
//     key of the list it holds (Postgres cuts long names and ends them
//     in a hash; SQLite keeps them);
//   - row ids: _pipe_id is random without a primary key, so a row is
//     known by its content (a root row) or by its parent and list index
//     (a child row); _pipe_load_id and _pipe_hash (which covers the
//     identifier limit) are left out;
//   - booleans (0/1 in SQLite), timestamps (RFC 3339 text in SQLite,
//     timestamptz in Postgres) and decimals (SQLite keeps the literal,
//     Postgres' numeric its value: compared as exact rationals);
//   - -0 in a double or decimal column reads as 0 (README: SQLite's
//     DOUBLE and Postgres' numeric hold no negative zero);
//   - JSON (text in SQLite, jsonb in Postgres, which orders keys and
//     writes numbers as numeric does): compared with every object's
//     members sorted by key, a key twice kept twice, numbers as exact
//     rationals.

// parityCase is one spec run into both destinations, runs times.
type parityCase struct {
	vendor string            // the spec's name
	text   string            // the spec
	env    map[string]string // the secrets, by upper-cased name
	// fake starts the fakes for one destination and returns what
	// readies them for run n (0 for the first), changing what they serve
	// if the case wants, and returns the spec's vars.
	fake func(t *testing.T) func(run int) map[string]string
	runs int // 1 when 0
	// tune, when set, adjusts the run options (both destinations').
	tune func(*engine.Options)
	// pgParams are set in the Postgres DSN pipe loads through
	// ("timezone=Asia/Kolkata": the session's zone; "schema=My Data":
	// the dataset).
	pgParams []string
	// pgFails, when not empty, says that Postgres is documented to
	// refuse what SQLite keeps: its run must fail with an error holding
	// every part (the table, the column, the fix) while SQLite's
	// completes; the databases are then not compared.
	pgFails []string
	// bothFail, when not empty, is what both errors must hold.
	bothFail []string
}

// parityOutcome is what one destination made of a case: its runs, and
// its tables after each run.
type parityOutcome struct {
	d     *typesDest
	runs  []*vendorRun
	dumps []parityDump
}

// parityDests returns a new SQLite destination and a fresh Postgres
// schema (skipping t when no server is reachable), read in UTC; params
// are set in the DSN pipe writes through (a session time zone), and a
// "schema=NAME" among them names the dataset instead (NAME and the fresh
// schema's random suffix: any name, quoted, dropped at cleanup).
func parityDests(t *testing.T, params ...string) (sq, pg *typesDest) {
	t.Helper()
	dsn, fresh := pgtest.DSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	dataset := ""
	for _, p := range params {
		k, v, _ := strings.Cut(p, "=")
		if k == "schema" {
			dataset = v + strings.TrimPrefix(fresh, "pipe_test") // unique, as the fresh schema is
			v = dataset
		}
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	pipeDSN := u.String()
	db := pgtest.Open(t, dsn)
	if dataset != "" {
		quoted := `"` + strings.ReplaceAll(dataset, `"`, `""`) + `"`
		t.Cleanup(func() { _, _ = db.Exec(`DROP SCHEMA IF EXISTS ` + quoted + ` CASCADE`) })
		if _, err := db.Exec(`SET search_path TO ` + quoted); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`SET TimeZone TO 'UTC'`); err != nil {
		t.Fatal(err)
	}
	pg = &typesDest{
		name: "postgres",
		open: func(ctx context.Context) (destinations.Destination, error) { return postgres.Open(ctx, pipeDSN) },
		db:   db,
	}
	path := filepath.Join(t.TempDir(), "parity.db")
	sq = &typesDest{
		name: "sqlite",
		open: func(ctx context.Context) (destinations.Destination, error) { return sqlite.Open(ctx, path) },
		db:   openDB(t, path),
		file: path,
	}
	return sq, pg
}

// parity runs c into SQLite and Postgres and, after each run, checks that
// both completed or both failed and that both databases hold the same
// data; it returns both outcomes for the case's own checks.
func parity(t *testing.T, c parityCase) (sq, pg *parityOutcome) {
	t.Helper()
	sd, pd := parityDests(t, c.pgParams...)
	sq, pg = &parityOutcome{d: sd}, &parityOutcome{d: pd}
	runs := max(c.runs, 1)
	next := map[*parityOutcome]func(int) map[string]string{sq: c.fake(t), pg: c.fake(t)}
	for n := range runs {
		for _, o := range []*parityOutcome{sq, pg} {
			vars := next[o](n)
			r := parityRunOnce(t, o.d, c, vars)
			o.runs = append(o.runs, r)
			o.dumps = append(o.dumps, parityRead(t, o.d))
		}
		se, pe := sq.runs[n].err, pg.runs[n].err
		switch {
		case len(c.pgFails) > 0 && n == runs-1:
			if se != nil {
				t.Fatalf("run %d: sqlite: %v", n+1, se)
			}
			if pe == nil {
				t.Fatalf("run %d: postgres completed, want an error holding %q", n+1, c.pgFails)
			}
			for _, p := range c.pgFails {
				if !strings.Contains(pe.Error(), p) {
					t.Errorf("run %d: postgres: %v\nwant it to hold %s", n+1, pe, p)
				}
			}
			continue
		case len(c.bothFail) > 0 && n == runs-1:
			for _, o := range []*parityOutcome{sq, pg} {
				err := o.runs[n].err
				if err == nil {
					t.Errorf("run %d: %s completed, want an error holding %q", n+1, o.d.name, c.bothFail)
					continue
				}
				for _, p := range c.bothFail {
					if !strings.Contains(err.Error(), p) {
						t.Errorf("run %d: %s: %v\nwant it to hold %s", n+1, o.d.name, err, p)
					}
				}
			}
		case se != nil || pe != nil:
			t.Fatalf("run %d: sqlite: %v\npostgres: %v\nlogs (postgres):\n%s", n+1, se, pe, lastLines(pg.runs[n].logs, 20))
		}
		parityCompare(t, fmt.Sprintf("run %d", n+1), sq.dumps[n], pg.dumps[n])
		if se == nil && pe == nil {
			parityCounts(t, fmt.Sprintf("run %d", n+1), sq.runs[n].rep, pg.runs[n].rep)
			if n == 0 && len(sq.dumps[0].rows) == 0 {
				t.Errorf("run 1 loaded no rows: nothing to compare")
			}
		}
		if testing.Verbose() {
			t.Logf("run %d: sqlite: %v\n%s", n+1, se, sq.dumps[n])
			t.Logf("run %d: postgres: %v\n%s", n+1, pe, pg.dumps[n])
		}
	}
	return sq, pg
}

// parityRunOnce runs c's spec with vars into d, as typesDest.run does
// (secrets from c.env, debug logs captured, no retry waits), the options
// tuned by c.tune.
func parityRunOnce(t *testing.T, d *typesDest, c parityCase, vars map[string]string) *vendorRun {
	t.Helper()
	p := vendorPlan(t, c.vendor, c.text, vars)
	v := &vendorRun{db: d.file}
	logs := &syncBuffer{}
	o := engine.Options{
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { s, ok := c.env[k]; return s, ok }},
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sleep:   noWait,
	}
	if c.tune != nil {
		c.tune(&o)
	}
	ctx := context.Background()
	dest, err := d.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	o.Dest = dest
	v.rep, v.err = engine.Run(ctx, p, o) // Run sets MaxIdentLen from the destination, as pipe run does
	v.logs = logs.String()
	return v
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// parityDump is a database's data as the parity tests compare it: per
// table (by its canonical name), its columns' types and its rows, each
// row its cells by column key, sorted; and the cursors.
type parityDump struct {
	types  map[string]map[string]string // table -> column key -> logical type
	rows   map[string][]string          // table -> rows, each "key=value" cells joined by "\n  ", sorted
	names  map[string]string            // canonical table -> the destination's name
	cursor []string                     // resource|parent_key|cursor, sorted
	loads  []string                     // each load's status and rows written, oldest first
}

// String lists the dump's tables, types and rows.
func (d parityDump) String() string {
	var b strings.Builder
	var names []string
	for cn := range d.types {
		names = append(names, cn)
	}
	sort.Strings(names)
	for _, cn := range names {
		fmt.Fprintf(&b, "table %s (%s) %v\n", cn, d.names[cn], d.types[cn])
		for _, r := range d.rows[cn] {
			fmt.Fprintf(&b, "  %s\n", strings.ReplaceAll(r, "\n  ", " "))
		}
	}
	fmt.Fprintf(&b, "cursors %q\n", d.cursor)
	return b.String()
}

// parityTable is a data table as _pipe_schema records it.
type parityTable struct {
	name, parent string
	cols         []typesColumn
}

// parityRead reads every data table of d, and its cursors.
func parityRead(t *testing.T, d *typesDest) parityDump {
	t.Helper()
	dump := parityDump{types: map[string]map[string]string{}, rows: map[string][]string{}, names: map[string]string{}}
	if !parityHasTable(t, d, destinations.SchemaTable) {
		return dump
	}
	tables := map[string]*parityTable{}
	eachRow(t, d.db, `SELECT s.table_name, s.parent_table, s.columns_json FROM _pipe_schema s
WHERE s.version = (SELECT max(v.version) FROM _pipe_schema v WHERE v.table_name = s.table_name)`, func(_ []string, vals []any) {
		pt := &parityTable{name: typesCell(vals[0]), parent: typesCell(vals[1])}
		if pt.parent == "NULL" {
			pt.parent = ""
		}
		if err := json.Unmarshal([]byte(typesCell(vals[2])), &pt.cols); err != nil {
			t.Fatalf("%s: _pipe_schema of %s: %v", d.name, pt.name, err)
		}
		tables[pt.name] = pt
	})
	// A table's canonical name: a root table's own, a child's its
	// parent's canonical name and the key of the list it holds.
	canon := map[string]string{}
	var name func(tb string) string
	name = func(tb string) string {
		if c, ok := canon[tb]; ok {
			return c
		}
		pt := tables[tb]
		// A root table is named after its resource, which Postgres cuts
		// as sqlload.ShortName does past 63 bytes.
		c := sqlload.ShortName(tb, 63)
		if pt != nil && pt.parent != "" {
			key := "?" + tb
			for _, col := range pt.cols {
				if col.Name == schema.ColParentID && col.Key != "" {
					key = col.Key
				}
			}
			c = name(pt.parent) + "[" + key + "]"
		}
		canon[tb] = c
		return c
	}
	// Rows are known by their content (root tables) or their parent's
	// identity and list index (child tables), so parents go first.
	order := make([]string, 0, len(tables))
	for tb := range tables {
		order = append(order, tb)
	}
	sort.Slice(order, func(i, j int) bool {
		return strings.Count(name(order[i]), "[") < strings.Count(name(order[j]), "[") ||
			strings.Count(name(order[i]), "[") == strings.Count(name(order[j]), "[") && name(order[i]) < name(order[j])
	})
	ident := map[string]string{} // _pipe_id -> identity
	for _, tb := range order {
		pt := tables[tb]
		cn := name(tb)
		dump.names[cn] = tb
		d.schemaOf(t, tb) // checks the declared types against _pipe_schema
		types := map[string]string{}
		colKey := map[string]string{}
		for _, c := range pt.cols {
			k := c.Key
			if k == "" || c.Name == schema.ColParentID {
				k = c.Name
			}
			if _, dup := types[k]; dup {
				k += "|" + c.Type
			}
			types[k], colKey[c.Name] = c.Type, k
		}
		dump.types[cn] = types
		seen := map[string]int{}
		eachRow(t, d.db, `SELECT * FROM `+quoteIdent(tb), func(cols []string, vals []any) {
			var cells []string
			var id, parent, idx string
			for i, col := range cols {
				k, ok := colKey[col]
				if !ok {
					t.Errorf("%s: table %s: column %s is not in _pipe_schema", d.name, tb, col)
					continue
				}
				switch col {
				case schema.ColLoadID, schema.ColHash, schema.ColRootID:
					continue
				case schema.ColID:
					id = typesCell(vals[i])
					continue
				case schema.ColParentID:
					parent = typesCell(vals[i])
					continue
				case schema.ColListIdx:
					idx = typesCell(vals[i])
				}
				cell, err := parityCell(types[k], vals[i])
				if err != nil {
					t.Errorf("%s: table %s column %s: %v", d.name, tb, col, err)
				}
				cells = append(cells, k+"="+cell)
			}
			sort.Strings(cells)
			row := strings.Join(cells, "\n  ")
			if pt.parent != "" {
				p, ok := ident[parent]
				if !ok {
					t.Errorf("%s: table %s: row %s has no parent row %s", d.name, tb, id, parent)
				}
				row = "parent=" + p + "\n  " + row
				ident[id] = p + "/" + idx
			} else {
				seen[row]++
				ident[id] = fmt.Sprintf("%s#%d{%s}", cn, seen[row], row)
			}
			dump.rows[cn] = append(dump.rows[cn], row)
		})
		sort.Strings(dump.rows[cn])
	}
	if parityHasTable(t, d, destinations.LoadsTable) {
		eachRow(t, d.db, `SELECT status, rows_json FROM _pipe_loads ORDER BY started_at, load_id`, func(_ []string, vals []any) {
			var rows map[string]int64
			_ = json.Unmarshal([]byte(typesCell(vals[1])), &rows)
			var total int64
			for _, n := range rows {
				total += n
			}
			dump.loads = append(dump.loads, fmt.Sprintf("%s %d rows", typesCell(vals[0]), total))
		})
	}
	if parityHasTable(t, d, destinations.StateTable) {
		eachRow(t, d.db, `SELECT resource, parent_key, "cursor" FROM _pipe_state`, func(_ []string, vals []any) {
			dump.cursor = append(dump.cursor, typesCell(vals[0])+"|"+typesCell(vals[1])+"|"+typesCell(vals[2]))
		})
		sort.Strings(dump.cursor)
	}
	return dump
}

// parityHasTable reports whether d has table.
func parityHasTable(t *testing.T, d *typesDest, table string) bool {
	t.Helper()
	q := d.pick(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '`+table+`'`,
		`SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '`+table+`'`)
	return count(t, d.db, q) > 0
}

// parityCompare fails t where the dumps differ.
func parityCompare(t *testing.T, what string, sq, pg parityDump) {
	t.Helper()
	var names []string
	for cn := range sq.types {
		names = append(names, cn)
	}
	for cn := range pg.types {
		if _, ok := sq.types[cn]; !ok {
			names = append(names, cn)
		}
	}
	sort.Strings(names)
	for _, cn := range names {
		st, sok := sq.types[cn]
		pt, pok := pg.types[cn]
		if !sok || !pok {
			t.Errorf("%s: table %s only in %s", what, cn, map[bool]string{true: "sqlite (as " + sq.names[cn] + ")", false: "postgres (as " + pg.names[cn] + ")"}[sok])
			continue
		}
		label := fmt.Sprintf("%s: table %s (sqlite %s, postgres %s)", what, cn, sq.names[cn], pg.names[cn])
		keys := map[string]bool{}
		for k := range st {
			keys[k] = true
		}
		for k := range pt {
			keys[k] = true
		}
		for k := range keys {
			if st[k] != pt[k] {
				t.Errorf("%s: column %s: sqlite %q, postgres %q", label, k, st[k], pt[k])
			}
		}
		sr, pr := sq.rows[cn], pg.rows[cn]
		if len(sr) != len(pr) {
			t.Errorf("%s: %d rows in sqlite, %d in postgres", label, len(sr), len(pr))
		}
		for i := range min(len(sr), len(pr)) {
			if sr[i] != pr[i] {
				t.Errorf("%s: row %d differs:\nsqlite:\n  %s\npostgres:\n  %s", label, i, sr[i], pr[i])
				break
			}
		}
	}
	curSameRows(t, what+": cursors (sqlite, then postgres)", sq.cursor, pg.cursor)
	curSameRows(t, what+": loads (sqlite, then postgres)", sq.loads, pg.loads)
}

// parityCounts fails t where the reports of two completed runs count
// other rows per table (tables whose names Postgres cut are left out).
func parityCounts(t *testing.T, what string, sq, pg *engine.Report) {
	t.Helper()
	for table, n := range sq.Tables {
		m, ok := pg.Tables[table]
		if ok && m != n || !ok && len(table) <= 63 {
			t.Errorf("%s: report: table %s: %d rows in sqlite, %d in postgres", what, table, n, m)
		}
		if sc, pc := sq.Changes[table], pg.Changes[table]; ok && sc != pc {
			t.Errorf("%s: report: table %s: changes %+v in sqlite, %+v in postgres", what, table, sc, pc)
		}
	}
}

// parityCell is a stored value of a column of type typ in a form equal
// for both destinations when the value is the same (see the file's
// comment for what is normalised).
func parityCell(typ string, v any) (string, error) {
	if v == nil {
		return "NULL", nil
	}
	switch schema.Type(typ) {
	case schema.Boolean:
		switch x := v.(type) {
		case bool:
			return strconv.FormatBool(x), nil
		case int64:
			if x == 0 || x == 1 {
				return strconv.FormatBool(x == 1), nil
			}
		}
	case schema.Bigint:
		if x, ok := v.(int64); ok {
			return strconv.FormatInt(x, 10), nil
		}
	case schema.Double:
		switch x := v.(type) {
		case float64:
			if x == 0 {
				return "0", nil
			}
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		case int64:
			return strconv.FormatFloat(float64(x), 'g', -1, 64), nil
		}
	case schema.Decimal:
		if s, ok := v.(string); ok {
			return parityNumber(s)
		}
	case schema.Timestamp:
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Format(time.RFC3339Nano), nil
		case string:
			tm, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return x, fmt.Errorf("timestamp %q: %v", x, err)
			}
			return tm.UTC().Format(time.RFC3339Nano), nil
		}
	case schema.JSON:
		if s, ok := v.(string); ok {
			return parityJSON(s)
		}
	case schema.Text:
		if s, ok := v.(string); ok {
			return strconv.Quote(s), nil
		}
	}
	return fmt.Sprintf("%T(%v)", v, v), fmt.Errorf("a %T in a %s column", v, typ)
}

// parityNumber is a number literal as an exact rational, 0 for -0.
func parityNumber(s string) (string, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return s, fmt.Errorf("number %q is no exact number", s)
	}
	return r.RatString(), nil
}

// parityJSON is JSON text with each object's members sorted by key (a key
// twice kept twice, in order) and numbers as exact rationals.
func parityJSON(s string) (string, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var b strings.Builder
	if err := parityJSONValue(dec, &b); err != nil {
		return s, fmt.Errorf("json %q: %v", s, err)
	}
	return b.String(), nil
}

func parityJSONValue(dec *json.Decoder, b *strings.Builder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch x := tok.(type) {
	case json.Delim:
		if x == '[' {
			b.WriteString("[")
			for i := 0; dec.More(); i++ {
				if i > 0 {
					b.WriteString(",")
				}
				if err := parityJSONValue(dec, b); err != nil {
					return err
				}
			}
			b.WriteString("]")
			_, err = dec.Token()
			return err
		}
		type member struct{ key, text string }
		var members []member
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			var v strings.Builder
			if err := parityJSONValue(dec, &v); err != nil {
				return err
			}
			members = append(members, member{k.(string), strconv.Quote(k.(string)) + ":" + v.String()})
		}
		sort.SliceStable(members, func(i, j int) bool { return members[i].key < members[j].key })
		b.WriteString("{")
		for i, m := range members {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(m.text)
		}
		b.WriteString("}")
		_, err = dec.Token()
		return err
	case json.Number:
		n, err := parityNumber(string(x))
		b.WriteString(n)
		return err
	case string:
		b.WriteString(strconv.Quote(x))
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	default:
		b.WriteString(fmt.Sprint(x))
	}
	return nil
}
