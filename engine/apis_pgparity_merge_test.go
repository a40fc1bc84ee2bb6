package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine"
)

// TestParityMergesAcrossRuns: each case runs twice (three times where a
// third run repeats the second), the fake serving changed values: columns
// widened by a later load (Postgres ALTERs the column with a cast,
// SQLite rebuilds the table and converts through a function of pipe's),
// child lists that grow, shrink and vanish, grandchildren replaced,
// records that move between pages, under every disposition. After each
// run both destinations hold the same rows, and none twice.
func TestParityMergesAcrossRuns(t *testing.T) {
	for _, c := range []struct {
		name, disposition, hints string
		pages                    [][2]string // per run
		rows                     []int       // root rows after each run
		bothFail                 []string    // the last run fails in both
	}{
		{
			name: "columns widened by the second load", disposition: "merge",
			pages: [][2]string{
				{`{"id": 1, "a": 1, "b": 0.1, "c": 1e-05, "d": 123456789012345.6, "f": 1.5, "g": true, "h": 9007199254740993, "z": 0.0, "big": 1e300}`,
					`{"id": 2, "a": -7, "b": 2.5, "c": 3, "d": 1e15, "f": 0.30000000000000004, "g": false, "h": -9223372036854775808, "z": 0.0, "big": 5e-324}`},
				{`{"id": 1, "a": 0.5, "b": 1e400, "c": 1e-400, "d": "text now", "f": 12345678901234567890.5, "g": "yes", "h": 1e400, "z": "z", "big": "big"}`, ``},
			},
			rows: []int{2, 2},
		},
		{
			name: "a fraction beside a stored integer past 2^53 fails in both", disposition: "merge",
			pages: [][2]string{
				{`{"id": 1, "n": 9007199254740993}`, ``},
				{`{"id": 2, "n": 0.5}`, ``},
			},
			rows:     []int{1, 1},
			bothFail: []string{`table "items"`, `column "n"`, "columns: {n: {data_type: decimal}}"},
		},
		{
			name: "timestamps, then text, then timestamps with offsets", disposition: "merge",
			pages: [][2]string{
				{`{"id": 1, "t": "2024-01-01T00:00:00Z"}`, `{"id": 2, "t": "1969-12-31T23:59:59.999999Z"}`},
				{`{"id": 1, "t": "yesterday"}`, `{"id": 3, "t": "2024-01-01T05:30:00+05:30"}`},
				{`{"id": 2, "t": "2024-06-30T23:59:59.000001-00:00"}`, `{"id": 3, "t": "2024-01-01T00:00:00.000000Z"}`},
			},
			rows: []int{2, 3, 3},
		},
		{
			name: "child lists grow, shrink and vanish; grandchildren replaced", disposition: "merge",
			pages: [][2]string{
				{`{"id": 1, "tags": ["a", "b", "c"], "lines": [{"sku": "x", "qty": 1, "opts": [{"k": "size", "v": "L"}]}, {"sku": "y", "qty": 2}]}`,
					`{"id": 2, "tags": ["t"], "lines": [{"sku": "z", "qty": 3, "opts": [{"k": "c", "v": "red"}, {"k": "d", "v": 1}]}]}`},
				{`{"id": 2, "tags": [], "lines": [{"sku": "z", "qty": 3.5, "opts": [{"k": "c", "v": "blue"}]}, {"sku": "w", "qty": 9223372036854775808}]}`,
					`{"id": 1, "tags": ["c", "a"], "lines": null}`},
				{`{"id": 1, "tags": ["c", "a"], "lines": null}`, `{"id": 2, "tags": [], "lines": [{"sku": "z", "qty": 3.5, "opts": [{"k": "c", "v": "blue"}]}, {"sku": "w", "qty": 9223372036854775808}]}`},
			},
			rows: []int{2, 2, 2},
		},
		{
			name: "values rewritten to the same value: a decimal's trailing zero, a time's offset", disposition: "merge",
			pages: [][2]string{
				{`{"id": 1, "d": 12345678901234567890.50, "t": "2024-03-01T10:00:00+01:00", "l": [{"e": 1.50, "t": "2024-03-01T10:00:00+01:00"}]}`, ``},
				{`{"id": 1, "d": 12345678901234567890.5, "t": "2024-03-01T09:00:00Z", "l": [{"e": 1.5, "t": "2024-03-01T09:00:00.000Z"}]}`, ``},
			},
			rows: []int{1, 1},
		},
		{
			name: "append keeps the first version of a record, children included", disposition: "append",
			pages: [][2]string{
				{`{"id": 1, "v": "one", "tags": ["a", "b"]}`, `{"id": 2, "v": 2}`},
				{`{"id": 1, "v": "uno", "tags": ["z"]}`, `{"id": 3, "v": 0.5, "tags": ["c"]}`},
			},
			rows: []int{2, 3},
		},
		{
			name: "replace keeps only the last run", disposition: "replace",
			pages: [][2]string{
				{`{"id": 1, "v": 1, "tags": ["a", "b"]}`, `{"id": 2, "v": 2, "tags": ["x"]}`},
				{`{"id": 3, "v": 1e300, "tags": []}`, `{"id": 2, "v": "two", "tags": ["y", "z"]}`},
			},
			rows: []int{2, 2},
		},
		{
			name: "replace by an empty answer empties every table", disposition: "replace",
			pages: [][2]string{
				{`{"id": 1, "tags": ["a"], "o": {"l": [{"x": 1}]}}`, `{"id": 2, "tags": []}`},
				{`{"id": 3, "tags": []}`, ``},
				{``, ``},
			},
			rows: []int{2, 1, 0},
		},
		{
			name: "merge of an empty answer changes nothing", disposition: "merge",
			pages: [][2]string{
				{`{"id": 1, "tags": ["a"], "o": {"l": [{"x": 1}]}}`, `{"id": 2, "tags": []}`},
				{``, ``},
			},
			rows: []int{2, 2},
		},
		{
			name: "a record twice in a page, then changed between pages", disposition: "merge",
			pages: [][2]string{
				{`{"id": 1, "v": "third", "tags": []}, {"id": 1, "v": "fourth", "tags": ["d", "e", "f"]}`, `{"id": 2}`},
				{`{"id": 1, "v": "first", "tags": ["a", "b"]}`, `{"id": 1, "v": "second", "tags": ["c"]}`},
			},
			rows:     []int{2, 2},
			bothFail: []string{`resource "items"`, "items?page=2", "record id=1 came twice in this walk with different contents"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			sq, pg := parity(t, parityCase{
				vendor: "parity", text: paritySpec(c.disposition, c.hints),
				env:      map[string]string{"BODIES_TOKEN": bodiesToken},
				fake:     parityPages(c.pages...),
				runs:     len(c.pages),
				bothFail: c.bothFail,
			})
			for _, o := range []*parityOutcome{sq, pg} {
				for n, want := range c.rows {
					if got := len(o.dumps[n].rows["items"]); got != want {
						t.Errorf("%s after run %d: %d rows in items, want %d", o.d.name, n+1, got, want)
					}
				}
				// No key twice in the table.
				o.d.check(t, `SELECT count(*) - count(DISTINCT id) FROM items`, "0")
			}
		})
	}
}

