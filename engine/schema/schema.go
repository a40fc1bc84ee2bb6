// Package schema describes tables and columns as pipe infers and evolves
// them: the type lattice, naming, and the changes between what a
// destination holds and what a batch of rows needs. It issues no SQL.
package schema

// Type is a column's logical type. Destinations map each to a SQL type.
type Type string

// The logical types.
const (
	Boolean   Type = "boolean"
	Bigint    Type = "bigint"
	Double    Type = "double"  // values are float64 whose shortest text is the JSON literal
	Decimal   Type = "decimal" // exact numbers: values are json.Number holding the literal
	Text      Type = "text"
	Timestamp Type = "timestamp" // with time zone; values are time.Time in UTC
	JSON      Type = "json"      // values are json.RawMessage
)

// Bookkeeping columns present in every data table.
const (
	ColID       = "_pipe_id"        // stable row id: from the primary key, or content, or position
	ColLoadID   = "_pipe_load_id"   // load that last wrote the row
	ColParentID = "_pipe_parent_id" // child tables: _pipe_id of the parent row
	ColRootID   = "_pipe_root_id"   // child tables: _pipe_id of the root row
	ColListIdx  = "_pipe_list_idx"  // child tables: position in the parent's list
	ColHash     = "_pipe_hash"      // root tables of merged resources: fingerprint of the record's content and settings
	ColValue    = "value"           // child tables of scalar lists
)

// Column is one column of a table.
type Column struct {
	Name       string
	Type       Type
	Nullable   bool
	PrimaryKey bool
	// Key is the gjson path, from the row, of the JSON key the column
	// holds ("attributes.NAME"), so that the key keeps its column in
	// later runs; "" for bookkeeping, extra and variant columns and for
	// columns recorded before keys were. A child table's _pipe_parent_id
	// column holds the path of its list in the parent table's rows.
	Key string
}

// Table is one table: a resource's root table or one of its child tables.
type Table struct {
	Name    string
	Parent  string // parent table for child tables, "" for root tables
	Columns []Column
}

// Column returns the named column and whether it exists.
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Row is one row: column name to value. Values are nil, bool, int64,
// float64, json.Number, string, time.Time or json.RawMessage, matching
// the column Type.
type Row map[string]any
