package schema

import "fmt"

// Evolver decides schema changes and fits rows under one contract and one
// destination's abilities. The zero value evolves everything, lets every
// lattice widening happen and does not shorten variant names.
//
// Division of work: normalize observes the columns of a batch (one entry
// per column and type seen), Evolve turns the destination's table and the
// observed one into the next table and the changes that lead there, and
// Apply fits each row of the batch to the next table:
// it converts widened values, moves values that do not fit into their
// variant column and enforces the contract, returning the *ContractError
// for freeze modes and dropping rows or values for discard modes.
type Evolver struct {
	Contract Contract
	// CanWiden reports whether the destination can change an existing
	// column from type from to the wider type to; nil means it always can.
	// When it cannot, values of the wider type go to a variant column.
	CanWiden func(from, to Type) bool
	// MaxIdentLen is the destination's identifier limit, applied to the
	// variant column names Evolve makes (0 means no limit), and by Apply
	// to find them.
	MaxIdentLen int
	// Fixed maps a table's name to the columns whose type a column hint
	// fixes (columns: {x: {data_type: decimal}}) and their types. Such a
	// column is made with that type and never widens, in a new table as in
	// an existing one: a value the hint could not convert (an empty price
	// beside decimal ones) goes to a variant column instead of turning the
	// column into text.
	Fixed map[string]map[string]Type
}

// Evolve returns the table a batch needs: existing (nil if the
// destination has no such table) plus what observed adds, and the changes
// from one to the other, in this order of rules:
//
//   - existing nil: the table is created with every observed column;
//     changes is the single CreateTable change and next lists the columns.
//     Types seen together in the batch widen freely (there is no data yet).
//   - a new column is appended (AddColumn), keeping existing columns first
//     in their order.
//   - a type that fits the column (bigint into double, anything on the
//     lattice into text) changes nothing; the value is converted by Apply.
//   - a wider type along bigint -> double -> text widens the column
//     (WidenColumn, one change per column from its old type to its final
//     one) if CanWiden allows it.
//   - any other type adds a variant column VariantName(column, type)
//     (AddVariant), unless a variant that takes the type exists.
//   - a column in Fixed (a column hint) is made with its fixed type and
//     never widens: values of other types go to variant columns.
//   - an existing column recorded without the JSON key observed in it
//     gets it (RecordKey), so that the key keeps the column in later runs.
//
// observed may name a column more than once, once per type seen. Columns
// never disappear and nulls are never observed, so a null changes nothing.
//
// Evolve makes only the changes the contract allows and reports no
// column or data type violation itself: a refused change leaves the
// table as it was, and the rows that needed it are caught by Apply, which
// knows their primary key. A table the contract refuses to
// create has no table to check rows against, so Evolve decides it: under
// ModeFreeze err is a *ContractError without a record (Apply adds the
// first row's key), under the discard modes next is nil and every row of
// the table is dropped. Otherwise err is
// non-nil only for a malformed contract or observed table.
func (e Evolver) Evolve(existing, observed *Table) (next *Table, changes []Change, err error) {
	c, err := e.Contract.normalized()
	if err != nil {
		return nil, nil, err
	}
	if observed == nil {
		return nil, nil, fmt.Errorf("evolve: no observed table")
	}
	if existing != nil && existing.Name != observed.Name {
		return nil, nil, fmt.Errorf("evolve: table %q: observed table is %q", existing.Name, observed.Name)
	}
	creating := existing == nil
	switch {
	case creating && c.Tables == ModeFreeze:
		return nil, nil, &ContractError{Table: observed.Name, Entity: EntityTables, Mode: c.Tables}
	case creating && c.Tables != ModeEvolve:
		return nil, nil, nil
	}
	next = &Table{Name: observed.Name, Parent: observed.Parent}
	if !creating {
		next.Parent = existing.Parent
		if next.Parent == "" {
			next.Parent = observed.Parent
		}
		next.Columns = append(make([]Column, 0, len(existing.Columns)+4), existing.Columns...)
	}
	idx := make(map[string]int, len(next.Columns)+len(observed.Columns))
	for i, col := range next.Columns {
		idx[col.Name] = i
	}
	added := map[string]int{}   // columns new in this call -> index of their change, -1 when creating
	widened := map[string]int{} // existing columns widened -> index of their change
	fixed := e.Fixed[next.Name]
	for _, oc := range observed.Columns {
		if !oc.Type.Valid() {
			return nil, nil, fmt.Errorf("evolve: table %q: column %q: unknown type %q", observed.Name, oc.Name, oc.Type)
		}
		ft, isFixed := fixed[oc.Name]
		isFixed = isFixed && ft.Valid()
		i, ok := idx[oc.Name]
		if !ok {
			if !creating && c.Columns != ModeEvolve {
				continue
			}
			col := oc
			if isFixed {
				col.Type = ft
			}
			i = len(next.Columns)
			idx[oc.Name] = i
			next.Columns = append(next.Columns, col)
			added[oc.Name] = -1
			if !creating {
				added[oc.Name] = len(changes)
				changes = append(changes, Change{Kind: AddColumn, Table: next.Name, Column: col})
			}
			if col.Type == oc.Type {
				continue
			}
		}
		if next.Columns[i].Key == "" && oc.Key != "" {
			if of, ok := variantOf(next, oc.Name, e.MaxIdentLen); ok {
				return nil, nil, variantTakenError(next, of, oc)
			}
		}
		if next.Columns[i].Key == "" && oc.Key != "" && !creating {
			// recorded before keys were
			next.Columns[i].Key = oc.Key
			changes = append(changes, Change{Kind: RecordKey, Table: next.Name, Column: next.Columns[i]})
		}
		cur := next.Columns[i]
		if fits(cur.Type, oc.Type) {
			continue
		}
		w, widenable := Widen(cur.Type, oc.Type)
		widenable = widenable && !isFixed
		if ci, isNew := added[oc.Name]; widenable && isNew {
			next.Columns[i].Type = w
			if ci >= 0 {
				changes[ci].Column.Type = w
			}
			continue
		}
		if c.DataType != ModeEvolve {
			continue
		}
		if widenable && e.canWiden(cur.Type, w) {
			next.Columns[i].Type = w
			if wi, ok := widened[oc.Name]; ok {
				changes[wi].Column.Type = w
			} else {
				widened[oc.Name] = len(changes)
				changes = append(changes, Change{Kind: WidenColumn, Table: next.Name, Column: next.Columns[i], From: cur.Type})
			}
			continue
		}
		if variantIndex(next, idx, oc.Name, oc.Type, e.MaxIdentLen) >= 0 {
			continue
		}
		vc := Column{Name: VariantName(oc.Name, oc.Type, e.MaxIdentLen), Type: oc.Type, Nullable: true}
		if j, taken := idx[vc.Name]; taken {
			if k := next.Columns[j]; k.Key != "" {
				return nil, nil, variantTakenError(next, oc.Name, k)
			}
			return nil, nil, fmt.Errorf("evolve: table %q: column %q: variant column %q exists with type %s", next.Name, oc.Name, vc.Name, next.Columns[idx[vc.Name]].Type)
		}
		idx[vc.Name] = len(next.Columns)
		next.Columns = append(next.Columns, vc)
		added[vc.Name] = -1
		if !creating {
			added[vc.Name] = len(changes)
			changes = append(changes, Change{Kind: AddVariant, Table: next.Name, Column: vc, Of: oc.Name})
		}
	}
	if creating {
		changes = []Change{{Kind: CreateTable, Table: next.Name}}
	}
	return next, changes, nil
}

