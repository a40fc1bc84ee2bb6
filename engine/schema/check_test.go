package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func rowString(r Row) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%#v", k, r[k]))
	}
	return strings.Join(parts, " ")
}

func TestCheck(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	table := tbl("issues", "id:bigint!", "cvss_score:double", "title:text", "flag:boolean", "flag__v_text:text", "at:timestamp")
	tests := []struct {
		name     string
		row      Row
		c        Contract
		want     string // fitted row, "" when dropped
		wantErr  string
		contract bool // the error is a *ContractError
	}{
		{name: "fits", row: Row{"id": int64(42), "title": "x", "at": ts},
			want: `at=time.Date(2024, time.January, 2, 3, 4, 5, 0, time.UTC) id=42 title="x"`},
		{name: "nil removed", row: Row{"id": int64(1), "title": nil}, want: "id=1"},
		{name: "converts to column type", row: Row{"id": 1, "cvss_score": int64(7), "title": 2.5},
			want: `cvss_score=7 id=1 title="2.5"`},
		{name: "variant", row: Row{"id": int64(1), "flag": "yes"}, want: `flag__v_text="yes" id=1`},
		{name: "evolve without variant", row: Row{"id": int64(1), "cvss_score": "high"},
			wantErr: `table "issues": column "cvss_score": text value does not fit type double and no variant exists (evolve the table with every observed type first)`},
		{name: "evolve without column", row: Row{"id": int64(1), "new": "x"},
			wantErr: `table "issues": column "new" is not in the table (evolve the table with every observed column first)`},
		{name: "unsupported value", row: Row{"id": int64(1), "title": []string{"x"}},
			wantErr: `table "issues": column "title": unsupported value of Go type []string`},
		{name: "data_type freeze", row: Row{"id": int64(42), "cvss_score": "high"}, c: Contract{DataType: ModeFreeze},
			wantErr: `table "issues": column "cvss_score": value of type text violates data_type contract "freeze" (record id=42)`, contract: true},
		{name: "data_type discard_row", row: Row{"id": int64(42), "cvss_score": "high"}, c: Contract{DataType: ModeDiscardRow}},
		{name: "data_type discard_value", row: Row{"id": int64(42), "cvss_score": "high", "title": "t"}, c: Contract{DataType: ModeDiscardValue},
			want: `id=42 title="t"`},
		{name: "columns freeze", row: Row{"id": int64(42), "new": json.RawMessage(`[1]`)}, c: Contract{Columns: ModeFreeze},
			wantErr: `table "issues": column "new": value of type json violates columns contract "freeze" (record id=42)`, contract: true},
		{name: "columns discard_row", row: Row{"id": int64(42), "new": true}, c: Contract{Columns: ModeDiscardRow}},
		{name: "columns discard_value", row: Row{"id": int64(42), "new": true}, c: Contract{Columns: ModeDiscardValue}, want: "id=42"},
		{name: "freeze allows fitting values", row: Row{"id": int64(42), "title": int64(3)}, c: Contract{Tables: ModeFreeze, Columns: ModeFreeze, DataType: ModeFreeze},
			want: `id=42 title="3"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, keep, err := check(table, tt.row, Evolver{Contract: tt.c})
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v\nwant %s", err, tt.wantErr)
				}
				var ce *ContractError
				if errors.As(err, &ce) != tt.contract {
					t.Errorf("errors.As ContractError = %v, want %v", !tt.contract, tt.contract)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if keep != (tt.want != "") {
				t.Fatalf("keep = %v", keep)
			}
			if keep {
				if got := rowString(row); got != tt.want {
					t.Errorf("row\n got %s\nwant %s", got, tt.want)
				}
			}
		})
	}
}

func TestContractErrorFields(t *testing.T) {
	table := tbl("t", "org:text!", "id:bigint!", "n:bigint")
	_, _, err := check(table, Row{"org": "a", "id": int64(7), "n": 1.5}, Evolver{Contract: Contract{DataType: ModeFreeze}})
	var ce *ContractError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	want := ContractError{Table: "t", Column: "n", Type: Double, PrimaryKey: "org=a,id=7", Entity: EntityDataType, Mode: ModeFreeze}
	if *ce != want {
		t.Errorf("got %+v\nwant %+v", *ce, want)
	}
	// Without a primary key the row's _pipe_id names the record.
	_, _, err = check(tbl("c", "_pipe_id:text", "v:bigint"), Row{"_pipe_id": "ab12", "v": true}, Evolver{Contract: Contract{DataType: ModeFreeze}})
	if want := `table "c": column "v": value of type boolean violates data_type contract "freeze" (record _pipe_id=ab12)`; err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestApply(t *testing.T) {
	rows := func() []Row {
		return []Row{
			{"_pipe_id": "a", "id": int64(1), "score": int64(5)},
			{"_pipe_id": "b", "id": int64(2), "score": "high", "extra": true},
			{"_pipe_id": "c", "id": int64(3), "score": 2.5},
		}
	}
	observed := tbl("t", "_pipe_id:text", "id:bigint!", "score:bigint", "score:text", "extra:boolean", "score:double")
	existing := tbl("t", "_pipe_id:text", "id:bigint!", "score:bigint")
	tests := []applyCase{
		{name: "create", wantCols: "_pipe_id:text id:bigint score:text extra:boolean", wantChanges: "create_table",
			wantRows: []string{`_pipe_id="a" id=1 score="5"`, `_pipe_id="b" extra=true id=2 score="high"`, `_pipe_id="c" id=3 score="2.5"`}},
		{name: "widen existing", existing: existing, wantCols: "_pipe_id:text id:bigint score:text extra:boolean",
			wantChanges: "widen_column score bigint->text; add_column extra:boolean",
			wantRows:    []string{`_pipe_id="a" id=1 score="5"`, `_pipe_id="b" extra=true id=2 score="high"`, `_pipe_id="c" id=3 score="2.5"`}},
		{name: "no widening: variants", existing: existing, canWiden: noWiden,
			// the double goes to the text variant: a wider variant takes lattice values
			wantCols:    "_pipe_id:text id:bigint score:bigint score__v_text:text extra:boolean",
			wantChanges: "add_variant score__v_text:text of score; add_column extra:boolean",
			wantRows:    []string{`_pipe_id="a" id=1 score=5`, `_pipe_id="b" extra=true id=2 score__v_text="high"`, `_pipe_id="c" id=3 score__v_text="2.5"`}},
		{name: "tables freeze", c: Contract{Tables: ModeFreeze},
			wantErr: `table "t": new table violates tables contract "freeze" (record id=1)`},
		{name: "tables discard_row", c: Contract{Tables: ModeDiscardRow}, wantCols: "<nil>", wantDropped: 3},
		{name: "tables discard_value", c: Contract{Tables: ModeDiscardValue}, wantCols: "<nil>", wantDropped: 3},
		{name: "columns freeze", existing: existing, c: Contract{Columns: ModeFreeze},
			wantErr: `table "t": column "extra": value of type boolean violates columns contract "freeze" (record id=2)`},
		{name: "columns discard_value", existing: existing, c: Contract{Columns: ModeDiscardValue},
			wantCols: "_pipe_id:text id:bigint score:text", wantChanges: "widen_column score bigint->text", wantValues: 1,
			wantRows: []string{`_pipe_id="a" id=1 score="5"`, `_pipe_id="b" id=2 score="high"`, `_pipe_id="c" id=3 score="2.5"`}},
		{name: "data_type freeze", existing: existing, c: Contract{DataType: ModeFreeze},
			wantErr: `table "t": column "score": value of type text violates data_type contract "freeze" (record id=2)`},
		{name: "data_type discard_row", existing: existing, c: Contract{DataType: ModeDiscardRow},
			wantCols: "_pipe_id:text id:bigint score:bigint extra:boolean", wantChanges: "add_column extra:boolean", wantDropped: 2,
			wantRows: []string{`_pipe_id="a" id=1 score=5`}},
		{name: "data_type discard_value", existing: existing, c: Contract{DataType: ModeDiscardValue},
			wantCols: "_pipe_id:text id:bigint score:bigint extra:boolean", wantChanges: "add_column extra:boolean", wantValues: 2,
			wantRows: []string{`_pipe_id="a" id=1 score=5`, `_pipe_id="b" extra=true id=2`, `_pipe_id="c" id=3`}},
	}
	for _, tt := range tests {
		for _, canonical := range []bool{false, true} { // the rows are canonical: both give the same
			name := tt.name
			if canonical {
				name += " canonical"
			}
			t.Run(name, func(t *testing.T) {
				e := Evolver{Contract: tt.c, CanWiden: tt.canWiden}
				apply := e.Apply
				if canonical {
					apply = e.ApplyCanonical
				}
				testApply(t, apply, observed, rows(), tt)
			})
		}
	}
}

// applyCase is a case of TestApply.
type applyCase struct {
	name        string
	existing    *Table
	c           Contract
	canWiden    func(from, to Type) bool
	wantCols    string
	wantChanges string
	wantRows    []string
	wantDropped int
	wantValues  int
	wantErr     string
}

// testApply checks what apply makes of rows against tt.
func testApply(t *testing.T, apply func(existing, observed *Table, rows []Row) (Result, error), observed *Table, rows []Row, tt applyCase) {
	t.Helper()
	res, err := apply(tt.existing, observed, rows)
	if tt.wantErr != "" {
		if err == nil || err.Error() != tt.wantErr {
			t.Fatalf("err = %v\nwant %s", err, tt.wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if res.Name != "t" {
		t.Errorf("Name = %q", res.Name)
	}
	if got := colsString(res.Table); got != tt.wantCols {
		t.Errorf("columns\n got %s\nwant %s", got, tt.wantCols)
	}
	if got := changesString(res.Changes); got != tt.wantChanges {
		t.Errorf("changes\n got %s\nwant %s", got, tt.wantChanges)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, rowString(r))
	}
	if !reflect.DeepEqual(got, tt.wantRows) {
		t.Errorf("rows\n got %q\nwant %q", got, tt.wantRows)
	}
	if len(res.Dropped) != tt.wantDropped || res.DroppedValues != tt.wantValues {
		t.Errorf("dropped %d rows %d values, want %d, %d", len(res.Dropped), res.DroppedValues, tt.wantDropped, tt.wantValues)
	}
}

// TestApplyCanonicalReadsInexactColumnsOnly: ApplyCanonical fits the
// columns whose observed type the table does not hold and leaves the
// others unread (a non-canonical int there, which its rows never hold,
// stays as it is), where Apply reads every value.
func TestApplyCanonicalReadsInexactColumnsOnly(t *testing.T) {
	existing := tbl("t", "a:bigint", "b:double")
	observed := tbl("t", "a:bigint", "b:bigint")
	for _, canonical := range []bool{false, true} {
		row := Row{"a": 1, "b": int64(2)}
		e := Evolver{}
		apply, wantA := e.Apply, "int64"
		if canonical {
			apply, wantA = e.ApplyCanonical, "int" // not read
		}
		if _, err := apply(existing, observed, []Row{row}); err != nil {
			t.Fatal(err)
		}
		if a, b := fmt.Sprintf("%T", row["a"]), fmt.Sprintf("%T", row["b"]); a != wantA || b != "float64" {
			t.Errorf("canonical %v: a %s, b %s; want %s, float64", canonical, a, b, wantA)
		}
	}
}

// TestApplyExactSkipsCheck: when every observed type matches its column,
// Apply returns the rows untouched, and they equal what Check produces.
func TestApplyExactSkipsCheck(t *testing.T) {
	observed := tbl("t", "a:bigint", "b:text")
	rows := []Row{{"a": int64(1), "b": "x"}, {"a": int64(2)}}
	res, err := Evolver{}.Apply(tbl("t", "a:bigint", "b:text", "c:json"), observed, rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 0 || len(res.Rows) != 2 {
		t.Fatalf("res = %+v", res)
	}
	for _, r := range res.Rows {
		before := rowString(r)
		if _, keep, err := check(res.Table, r, Evolver{}); err != nil || !keep || rowString(r) != before {
			t.Errorf("Check changed %s to %s (%v, %v)", before, rowString(r), keep, err)
		}
	}
}

// check fits one row to t as Apply fits each row of a batch.
func check(t *Table, row Row, e Evolver) (Row, bool, error) {
	c, err := e.Contract.normalized()
	if err != nil {
		return row, false, err
	}
	keep, _, err := newFitter(t, c, e.MaxIdentLen).fit(row)
	return row, keep, err
}
