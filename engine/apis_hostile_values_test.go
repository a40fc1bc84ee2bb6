package engine_test

import (
	"net/http"
	"strings"
	"testing"
)

// servePage answers page 2 with body as it is.
func servePage(body string) func(w http.ResponseWriter, r *http.Request, attempt int) {
	return func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}
}

// TestHostileValues: values a JSON body can hold that a careless loader
// alters. Each case loads page 1 and page 2 and either stores exactly
// what they hold (read back with query) or fails the run naming the
// resource, the URL and the field.
func TestHostileValues(t *testing.T) {
	const next = `, "next": "/items?page=2"}`
	for _, c := range []struct {
		name         string
		page1, page2 string
		query        string
		rows         []string
		err          string // {base}: the API's URL
		errAlso      string // a second part of the error
		hints        string // a line added to the resource
	}{
		{
			name:  "a duplicate field: the last wins, as JSON parsers read it",
			page1: `{"items": [{"id": 1, "name": "a", "name": "b"}]` + next, page2: `{"items": []}`,
			query: `SELECT id, name FROM items`, rows: []string{"1 b"},
		},
		{
			name:  "a duplicate primary key field fails",
			page1: `{"items": [{"id": 1, "name": "a"}]` + next, page2: `{"items": [{"id": 2, "id": 3, "name": "x"}]}`,
			err: `resource "items": {base}/items?page=2: table "items": primary key field "id": key appears twice in one object, so the record's key is ambiguous`,
		},
		{
			// JSON is UTF-8 (RFC 8259): bytes that are not are text in a
			// charset the server did not name, which would be stored as no
			// text at all (engine/apis_hostile_charset_test.go).
			name:  "invalid UTF-8 fails",
			page1: `{"items": [{"id": 1, "name": "a"}]` + next, page2: `{"items": [{"id": 2, "name": "bad ` + "\xff\xfe" + ` bytes"}]}`,
			err: `resource "items": page 2: GET {base}/items?page=2: response body is not valid UTF-8 at byte 34`, errAlso: "charset=",
		},
		{
			name:  "an escaped NUL kept",
			page1: `{"items": [{"id": 1, "name": "nul\u0000byte"}]` + next, page2: `{"items": []}`,
			query: `SELECT id, hex(name), length(CAST(name AS BLOB)) FROM items`, rows: []string{"1 6E756C0062797465 8"},
		},
		{
			name:  "a raw NUL in a string is not JSON",
			page1: `{"items": [{"id": 1, "name": "a"}]` + next, page2: `{"items": [{"id": 2, "name": "raw` + "\x00" + `nul"}]}`,
			err: `resource "items": page 2: GET {base}/items?page=2: response body is not JSON`,
		},
		{
			// A pair is one character.
			name:  "a surrogate pair",
			page1: `{"items": [{"id": 1, "pair": "\ud83d\ude80"}]` + next, page2: `{"items": []}`,
			query: `SELECT id, hex(pair) FROM items`, rows: []string{"1 F09F9A80"},
		},
		{
			// A lone surrogate has no UTF-8 form: every JSON decoder in Go
			// reads it as U+FFFD, another value.
			name:  "a lone surrogate fails",
			page1: `{"items": [{"id": 1, "name": "a"}]` + next, page2: `{"items": [{"id": 2, "name": "lone \ud800"}]}`,
			err: `resource "items": {base}/items?page=2: table "items": field "name": the string holds a lone UTF-16 surrogate`, errAlso: "columns: {name: {data_type: json}}",
		},
		{
			name:  "a value of another type beside its column",
			page1: `{"items": [{"id": 1, "flag": true, "n": 5}]` + next, page2: `{"items": [{"id": 2, "flag": "yes", "n": "five"}]}`,
			query: `SELECT id, flag, flag__v_text, n, typeof(n) FROM items ORDER BY id`, rows: []string{"1 true <nil> 5 text", "2 <nil> yes five text"},
		},
		{
			name:  "integers at and past int64's ends",
			page1: `{"items": [{"id": 1, "n": 9223372036854775807, "m": -9223372036854775808}]` + next,
			page2: `{"items": [{"id": 2, "n": 9223372036854775808, "m": -9223372036854775809}]}`,
			query: `SELECT id, n, m FROM items ORDER BY id`, rows: []string{"1 9223372036854775807 -9223372036854775808", "2 9223372036854775808 -9223372036854775809"},
		},
		{
			name:  "a double, then an integer a double cannot hold",
			page1: `{"items": [{"id": 1, "n": 0.5}]` + next, page2: `{"items": [{"id": 2, "n": 9007199254740993}]}`,
			err: `resource "items": {base}/items?page=2: table "items": column "n": integer 9007199254740993 shares the column with numbers that are doubles, and a double holds integers exactly only up to ±2^53: hint it decimal (columns: {n: {data_type: decimal}}) to keep every value`,
		},
		{
			// the integer is in the table already: widening the column would round it
			name:  "an integer a double cannot hold, then a double",
			page1: `{"items": [{"id": 1, "n": 9007199254740993}]` + next, page2: `{"items": [{"id": 2, "n": 0.5}]}`,
			err:     `resource "items": {base}/items?page=2: table "items": sqlite: load`,
			errAlso: `table "items": column "n": integer 9007199254740993 shares the column with numbers that are doubles, and a double holds integers exactly only up to ±2^53: hint it decimal (columns: {n: {data_type: decimal}}) to keep every value`,
		},
		{
			name:  "hinted decimal, both orders kept exactly",
			page1: `{"items": [{"id": 1, "n": 9007199254740993, "m": 0.5}]` + next, page2: `{"items": [{"id": 2, "n": 0.5, "m": 9007199254740993}]}`,
			hints: `columns: {n: {data_type: decimal}, m: {data_type: decimal}}`,
			query: `SELECT id, n, m FROM items ORDER BY id`, rows: []string{"1 9007199254740993 0.5", "2 0.5 9007199254740993"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := &bodiesAPI{first: c.page1, second: servePage(c.page2)}
			o := newVendorOrigin(t, api)
			run := runVendorSpec(t, "bodies", bodiesSpec+"    "+c.hints+"\n", map[string]string{"api_url": o.srv.URL}, map[string]string{"BODIES_TOKEN": bodiesToken}, "")
			run.noSecretLeft(t, bodiesToken)
			if c.err != "" {
				want := strings.ReplaceAll(c.err, "{base}", o.srv.URL)
				if run.err == nil || !strings.Contains(run.err.Error(), want) || !strings.Contains(run.err.Error(), c.errAlso) {
					t.Errorf("err = %v\nwant it to contain %s\nand %s", run.err, want, c.errAlso)
				}
				return
			}
			if run.err != nil {
				t.Fatalf("run: %v", run.err)
			}
			sameRows(t, "items", rowsOf(t, run.db, c.query), c.rows)
		})
	}
}

