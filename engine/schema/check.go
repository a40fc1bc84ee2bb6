package schema

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Result is what Apply decided for the rows of one table.
type Result struct {
	Name    string
	Table   *Table   // the evolved table; nil when the contract refused to create it
	Changes []Change // what the destination must do before writing Rows
	Rows    []Row    // kept rows, fitted to Table
	// Dropped are the rows a discard contract dropped (all rows of a table
	// it refused to create).
	Dropped []Row
	// DroppedValues counts values a discard_value contract dropped.
	DroppedValues int
}

// Apply evolves existing (nil if the destination has no such table) by
// observed and fits every row to the evolved table, in place:
//
//   - nil values are removed;
//   - a value that fits its column is converted to the column's type
//     (int64 to float64 for double, numbers to decimal text for text);
//   - a value that does not fit moves to its variant column if the table
//     has one;
//   - a value with no column, or no fitting column or variant, is a
//     change the contract refused: ModeFreeze returns a *ContractError naming
//     the table, column, value type and the row's primary key,
//     ModeDiscardRow drops the row, ModeDiscardValue removes the value.
//     Under ModeEvolve it means Evolve did not see the value: an error.
//
// observed must list the type of
// every non-nil value in rows, as normalize's observed tables do. The
// rows are fitted in place; Result.Rows is rows itself unless some were
// dropped, then a new slice (rows is never reordered). The first contract
// violation under a freeze mode is returned as a *ContractError.
func (e Evolver) Apply(existing, observed *Table, rows []Row) (Result, error) {
	return e.apply(existing, observed, rows, false)
}

// ApplyCanonical is Apply for rows that hold no nil value and only the Go
// kinds Row documents, as normalize makes them. A value in a column of
// its own type is then left as it is without being read: only the
// columns whose observed types the evolved table does not hold as they
// are (a bigint seen in a double column, a column the contract refuses)
// are looked up in each row, instead of every value of every row.
func (e Evolver) ApplyCanonical(existing, observed *Table, rows []Row) (Result, error) {
	return e.apply(existing, observed, rows, true)
}

func (e Evolver) apply(existing, observed *Table, rows []Row, canonicalRows bool) (Result, error) {
	c, err := e.Contract.normalized()
	if err != nil {
		return Result{}, err
	}
	if existing == nil && observed != nil && c.Tables == ModeFreeze {
		if len(rows) == 0 {
			return Result{Name: observed.Name}, nil
		}
		return Result{}, &ContractError{Table: observed.Name, Entity: EntityTables, Mode: c.Tables,
			PrimaryKey: recordKey(observed, rows[0])}
	}
	next, changes, err := e.Evolve(existing, observed)
	if err != nil {
		return Result{}, err
	}
	res := Result{Name: observed.Name, Table: next, Changes: changes}
	if next == nil {
		res.Dropped = rows
		return res, nil
	}
	if exact(next, observed) {
		res.Rows = rows
		return res, nil
	}
	f := newFitter(next, c, e.MaxIdentLen)
	if canonicalRows {
		f.only = inexact(next, observed)
	}
	kept := rows
	for i, r := range rows {
		keep, n, err := f.fit(r)
		if err != nil {
			return Result{}, err
		}
		res.DroppedValues += n
		switch {
		case !keep && len(res.Dropped) == 0:
			kept = append(make([]Row, 0, len(rows)-1), rows[:i]...)
			res.Dropped = append(res.Dropped, r)
		case !keep:
			res.Dropped = append(res.Dropped, r)
		case len(res.Dropped) > 0:
			kept = append(kept, r)
		}
	}
	res.Rows = kept
	return res, nil
}

// exact reports whether every observed column is in t with its observed
// type, so that every value already fits without conversion.
func exact(t, observed *Table) bool {
	return len(inexact(t, observed)) == 0
}

// inexact returns the names of the observed columns that t does not hold
// with their observed type, each once.
func inexact(t, observed *Table) []string {
	types := make(map[string]Type, len(t.Columns))
	for _, col := range t.Columns {
		types[col.Name] = col.Type
	}
	var names []string
	for _, oc := range observed.Columns {
		if ty, ok := types[oc.Name]; (!ok || ty != oc.Type) && !slices.Contains(names, oc.Name) {
			names = append(names, oc.Name)
		}
	}
	return names
}

