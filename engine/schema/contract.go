package schema

import (
	"fmt"
	"strings"
)

// Mode says what happens when a batch needs a schema change that a
// contract governs.
type Mode string

// The contract modes.
const (
	// ModeEvolve makes the change (the default).
	ModeEvolve Mode = "evolve"
	// ModeFreeze refuses the change: the load fails with a *ContractError.
	ModeFreeze Mode = "freeze"
	// ModeDiscardRow drops every row that needs the change.
	ModeDiscardRow Mode = "discard_row"
	// ModeDiscardValue drops the values that need the change and keeps the
	// rest of their rows. For tables it drops the row, as ModeDiscardRow.
	ModeDiscardValue Mode = "discard_value"
)

// ParseMode returns the Mode named s; "" means ModeEvolve.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case "":
		return ModeEvolve, nil
	case ModeEvolve, ModeFreeze, ModeDiscardRow, ModeDiscardValue:
		return m, nil
	}
	return "", fmt.Errorf("unknown schema contract mode %q (want one of evolve, freeze, discard_row, discard_value)", s)
}

// Contract limits how a resource's tables may change. The zero value
// evolves everything.
type Contract struct {
	Tables   Mode // creating a table
	Columns  Mode // adding a column to an existing table
	DataType Mode // widening a column or adding a variant column
}

// normalized returns c with empty modes set to ModeEvolve, or an error naming
// the first unknown mode.
func (c Contract) normalized() (Contract, error) {
	var err error
	for _, f := range []struct {
		name string
		m    *Mode
	}{{"tables", &c.Tables}, {"columns", &c.Columns}, {"data_type", &c.DataType}} {
		if *f.m, err = ParseMode(string(*f.m)); err != nil {
			return c, fmt.Errorf("schema contract: %s: %w", f.name, err)
		}
	}
	return c, nil
}

// Entity names the part of a Contract that a violation breaks.
type Entity string

// The contract entities, spelled as in the spec's schema_contract.
const (
	EntityTables   Entity = "tables"
	EntityColumns  Entity = "columns"
	EntityDataType Entity = "data_type"
)

// ContractError reports a record that needs a schema change its contract
// freezes. Apply returns it; discard modes drop data instead.
type ContractError struct {
	Table      string
	Column     string // "" for a tables violation
	Type       Type   // the offending value's type; "" for a tables violation
	PrimaryKey string // the record's key, e.g. "id=42", or "_pipe_id=…" without one
	Entity     Entity // which part of the contract is violated
	Mode       Mode
}

// Error reads e.g. `table "issues": column "cvss_score": value of type
// text violates data_type contract "freeze" (record id=42)`.
func (e *ContractError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "table %q: ", e.Table)
	if e.Entity == EntityTables {
		fmt.Fprintf(&b, "new table violates tables contract %q", e.Mode)
	} else {
		fmt.Fprintf(&b, "column %q: value of type %s violates %s contract %q", e.Column, e.Type, e.Entity, e.Mode)
	}
	if e.PrimaryKey != "" {
		fmt.Fprintf(&b, " (record %s)", e.PrimaryKey)
	}
	return b.String()
}