// TestParityNumberTurnedText: a number lands in a numeric column and the
// column turns text later in the load. The README documents both
// differences: SQLite's decimal TEXT keeps the literal ("1e400"),
// Postgres' numeric its value, whose text is the digits; and -0.0 may
// read back as 0 (SQLite's DOUBLE holds no negative zero, Postgres'
// double precision does, and its text is "-0"). The parity harness
// would call each a difference; this test pins both forms, so a change
// to either is seen.
func TestParityNumberTurnedText(t *testing.T) {
	sd, pd := parityDests(t)
	for _, d := range []*typesDest{sd, pd} {
		api := &bodiesAPI{first: `{"items": [{"id": 1, "v": 1e400, "z": -0.0}], "next": "/items?page=2"}`, second: servePage(`{"items": [{"id": 2, "v": "two", "z": "zero"}]}`)}
		r := d.run(t, "parity", paritySpec("replace", ""), map[string]string{"api_url": newVendorOrigin(t, api).srv.URL}, map[string]string{"BODIES_TOKEN": bodiesToken})
		r.mustLoad(t)
		d.checkTypes(t, "items", "", "_pipe_id text", "_pipe_load_id text", "id bigint", "v text", "z text")
		d.check(t, `SELECT id, v, z FROM items ORDER BY id`, "1|"+d.pick("1e400|0", "1"+strings.Repeat("0", 400)+"|-0"), "2|two|zero")
	}
}

