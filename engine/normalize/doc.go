// Package normalize turns API records (gjson values) into typed rows for
// a resource's root table and its child tables, and observes the columns
// and types the rows need. It decides names and types; engine/schema
// decides how the destination's tables evolve to hold them.
//
// # Rules
//
// Tables and columns:
//   - Object members are flattened into their row with "__":
//     attributes.title becomes the column attributes__title. Every key is
//     snake_cased on its own (schema.SnakeCase): createdOn -> created_on.
//   - A list becomes a child table named <parent table>__<column>, e.g.
//     issues__attributes__coordinates, and its lists in turn
//     issues__attributes__coordinates__remedies. Each item is one row with
//     _pipe_parent_id (the parent row's _pipe_id), _pipe_root_id (the root
//     row's _pipe_id) and _pipe_list_idx (0-based position). Items that
//     are objects are flattened into the row; scalar items go to the
//     column "value" (a null item gives a row without it); an item that is
//     itself a list is stored whole as JSON in "value". An empty list
//     gives no rows and an empty object no columns.
//   - Nesting is counted in levels: the record's own fields are level 0,
//     and every object or list entered adds one. A value that would open
//     a level beyond Config.MaxNesting (taken as given: 0 stores every
//     object and list as JSON; the plan's default is 10) is stored as one
//     JSON column holding its compact text.
//   - Two keys of one object with the same snake_case name (fooBar and
//     foo_bar): the key that sorts first byte-wise keeps the plain name,
//     the others get "_" and 8 hex digits of a hash of the key
//     (schema.Disambiguate by the key's path), whatever their order in
//     the record. A key's column, and a list's child table, is decided
//     once, by Config.Names, and then kept: the names the destination
//     records (schema.Column.Key) win, and the Normalizers sharing a
//     Names (the chains of a run) get the first decision whatever order
//     they meet the keys in. A name owned by one key is never given to
//     another. The bookkeeping names (_pipe_id and the others) and
//     rename targets are reserved: a record key spelled like one is
//     disambiguated.
//   - Names longer than Config.MaxIdentLen are shortened by schema.Shorten;
//     child tables are named from the unshortened names, so shortening a
//     parent keeps its children distinct.
//
// Shaping (a resource's settings beyond its records, in Config; the
// processing steps come as written, Config.Steps, and are read here
// alone, in steps.go):
//   - Extra root columns, the same for every record of a request chain
//     (Normalizer.Extras): the list variable's item as _<variable>,
//     include_from_parent fields as _<parent>_<field>, and add_field
//     steps (a constant, or a parent field).
//   - exclude_columns and rename apply to root table columns by field
//     path or column name, as names are given: an excluded field is
//     never read (an excluded list makes no child table), a renamed one
//     is written under its new name. No row is rewritten afterwards.
//   - Required columns (nullable: false hints) must have a value in
//     every root row; a record without one is an error naming it.
//
// Values:
//   - JSON numbers written as integers that fit int64 are bigint (int64);
//     other numbers, including 3.0 and 1e3, are double (float64).
//   - true and false are boolean.
//   - Strings in RFC 3339 date-time form are timestamps (time.Time in
//     UTC): with a zone they are converted to UTC; without a zone
//     (Checkmarx writes 2020-07-22T17:58:30.693057) they are taken to be
//     UTC already. Plain dates (2024-01-02) and all other strings are text.
//   - null is no value: the column is absent from the row, and a null
//     never creates a column.
//   - Config.Hints force a root table column's type by its flattened name:
//     a text hint keeps timestamp strings as written (and numbers as their
//     JSON text); a json hint keeps the whole subtree as JSON without
//     flattening it or making child tables; bigint, double, boolean and
//     timestamp hints also parse strings ("42", "true", "2024-01-02").
//     A value the hint cannot hold is inferred as usual, and schema then
//     puts it in a variant column.
//
// Row ids (_pipe_id), 32 hex digits:
//   - with a primary key: the first 16 bytes of the SHA-256 of the table
//     name and the key values (length-prefixed, so compound keys are
//     unambiguous; 42 and "42" are the same key). A record missing a key
//     value, or with null, is an error naming the table and the path
//     (ErrMissingKey).
//   - without one, with Config.IDFromContent: the same hash of the table
//     name and the record's raw JSON as received (so a change in the
//     API's whitespace or key order changes the id).
//   - otherwise 128 random bits, new for every row.
//   - child rows: the hash of the parent's _pipe_id, the list's column
//     name and the position, so they are stable whenever the root is.
//
// # Using it with schema
//
// Per chain, the engine takes the extra columns of its records once
// (Normalizer.Extras: list item, include_from_parent, add_field); per
// page, it normalizes every kept record into one Rows, which applies
// exclude_columns, rename and required columns in the same walk, then
// calls Rows.Fit with the destination's tables and a schema.Evolver built
// from the resource's contract and the destination's abilities: each
// schema.Result says which changes to apply (Tx.EnsureTable) and which
// rows to write, and reports rows dropped by discard contracts, child
// rows of dropped rows included.
//
// Once the destination holds the rows, Rows.Reset makes the buffers
// ready for the next page.
//
// # Adding a processing step
//
// The engine hands a resource's processing_steps to New untouched
// (Config.Steps) and knows none of them, so a step that shapes rows
// changes these files and no other package:
//  1. engine/spec/types.go: a field of ProcessingStep (one is set per
//     step), and schemas/spec.schema.json: the same key, with a title
//     and description, under definitions.processing_step (the
//     schema-fields test in engine/spec fails until both agree); a
//     semantic check in engine/spec/semantic.go only if its values must
//     name something that exists, as add_field's from_parent must.
//  2. this package: compileSteps (steps.go) reads the field into
//     shaping, once per Normalizer, and the walk applies it where names
//     or values are given (names.go for record fields, extras.go for
//     extra columns), never as a second pass over rows; a case in
//     shape_test.go.
//  3. README.md, the processing_steps item of "Requests, retries and
//     rate limits".
//
// A step that drops records, like filter, is not shaping: it belongs to
// engine/extract (Keep, in process.go), which runs before the incremental
// cursor sees a record and before anything is normalized.
//
// A Normalizer walks gjson values in place (no decoding into maps),
// computes each key's column name once, and reuses the row maps of Rows
// across Reset; rows hold strings that share memory with the page's JSON.
package normalize