// TestRecordRepeatedInPage: a page that holds one key twice, the second
// time with another list (an API that answers a record's versions
// together, or a key that is not unique). The load keeps one record
// whole, the last under merge and replace, the first under append, never
// the rows of one version beside the child rows of the other.
func TestRecordRepeatedInPage(t *testing.T) {
	const page1 = `{"items": [{"id": 1, "name": "old", "tags": ["a", "b", "c"]}, {"id": 2, "name": "two", "tags": ["t"]},
{"id": 1, "name": "new", "tags": ["x"]}], "next": "/items?page=2"}`
	for _, c := range []struct {
		disp string
		want []string
	}{
		{"merge", []string{"1 new x", "2 two t"}},
		{"replace", []string{"1 new x", "2 two t"}},
		{"append", []string{"1 old a", "1 old b", "1 old c", "2 two t"}},
	} {
		t.Run(c.disp, func(t *testing.T) {
			o := newVendorOrigin(t, &bodiesAPI{first: page1, second: servePage(`{"items": []}`)})
			run := runVendorSpec(t, "bodies", bodiesSpec+"    write_disposition: "+c.disp+"\n", map[string]string{"api_url": o.srv.URL}, map[string]string{"BODIES_TOKEN": bodiesToken}, "")
			if run.err != nil {
				t.Fatalf("run: %v", run.err)
			}
			sameRows(t, "items", rowsOf(t, run.db, `SELECT i.id, i.name, t.value FROM items i JOIN items__tags t ON t._pipe_parent_id = i._pipe_id ORDER BY i.id, t._pipe_list_idx`), c.want)
			if got := rowsOf(t, run.db, `SELECT count(*) FROM items__tags t WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i._pipe_id = t._pipe_root_id)`); got[0] != "0" {
				t.Errorf("%s child rows without their root", got[0])
			}
		})
	}
}

// TestRecordMovedToALaterPage: a walk by page number (the link steps
// page=N) meets record 1 again on page 2, changed: it was updated and
// moved while the pages were read, so another record may be on no page.
// Without a cursor the load would complete without it, and a replace
// would drop its row; the run fails instead, leaving the table as it was.
func TestRecordMovedToALaterPage(t *testing.T) {
	for _, disp := range []string{"replace", "merge"} {
		t.Run(disp, func(t *testing.T) {
			o := newVendorOrigin(t, &bodiesAPI{first: bodiesPage1, second: servePage(`{"items": [{"id": 3, "name": "three"}, {"id": 1, "name": "one, edited"}]}`)})
			run := runVendorSpec(t, "bodies", bodiesSpec+"    write_disposition: "+disp+"\n", map[string]string{"api_url": o.srv.URL}, map[string]string{"BODIES_TOKEN": bodiesToken}, "")
			if run.err == nil {
				t.Fatalf("run completed with %v", rowsOf(t, run.db, `SELECT id || ' ' || name FROM items ORDER BY id`))
			}
			for _, want := range []string{`resource "items"`, o.srv.URL + "/items?page=2", "the record id=1 came twice in this walk", "the load would complete without it"} {
				if !strings.Contains(run.err.Error(), want) {
					t.Errorf("err = %v\nwant it to hold %s", run.err, want)
				}
			}
			run.noSecretLeft(t, bodiesToken)
		})
	}
}