// TestParityFailureMidway: the second run fails on its second page (a
// 500 after every retry) after committing its first page's rows
// (checkpoints every row, or none before the failure): both databases
// hold the same rows after it, and the same cursors.
func TestParityFailureMidway(t *testing.T) {
	for _, every := range []int{1, 0} {
		t.Run(fmt.Sprintf("checkpoint every %d", every), func(t *testing.T) {
			parity(t, parityCase{
				vendor: "parity", text: paritySpec("merge", ""),
				env: map[string]string{"BODIES_TOKEN": bodiesToken},
				fake: func(t *testing.T) func(int) map[string]string {
					return func(run int) map[string]string {
						api := &bodiesAPI{first: `{"items": [{"id": 1, "v": "a", "tags": ["x"]}, {"id": 2, "v": 2}], "next": "/items?page=2"}`,
							second: servePage(`{"items": [{"id": 3, "v": 0.5}]}`)}
						if run == 1 {
							api.first = `{"items": [{"id": 1, "v": "b", "tags": []}, {"id": 4, "v": 1e400}], "next": "/items?page=2"}`
							api.second = func(w http.ResponseWriter, r *http.Request, _ int) {
								http.Error(w, `{"error": "boom"}`, http.StatusInternalServerError)
							}
						}
						return map[string]string{"api_url": newVendorOrigin(t, api).srv.URL}
					}
				},
				runs:     2,
				bothFail: []string{`resource "items"`, "items?page=2", "500", "client.retry.max_attempts"},
				tune:     func(o *engine.Options) { o.CheckpointRows = every },
			})
		})
	}
}

// TestParitySessionTimeZone: pipe's Postgres session in a zone far from
// UTC (the server's or the role's default, which pipe does not choose):
// timestamps, incremental cursors on them and merges of unchanged
// records must come out as in SQLite.
func TestParitySessionTimeZone(t *testing.T) {
	for _, zone := range []string{"Asia/Kolkata", "Pacific/Chatham", "America/St_Johns"} {
		t.Run(zone, func(t *testing.T) {
			parity(t, parityCase{
				vendor: "parity", text: strings.Replace(paritySpec("merge", ""), "data_selector: items}",
					`data_selector: items, incremental: {cursor_path: t, initial_value: "2024-01-01T00:00:00Z"}}`, 1),
				env: map[string]string{"BODIES_TOKEN": bodiesToken},
				fake: parityPages(
					[2]string{`{"id": 1, "t": "2024-03-31T01:30:00+01:00", "d": "2024-03-31"}`, `{"id": 2, "t": "2024-10-27T02:30:00.123456+02:00"}`},
					[2]string{`{"id": 2, "t": "2024-10-27T02:30:00.123456+02:00"}`, `{"id": 3, "t": "2024-12-31T23:59:59.999999-12:00"}`}),
				runs:     2,
				pgParams: []string{"timezone=" + zone},
			})
		})
	}
}

