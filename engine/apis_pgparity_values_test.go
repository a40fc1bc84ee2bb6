package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/destinations/sqlload"
	"github.com/pipe-etl/pipe/engine"
)

// paritySpec is the bodies fake's spec (apis_hostile_bodies_test.go) as a
// merge, with a line of hints added to the resource.
func paritySpec(disposition, hints string) string {
	return `name: parity
vars:
  api_url: {default: "https://api.example.com"}
client:
  base_url: "{vars.api_url}/"
  auth: {type: bearer, token: "{secrets.bodies_token}"}
  paginator: {type: json_link, next_url_path: next}
resources:
  - name: items
    primary_key: id
    write_disposition: ` + disposition + `
    endpoint: {path: items, data_selector: items}
    ` + hints + `
`
}

// parityPages returns a fake for parityCase: run n gets the two pages
// of pages[n] (records, without the envelope; the last pages for later
// runs) from the bodies fake.
func parityPages(pages ...[2]string) func(t *testing.T) func(int) map[string]string {
	return func(t *testing.T) func(int) map[string]string {
		return func(run int) map[string]string {
			p := pages[min(run, len(pages)-1)]
			api := &bodiesAPI{first: `{"items": [` + p[0] + `], "next": "/items?page=2"}`, second: servePage(`{"items": [` + p[1] + `]}`)}
			return map[string]string{"api_url": newVendorOrigin(t, api).srv.URL}
		}
	}
}

// parityValueCase is one hostile value in both destinations.
type parityValueCase struct {
	name         string
	page1, page2 string // records
	hints        string
	pgFails      []string
	bothFail     []string
	query        string   // checked in both destinations, as typesCell writes values
	rows         []string // what query must read
}