// fitter checks rows against one table.
type fitter struct {
	t      *Table
	idx    map[string]int
	c      Contract
	maxLen int
	only   []string // when set, the only columns of a row to fit (ApplyCanonical)
}

func newFitter(t *Table, c Contract, maxLen int) *fitter {
	idx := make(map[string]int, len(t.Columns))
	for i, col := range t.Columns {
		idx[col.Name] = i
	}
	return &fitter{t: t, idx: idx, c: c, maxLen: maxLen}
}

type move struct {
	from, to string
	v        any
}

// fit applies Apply's rules to row, returning whether to keep it and how
// many values it dropped.
func (f *fitter) fit(row Row) (keep bool, dropped int, err error) {
	var moves []move
	if f.only != nil {
		for _, k := range f.only {
			if v, ok := row[k]; ok {
				if keep, err := f.value(row, k, v, &moves, &dropped); !keep || err != nil {
					return false, dropped, err
				}
			}
		}
	} else {
		for k, v := range row {
			if keep, err := f.value(row, k, v, &moves, &dropped); !keep || err != nil {
				return false, dropped, err
			}
		}
	}
	for _, m := range moves {
		delete(row, m.from)
		row[m.to] = m.v
	}
	return true, dropped, nil
}

// value fits the value v of column k of row; keep is false when the
// row is to be dropped.
func (f *fitter) value(row Row, k string, v any, moves *[]move, dropped *int) (keep bool, err error) {
	if v == nil {
		delete(row, k)
		return true, nil
	}
	got := Infer(v)
	if got == "" {
		return false, fmt.Errorf("table %q: column %q: unsupported value of Go type %T", f.t.Name, k, v)
	}
	i, ok := f.idx[k]
	if ok && fits(f.t.Columns[i].Type, got) {
		if want := f.t.Columns[i].Type; got != want || !canonical(v) {
			if n, big := v.(int64); big && want == Double && (n > MaxExactInt || n < -MaxExactInt) {
				return false, fmt.Errorf("table %q: %w", f.t.Name, InexactError(k, n))
			}
			row[k] = convert(v, got, want)
		}
		return true, nil
	}
	entity, mode := EntityColumns, f.c.Columns
	if ok {
		if j := variantIndex(f.t, f.idx, k, got, f.maxLen); j >= 0 {
			*moves = append(*moves, move{from: k, to: f.t.Columns[j].Name, v: convert(v, got, f.t.Columns[j].Type)})
			return true, nil
		}
		entity, mode = EntityDataType, f.c.DataType
	}
	switch mode {
	case ModeDiscardRow:
		return false, nil
	case ModeDiscardValue:
		delete(row, k)
		*dropped++
		return true, nil
	case ModeFreeze:
		return false, &ContractError{Table: f.t.Name, Column: k, Type: got,
			PrimaryKey: recordKey(f.t, row), Entity: entity, Mode: mode}
	}
	if !ok {
		return false, fmt.Errorf("table %q: column %q is not in the table (evolve the table with every observed column first)", f.t.Name, k)
	}
	return false, fmt.Errorf("table %q: column %q: %s value does not fit type %s and no variant exists (evolve the table with every observed type first)", f.t.Name, k, got, f.t.Columns[i].Type)
}

// canonical reports whether v is of the Go kind Row documents.
func canonical(v any) bool {
	switch v.(type) {
	case bool, int64, float64, string, time.Time, json.RawMessage:
		return true
	}
	return false
}

// recordKey names the record a row came from for error messages: the
// primary key columns of t as name=value, or the row's _pipe_id.
func recordKey(t *Table, row Row) string {
	var parts []string
	for _, col := range t.Columns {
		if col.PrimaryKey {
			parts = append(parts, col.Name+"="+formatValue(row[col.Name]))
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, ",")
	}
	if id, ok := row[ColID]; ok && id != nil {
		return ColID + "=" + formatValue(id)
	}
	return ""
}

func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case json.RawMessage:
		return string(x)
	}
	return fmt.Sprint(v)
}