// TestParityMergeKeyValues: merge_key groups whose values are numbers
// written two ways (a decimal with a trailing zero, an exponent), times
// in two offsets, and text: a later load that holds a group replaces it
// whole in both destinations, whatever the literal.
//
// For decimals it does not in SQLite: the column holds each literal as
// TEXT, and destinations/sqlload/sql_merge_key.go deletes the group
// with col IN (the page's literals), a text comparison there, so
// 12345678901234567890.50 stored is no match for 12345678901234567890.5
// sent: the record the load replaced stays, exit 0. Postgres' numeric
// compares values and deletes it.
func TestParityMergeKeyValues(t *testing.T) {
	const decimalBug = "bug: merge_key on a decimal column compares the literals as text in SQLite: a group sent as 1.50 does not replace rows stored as 1.5 (destinations/sqlload/sql_merge_key.go)"
	for _, c := range []struct{ name, first, again, other, bug string }{
		{"text", `"g1"`, `"g1"`, `"g2"`, ""},
		{"a decimal with a trailing zero", `12345678901234567890.50`, `12345678901234567890.5`, `0.1000000000000000055511151231257827`, decimalBug},
		{"a decimal with an exponent", `1e400`, `10e399`, `1e401`, decimalBug},
		{"a double written two ways", `1.50`, `1.5`, `2.5`, ""},
		{"an integer written as a double", `2`, `2.0`, `3`, ""},
		{"a time in two offsets", `"2024-03-01T10:00:00+01:00"`, `"2024-03-01T09:00:00Z"`, `"2024-03-02T00:00:00Z"`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.bug != "" {
				t.Skip(c.bug)
			}
			sq, pg := parity(t, parityCase{
				vendor: "parity", text: paritySpec("merge", "merge_key: grp"),
				env: map[string]string{"BODIES_TOKEN": bodiesToken},
				fake: parityPages(
					[2]string{`{"id": 1, "grp": ` + c.first + `}, {"id": 2, "grp": ` + c.first + `}`, `{"id": 3, "grp": ` + c.other + `}`},
					[2]string{`{"id": 1, "grp": ` + c.again + `}`, ``}),
				runs: 2,
			})
			for _, o := range []*parityOutcome{sq, pg} {
				o.d.check(t, `SELECT id FROM items ORDER BY id`, "1", "3")
			}
		})
	}
}

// TestParityDecimalLiteralRewritten: a child row whose decimal comes
// again with another literal of the same value (a trailing zero). The
// value is the same in both destinations, but SQLite's TEXT differs, so
// its upsert rewrites the row (counted updated, the load's id), while
// Postgres' numeric equals it, so the row is left as stored (counted
// unchanged, its old literal 12345678901234567890.50 and load id kept):
// the reports of one load differ between the destinations.
func TestParityDecimalLiteralRewritten(t *testing.T) {
	t.Skip("bug (minor): a decimal rewritten with a trailing zero counts updated in SQLite and unchanged in Postgres (numeric equality in the upsert's IS DISTINCT FROM), the stored literals differing")
	parity(t, parityCase{
		vendor: "parity", text: paritySpec("merge", ""),
		env: map[string]string{"BODIES_TOKEN": bodiesToken},
		fake: parityPages(
			[2]string{`{"id": 1, "v": 1, "l": [{"d": 12345678901234567890.50}]}`, ``},
			[2]string{`{"id": 1, "v": 2, "l": [{"d": 12345678901234567890.5}]}`, ``}),
		runs: 2,
	})
}

// TestParityDatasetNames: a dataset (the DSN's schema=) with capitals, a
// dash, a space or a quote, as a user names one after the API: every
// statement must quote it, merges and widening included.
func TestParityDatasetNames(t *testing.T) {
	for _, name := range []string{"Jira-Cloud", "pipe test space", `pipe"quote`} {
		t.Run(name, func(t *testing.T) {
			parity(t, parityCase{
				vendor: "parity", text: paritySpec("merge", "merge_key: grp"),
				env: map[string]string{"BODIES_TOKEN": bodiesToken},
				fake: parityPages(
					[2]string{`{"id": 1, "grp": "a", "tags": ["x"]}`, `{"id": 2, "grp": "a", "v": 1}`},
					[2]string{`{"id": 1, "grp": "a", "tags": []}`, `{"id": 3, "grp": "b", "v": 1.5}`}),
				runs:     2,
				pgParams: []string{"schema=" + name},
			})
		})
	}
}