// TestParityHostileValues: values chosen to hurt a loader that writes to
// two databases: numbers past a double's and int64's reach, exponents,
// negative zero, offsets and dates at the ends of what each database
// holds, NUL, surrogates, keys that differ by case, normalisation or
// only past 63 bytes, a key that is 1 and then 1.0, mixed arrays. Each
// loads the same values into SQLite and Postgres, or fails in both, or
// (where the README says so) fails in Postgres naming table, column and
// fix.
func TestParityHostileValues(t *testing.T) {
	long := strings.Repeat("customer_reference_number_", 3) // 78 bytes: cut in Postgres
	for _, c := range []parityValueCase{
		{
			name:  "integers past 2^53 and past int64",
			page1: `{"id": 1, "a": 9007199254740993, "b": 9223372036854775807, "c": -9223372036854775808}`,
			page2: `{"id": 2, "a": 9007199254740995, "b": 9223372036854775808, "c": -9223372036854775809}`,
			query: `SELECT id, a, b, c FROM items ORDER BY id`,
			rows:  []string{"1|9007199254740993|9223372036854775807|-9223372036854775808", "2|9007199254740995|9223372036854775808|-9223372036854775809"},
		},
		{
			name:  "decimals of 30 digits",
			page1: `{"id": 1, "d": 0.123456789012345678901234567890, "e": 123456789012345678901234567890.5}`,
			// e's second value is a double (its shortest text is the same
			// number): SQLite's TEXT gets "-1e-30", numeric its digits,
			// one value.
			page2: `{"id": 2, "d": 1.000000000000000000000000000001, "e": -0.000000000000000000000000000001}`,
		},
		{
			name:  "negative zero, exponents, and a number past a double's range",
			page1: `{"id": 1, "z": -0, "zf": -0.0, "big": 1e400, "tiny": 1e-400, "exp": 1E+2, "scale": 1.50}`,
			page2: `{"id": 2, "z": 0, "zf": 0.0, "big": -1e400, "tiny": 2.5e-400, "exp": 2.5E-3, "scale": 2.500}`,
		},
		{
			name:  "timestamps with offsets",
			page1: `{"id": 1, "t": "2024-03-01T10:00:00+05:30", "u": "2024-03-01T10:00:00-00:00", "v": "2024-03-01T10:00:00.123456+0530"}`,
			page2: `{"id": 2, "t": "2024-03-01T23:59:59.999999-12:00", "u": "2024-03-01 10:00:00Z", "v": "2024-03-01T10:00:00+14"}`,
			query: `SELECT id, t, u, v FROM items ORDER BY id`,
			rows: []string{"1|2024-03-01T04:30:00Z|2024-03-01T10:00:00Z|2024-03-01T04:30:00.123456Z",
				"2|2024-03-02T11:59:59.999999Z|2024-03-01T10:00:00Z|2024-02-29T20:00:00Z"},
		},
		{
			name:  "dates before 1970 and at the ends of the calendar",
			page1: `{"id": 1, "t": "1969-07-20T20:17:40Z", "u": "0001-01-01T00:00:00Z", "v": "1900-01-01T00:00:00.5+01:00"}`,
			page2: `{"id": 2, "t": "9999-12-31T23:59:59.999999Z", "u": "0000-01-01T00:00:00Z", "v": "10000-01-01T00:00:00Z"}`,
		},
		{
			name:  "a leap second",
			page1: `{"id": 1, "t": "2016-12-31T23:59:60Z"}`,
			page2: `{"id": 2, "t": "2017-01-01T00:00:00Z"}`,
		},
		{
			name:  "empty strings and nulls",
			page1: `{"id": 1, "s": "", "n": null, "o": {}, "l": []}`,
			page2: `{"id": 2, "s": null, "n": "", "o": {"a": ""}, "l": [""]}`,
		},
		{
			name:    "an escaped NUL: SQLite keeps it, Postgres names table, column and fix",
			page1:   `{"id": 1, "s": "nul\u0000byte"}`,
			page2:   `{"id": 2, "s": "fine"}`,
			pgFails: []string{`table "items"`, `column "s"`, "NUL", "exclude_columns"},
		},
		{
			name:     "a lone surrogate fails in both",
			page1:    `{"id": 1, "s": "a"}`,
			page2:    `{"id": 2, "s": "lone \ud800"}`,
			bothFail: []string{`resource "items"`, `field "s"`, "lone UTF-16 surrogate", "data_type: json"},
		},
		{
			name:  "a surrogate pair and astral text",
			page1: `{"id": 1, "s": "\ud83d\ude80 rocket", "j": "\u00e9\u0301"}`,
			page2: `{"id": 2, "s": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "j": "\u2028\u2029"}`,
		},
		{
			name:  "keys that differ in case or in Unicode normalisation",
			page1: `{"id": 1, "café": "composed", "cafe\u0301": "decomposed", "Name": "upper", "name": "lower", "NAME": "shout"}`,
			page2: `{"id": 2, "cafe\u0301": "d2", "name": "l2"}`,
		},
		{
			name:  "keys longer than 63 bytes that collide once cut",
			page1: `{"id": 1, "` + long + `a": "A", "` + long + `b": "B", "nested": {"` + long + `x": 1, "` + long + `y": 2}}`,
			page2: `{"id": 2, "` + long + `b": "B2"}`,
		},
		{
			name:  "child tables whose names collide once cut",
			page1: `{"id": 1, "` + long + `list": [{"a": 1}, {"a": 2}], "` + long + `lisu": [{"a": 3}], "` + long + `o": {"deep": [{"` + long + `k": [4, 5]}]}}`,
			page2: `{"id": 2, "` + long + `lisu": [{"a": 6, "` + long + `l": [{"b": 7}]}]}`,
		},
		{
			name:    ".NET's seven fraction digits: Postgres names table, column and fix",
			page1:   `{"id": 1, "t": "2024-03-01T10:00:00.123456Z"}`,
			page2:   `{"id": 2, "t": "2024-03-01T10:00:00.1234567Z"}`,
			pgFails: []string{`table "items"`, `column "t"`, "microsecond", "data_type: text"},
		},
		{
			name:    "a unix time in nanoseconds under a timestamp hint",
			hints:   `columns: {ts: {data_type: timestamp}}`,
			page1:   `{"id": 1, "ts": "1512085950.000216"}`,
			page2:   `{"id": 2, "ts": 1512085950000216001}`,
			pgFails: []string{`table "items"`, `column "ts"`, "microsecond", "data_type: text"},
		},
		{
			name:  "hints: decimal, double, bigint, text, boolean, json",
			hints: `columns: {d: {data_type: decimal}, f: {data_type: double}, i: {data_type: bigint}, s: {data_type: text}, b: {data_type: boolean}, j: {data_type: json}}`,
			page1: `{"id": 1, "d": 0.1, "f": 1, "i": 3, "s": 1.50, "b": true, "j": {"z": [1, {"y": 2.0}]}}`,
			page2: `{"id": 2, "d": 1e400, "f": 1e400, "i": 1.5, "s": true, "b": "true", "j": "text"}`,
		},
		{
			name:  "booleans, then booleans as strings",
			page1: `{"id": 1, "b": true, "c": "true"}`,
			page2: `{"id": 2, "b": "false", "c": false}`,
		},
		{
			name:  "nested arrays of mixed types",
			page1: `{"id": 1, "m": [1, "a", 2.5, true, null, [2, "b"], {"k": 1e400}], "n": [[1, 2], [3]]}`,
			page2: `{"id": 2, "m": [9223372036854775808, "", -0], "n": [[], ["x", {"y": null}]]}`,
		},
		{
			name:  "JSON past the nesting limit, as jsonb reorders and writes it",
			hints: `max_table_nesting: 1`,
			page1: `{"id": 1, "o": {"b": {"z": 1.50, "a": 1e2, "é": 1}, "a": [1E400, -0, 0.1000000000000000055511151231257827]}}`,
			page2: `{"id": 2, "o": {"b": {"k": "\u00e9", "e": {}}, "a": []}}`,
		},
		{
			name:  "numbers past numeric's range",
			page1: `{"id": 1, "a": 1e-20000, "b": 1e200000}`,
			page2: `{"id": 2, "a": 0.5, "b": 1}`,
		},
		{
			name:    "an escaped NUL in a JSON column: Postgres names table, column and fix",
			hints:   `columns: {j: {data_type: json}}`,
			page1:   `{"id": 1, "j": {"s": "a\u0000b"}}`,
			page2:   `{"id": 2, "j": {"s": "fine"}}`,
			pgFails: []string{`table "items"`, `column "j"`, "\\u0000", "exclude_columns"},
		},
		{
			name:    "a lone surrogate kept as JSON: Postgres names table, column and fix",
			hints:   `columns: {j: {data_type: json}}`,
			page1:   `{"id": 1, "j": "lone \ud800"}`,
			page2:   `{"id": 2, "j": "fine"}`,
			pgFails: []string{`table "items"`, `column "j"`, "surrogate", "exclude_columns"},
		},
		{
			name:  "a dotted key beside the object it reads like",
			page1: `{"id": 1, "a.b": "dotted", "a": {"b": "nested"}, "a__b": "snake", "A": {"B": "upper"}}`,
			page2: `{"id": 2, "a": {"b": "n2"}}`,
		},
		{
			name:  "ids that are strings and numbers alike",
			page1: `{"id": "007", "v": 1}, {"id": 7, "v": 2}`,
			page2: `{"id": "x", "v": 3}`,
		},
		{
			name:  "a column widened along bigint, double, decimal, text",
			page1: `{"id": 1, "a": 1, "b": 2, "c": 0.5, "d": 1e-05}`,
			page2: `{"id": 2, "a": 0.25, "b": 1e400, "c": "x", "d": "y"}`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			sq, pg := parity(t, parityCase{
				vendor: "parity", text: paritySpec("merge", c.hints),
				env:     map[string]string{"BODIES_TOKEN": bodiesToken},
				fake:    parityPages([2]string{c.page1, c.page2}),
				pgFails: c.pgFails, bothFail: c.bothFail,
			})
			if c.query != "" {
				sq.d.check(t, c.query, c.rows...)
				pg.d.check(t, c.query, c.rows...)
			}
		})
	}
}