func (e Evolver) canWiden(from, to Type) bool {
	return e.CanWiden == nil || e.CanWiden(from, to)
}

// variantIndex returns the index in t of the variant column of col that
// takes values of type got, or -1. The exact variant wins; a lattice type
// may also go to the variant of a wider type.
func variantIndex(t *Table, idx map[string]int, col string, got Type, maxLen int) int {
	for _, vt := range [...]Type{got, Double, Decimal, Text} {
		if vt != got && (rank(got) == 0 || rank(vt) <= rank(got)) {
			continue
		}
		// a column with a key is a JSON key's, never a variant (an object
		// {"v_text": …} where col is a scalar elsewhere): not shared
		if i, ok := idx[VariantName(col, vt, maxLen)]; ok && t.Columns[i].Key == "" && fits(t.Columns[i].Type, got) {
			return i
		}
	}
	return -1
}

// variantOf returns the column of t whose variant column is named name,
// if any.
func variantOf(t *Table, name string, maxLen int) (string, bool) {
	for _, c := range t.Columns {
		if c.Key == "" || c.Name == name {
			continue
		}
		for _, vt := range [...]Type{Boolean, Bigint, Double, Decimal, Text, Timestamp, JSON} {
			if VariantName(c.Name, vt, maxLen) == name {
				return c.Name, true
			}
		}
	}
	return "", false
}

// variantTakenError is the error for the variant column of column of in
// table t, whose name is also the column of a JSON key (key): an object
// {"v_text": …} at the path where other records hold a scalar. Sharing the
// column would put the two in one place, so the run stops and names what
// keeps them apart: a text hint on a root table's column (objects are then
// their JSON text), a lower max_table_nesting for a child table's, whose
// columns take no hints.
func variantTakenError(t *Table, of string, key Column) error {
	fix := fmt.Sprintf("hint %s text (columns: {%s: {data_type: text}}) to keep its values in that column", of, of)
	if t.Parent != "" {
		fix = "a max_table_nesting that stores the object as JSON keeps them apart (column hints apply to root tables only)"
	}
	return fmt.Errorf("table %q: column %q holds the key %q and would also be the variant column of %q (its values of another type): %s",
		t.Name, key.Name, key.Key, of, fix)
}
