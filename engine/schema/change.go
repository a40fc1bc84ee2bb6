package schema

// ChangeKind says what a Change does to a table.
type ChangeKind string

// The kinds of schema change.
const (
	CreateTable ChangeKind = "create_table"
	AddColumn   ChangeKind = "add_column"
	// WidenColumn changes a column's type along the lattice
	// bigint -> double -> text without loss.
	WidenColumn ChangeKind = "widen_column"
	// AddVariant adds a column NAME__v_TYPE for values whose type cannot
	// be widened into the column's type.
	AddVariant ChangeKind = "add_variant"
	// RecordKey records the JSON key (Column.Key) of a column recorded
	// without one; the table itself does not change.
	RecordKey ChangeKind = "record_key"
)

// Change is one step from a table's current schema to the one a batch needs.
type Change struct {
	Kind   ChangeKind
	Table  string
	Column Column // the new or changed column (for AddVariant, the variant column)
	From   Type   // WidenColumn: the old type
	Of     string // AddVariant: the column the variant belongs to
}