// TestParityNumericKeyWrittenTwoWays: an API that writes a record's id as
// 1 on one page and 1.0 on the next (a JSON number either way: a
// serializer that switched between int and float) sends one key. Under
// merge the table must hold one row for it, the last, in both
// destinations (before number_key.go, _pipe_id came from the literal and
// both kept two rows whose id read 1).
func TestParityNumericKeyWrittenTwoWays(t *testing.T) {
	sq, pg := parity(t, parityCase{
		vendor: "parity", text: paritySpec("merge", ""),
		env:  map[string]string{"BODIES_TOKEN": bodiesToken},
		fake: parityPages([2]string{`{"id": 1, "v": "first"}`, `{"id": 1.0, "v": "second"}, {"id": 2e0, "v": "two"}`}, [2]string{`{"id": 2, "v": "two again"}`, ``}),
		runs: 2,
	})
	for _, o := range []*parityOutcome{sq, pg} {
		sameRows(t, o.d.name+" after run 1", o.dumps[0].rows["items"], []string{"id=1\n  v=\"second\"", "id=2\n  v=\"two\""})
		sameRows(t, o.d.name+" after run 2", o.dumps[1].rows["items"], []string{"id=1\n  v=\"second\"", "id=2\n  v=\"two again\""})
	}
}

// TestParityJSONDuplicateKey: an object stored as JSON (past
// max_table_nesting) that holds a key twice. The README reads such a key
// as JSON parsers do, the last value winning; Postgres' jsonb keeps the
// last, but SQLite keeps the text as received, and SQLite's own
// json_extract reads the first: the same query gives 2 in Postgres and 1
// in SQLite.
func TestParityJSONDuplicateKey(t *testing.T) {
	sq, pg := parity(t, parityCase{
		vendor: "parity", text: paritySpec("merge", "max_table_nesting: 1"),
		env:  map[string]string{"BODIES_TOKEN": bodiesToken},
		fake: parityPages([2]string{`{"id": 1, "o": {"b": {"dup": 1, "x": true, "dup": 2}}}`, ``}),
	})
	sq.d.check(t, `SELECT id, json_extract(o__b, '$.dup') FROM items`, "1|2")
	pg.d.check(t, `SELECT id, o__b->>'dup' FROM items`, "1|2")
}

// TestParityNamesAndText: keys that are SQL words, punctuation only,
// empty, pipe's own column names, and long multibyte keys that a cut at
// 63 bytes would split inside a character; text that Postgres' COPY
// format gives a meaning (\N, \., tabs, newlines, backslashes) in text
// and in JSON columns.
func TestParityNamesAndText(t *testing.T) {
	accents := strings.Repeat("é", 40) // 80 bytes
	kana := strings.Repeat("データ", 8)   // 72 bytes
	for _, c := range []parityValueCase{
		{
			name:  "keys that are SQL words",
			page1: `{"id": 1, "user": "u", "order": 2, "select": true, "end": null, "from": "f", "table": {"column": 1}}`,
			page2: `{"id": 2, "USER": "U", "Order": 3}`,
		},
		{
			name:  "keys of punctuation only, empty, and pipe's own names",
			page1: `{"id": 1, "": "empty", "$": "dollar", "@": "at", "%": "pct", "_": "under", "__": "dunder", "_pipe_id": "mine", "_pipe_load_id": 7, "_pipe_hash": "h"}`,
			page2: `{"id": 2, "": "e2", "-": "dash", "_pipe_parent_id": "p", "value": "v"}`,
		},
		{
			name:  "long multibyte keys cut at 63 bytes",
			page1: `{"id": 1, "` + accents + `": "a", "` + accents + `x": "b", "` + kana + `": "c", "` + kana + `x": "d"}`,
			page2: `{"id": 2, "` + accents + `y": "e", "list` + kana + `": [{"` + accents + `": 1}]}`,
		},
		{
			name:  "text COPY reads as markers or escapes",
			page1: `{"id": 1, "a": "\\N", "b": "\\.", "c": "tab\there", "d": "line\nbreak\r\n", "e": "back\\slash\\", "f": "\\\\N"}`,
			page2: `{"id": 2, "a": "N", "b": ".", "c": "\t", "d": "\n", "e": "\\", "f": "\u2028"}`,
			query: `SELECT id, a, b, length(c), length(d), e FROM items ORDER BY id`,
			rows:  []string{`1|\N|\.|8|12|back\slash\`, `2|N|.|1|1|\`},
		},
		{
			name:  "the same text in JSON columns",
			hints: `max_table_nesting: 0`,
			page1: `{"id": 1, "o": {"a": "\\N", "b": "\\.", "c": "tab\there", "d": "line\nbreak", "e": "back\\slash"}, "l": ["\\N", "\t"]}`,
			page2: `{"id": 2, "o": {"a": "\\", "nested": {"x": "\\N"}}, "l": []}`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			sq, pg := parity(t, parityCase{
				vendor: "parity", text: paritySpec("merge", c.hints),
				env:     map[string]string{"BODIES_TOKEN": bodiesToken},
				fake:    parityPages([2]string{c.page1, c.page2}),
				pgFails: c.pgFails, bothFail: c.bothFail,
			})
			if c.query != "" {
				sq.d.check(t, c.query, c.rows...)
				pg.d.check(t, c.query, c.rows...)
			}
		})
	}
}

// TestParityCheckpoints: a load committed every few rows, so that
// Postgres COPYs the first checkpoint straight into new tables and
// merges the later ones through temporary tables; a record repeated
// across checkpoints; a second run merging into both.
func TestParityCheckpoints(t *testing.T) {
	page := func(from, to int, v string) string {
		var recs []string
		for i := from; i <= to; i++ {
			recs = append(recs, fmt.Sprintf(`{"id": %d, "v": "%s%d", "n": %d.5, "tags": ["a%d", "b"]}`, i, v, i, i, i))
		}
		return strings.Join(recs, ", ")
	}
	for _, every := range []int{1, 3, 7} {
		for _, disp := range []string{"merge", "append", "replace"} {
			t.Run(fmt.Sprintf("%s every %d rows", disp, every), func(t *testing.T) {
				parityCheckpoints(t, disp, every, page)
			})
		}
	}
}

// parityCheckpoints runs TestParityCheckpoints' case under disp,
// committing every few rows.
func parityCheckpoints(t *testing.T, disp string, every int, page func(from, to int, v string) string) {
	parity(t, parityCase{
		vendor: "parity", text: paritySpec(disp, ""),
		env: map[string]string{"BODIES_TOKEN": bodiesToken},
		fake: parityPages(
			[2]string{page(1, 10, "v"), page(8, 15, "v")}, // 8 to 10 again, unchanged
			[2]string{page(5, 12, "x"), page(20, 21, "y") + `, {"id": 1, "v": 1e400, "tags": []}`}),
		runs: 2,
		tune: func(o *engine.Options) { o.CheckpointRows = every },
	})
}

// TestParityEmptyKeyKeepsItsColumn: an object with the empty key ""
// (analytics APIs send it as the bucket of records without a value:
// {"": 3, "us": 5}) keeps the column its first run gave it when a later
// run brings the key "_", whose column name is the same. Before the
// normalize fix, _pipe_schema recorded "" as no key at all, so the next
// run gave column "_" to the key "_" and moved "" to a new column: one
// column held two keys' values, exit 0, in both destinations alike.
func TestParityEmptyKeyKeepsItsColumn(t *testing.T) {
	sq, pg := parity(t, parityCase{
		vendor: "parity", text: paritySpec("merge", ""),
		env:  map[string]string{"BODIES_TOKEN": bodiesToken},
		fake: parityPages([2]string{`{"id": 1, "": "empty"}`, ``}, [2]string{`{"id": 2, "_": "under"}`, `{"id": 3, "": "e3"}`}),
		runs: 2,
	})
	for _, o := range []*parityOutcome{sq, pg} {
		o.d.check(t, `SELECT id, "_" FROM items ORDER BY id`, "1|empty", "2|NULL", "3|e3")
	}
}

// TestParityLongResourceNames: resources whose names pass 63 bytes, so
// that Postgres cuts their tables' names (ending them in a hash); the
// same specs with short names are the control. Under merge, a record
// whose list got shorter must lose its child rows, and a merge_key group
// must lose the records a later load no longer has, in both
// destinations.
//
// These failed in Postgres before writer.rootTable: the writer looked the
// tables up by the resource's uncut name, so a merge kept stale child
// rows, merge_key deleted nothing and a replace (or --full-refresh)
// never swapped its staging table in, leaving the table empty, exit 0.
func TestParityLongResourceNames(t *testing.T) {
	long := strings.Repeat("organization_membership_", 3) // 72 bytes
	// 63 bytes: the tables keep their names, their staging
	// tables' and indexes' are cut.
	for _, name := range []string{"members", long[:63], long + "a"} {
		t.Run(fmt.Sprintf("%d bytes", len(name)), func(t *testing.T) {
			t.Run("child rows of a merged record", func(t *testing.T) {
				text := strings.Replace(paritySpec("merge", ""), "  - name: items\n", "  - name: "+name+"\n", 1)
				sq, pg := parity(t, parityCase{
					vendor: "parity", text: text,
					env:  map[string]string{"BODIES_TOKEN": bodiesToken},
					fake: parityPages([2]string{`{"id": 1, "tags": ["a", "b"]}`, `{"id": 2, "tags": ["c"]}`}, [2]string{`{"id": 1, "tags": []}`, `{"id": 3, "tags": ["d"]}`}),
					runs: 2,
				})
				for _, o := range []*parityOutcome{sq, pg} {
					table := o.dumps[1].names[sqlload.ShortName(name, 63)+"[tags]"]
					o.d.check(t, `SELECT value FROM `+quoteIdent(table)+` ORDER BY value`, "c", "d")
				}
			})
			for _, disp := range []string{"append", "replace"} {
				t.Run(disp, func(t *testing.T) {
					text := strings.Replace(paritySpec(disp, ""), "  - name: items\n", "  - name: "+name+"\n", 1)
					parity(t, parityCase{
						vendor: "parity", text: text,
						env:  map[string]string{"BODIES_TOKEN": bodiesToken},
						fake: parityPages([2]string{`{"id": 1, "tags": ["a", "b"]}`, `{"id": 2, "tags": ["c"]}`}, [2]string{`{"id": 1, "tags": []}`, `{"id": 3, "tags": ["d", {"x": 1}]}`}),
						runs: 2,
					})
				})
			}
			t.Run("full refresh", func(t *testing.T) {
				text := strings.Replace(paritySpec("merge", ""), "  - name: items\n", "  - name: "+name+"\n", 1)
				sq, pg := parity(t, parityCase{
					vendor: "parity", text: text,
					env:  map[string]string{"BODIES_TOKEN": bodiesToken},
					fake: parityPages([2]string{`{"id": 1, "tags": ["a", "b"]}`, `{"id": 2, "tags": ["c"]}`}, [2]string{`{"id": 3, "tags": ["d"]}`, ``}),
					runs: 2,
					tune: func(o *engine.Options) { o.FullRefresh = true },
				})
				for _, o := range []*parityOutcome{sq, pg} {
					o.d.check(t, `SELECT id FROM `+quoteIdent(o.dumps[1].names[sqlload.ShortName(name, 63)]), "3")
				}
			})
			t.Run("merge_key", func(t *testing.T) {
				text := strings.Replace(paritySpec("merge", "merge_key: grp"), "  - name: items\n", "  - name: "+name+"\n", 1)
				sq, pg := parity(t, parityCase{
					vendor: "parity", text: text,
					env: map[string]string{"BODIES_TOKEN": bodiesToken},
					fake: parityPages(
						[2]string{`{"id": 1, "grp": "g1"}, {"id": 2, "grp": "g1"}`, `{"id": 3, "grp": "g2"}`},
						[2]string{`{"id": 1, "grp": "g1"}`, ``}),
					runs: 2,
				})
				for _, o := range []*parityOutcome{sq, pg} {
					o.d.check(t, `SELECT id, grp FROM `+quoteIdent(o.dumps[1].names[sqlload.ShortName(name, 63)])+` ORDER BY id`, "1|g1", "3|g2")
				}
			})
		})
	}
}

// TestParityWideRecords: a record with as many fields as a big Jira's
// custom fields (customfield_10000 …, often more than a thousand) or a
// Salesforce object's. Postgres holds at most 1600 columns, SQLite 2000:
// where a destination cannot hold the table, the run fails naming the
// resource, the table and the setting that fixes it (store the object as
// JSON: columns: {fields: {data_type: json}}), which then loads both.
func TestParityWideRecords(t *testing.T) {
	for _, c := range []struct {
		fields   int
		pgFails  []string
		bothFail []string
	}{
		{1700, []string{`resource "items"`, `table "items"`, "1600", "columns: {fields: {data_type: json}}"}, nil},
		{2100, nil, []string{`resource "items"`, `table "items"`, "columns: {fields: {data_type: json}}"}},
	} {
		t.Run(fmt.Sprintf("%d fields", c.fields), func(t *testing.T) {
			parity(t, parityCase{
				vendor: "parity", text: paritySpec("merge", ""),
				env:     map[string]string{"BODIES_TOKEN": bodiesToken},
				fake:    parityPages([2]string{`{"id": 1, "fields": {` + parityFields(c.fields) + `}}`, ``}),
				pgFails: c.pgFails, bothFail: c.bothFail,
			})
		})
	}
	parity(t, parityCase{
		vendor: "parity", text: paritySpec("merge", "columns: {fields: {data_type: json}}"),
		env:  map[string]string{"BODIES_TOKEN": bodiesToken},
		fake: parityPages([2]string{`{"id": 1, "fields": {` + parityFields(2100) + `}}`, ``}),
	})
}

// parityFields returns n integer fields named as Jira's custom fields.
func parityFields(n int) string {
	kv := make([]string, n)
	for i := range kv {
		kv[i] = fmt.Sprintf(`"customfield_%05d": %d`, 10000+i, i)
	}
	return strings.Join(kv, ", ")
}

// TestParityWideRow: fewer than 1600 columns, but a row's fixed-width
// values (bigint, double, boolean, timestamptz: Postgres cannot move them
// out of line) must fit in 8160 bytes, and 1590 bigints do not. SQLite
// loads the record; Postgres fails naming the table and the fix. The
// COPY of rows with new keys may run at commit, after the resource's
// pages, so the table is what its error can name:
//
//	commit load: postgres: load "…": insert: table "items": copy into items: pq: row is too big: size 12808, maximum size 8160 (54000): table wider than the destination holds (the object fields alone has 1590 fields: store it as one JSON column, columns: {fields: {data_type: json}}, …)
func TestParityWideRow(t *testing.T) {
	parity(t, parityCase{
		vendor: "parity", text: paritySpec("merge", ""),
		env:     map[string]string{"BODIES_TOKEN": bodiesToken},
		fake:    parityPages([2]string{`{"id": 1, "fields": {` + parityFields(1590) + `}}`, ``}),
		pgFails: []string{`table "items"`, "8160", "columns: {fields: {data_type: json}}"},
	})
}

// TestParityJSONNumberPastNumeric: a JSON value (hinted json, or past
// max_table_nesting) holding a number beyond numeric's range (more than
// 131072 digits before the point or 16383 after: 1e200000, 1e-20000).
// SQLite keeps the text; jsonb stores numbers as numeric and refuses it,
// so the Postgres run fails naming the resource, the table, the column
// and the fix, as for an escaped NUL. Before the postgres fix it failed
// at commit with Postgres' words alone ("commit load: … copy into
// items: pq: value overflows numeric format").
func TestParityJSONNumberPastNumeric(t *testing.T) {
	for _, j := range []string{`{"x": 1e200000}`, `{"x": [1e-20000]}`} {
		t.Run(j, func(t *testing.T) {
			parity(t, parityCase{
				vendor: "parity", text: paritySpec("merge", "columns: {j: {data_type: json}}"),
				env:     map[string]string{"BODIES_TOKEN": bodiesToken},
				fake:    parityPages([2]string{`{"id": 1, "j": ` + j + `}`, `{"id": 2, "j": {"x": 1}}`}),
				pgFails: []string{`resource "items"`, `table "items"`, `column "j"`, "numeric", "exclude_columns"},
			})
		})
	}
}
