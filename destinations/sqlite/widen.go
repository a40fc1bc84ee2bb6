package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations/sqlload"
	"github.com/pipe-etl/pipe/engine/schema"
)

// WidenColumns rebuilds table with the declared types of t, as SQLite's
// documentation prescribes for schema changes ALTER TABLE cannot do: make
// the new table, copy the rows, drop the old table, rename the new one,
// recreate the indexes. Columns the table has but t does not keep their
// values and get no declared type.
func (d *Dialect) WidenColumns(ctx context.Context, tx *sqlx.Tx, table string, t *schema.Table, ws []sqlload.Widening) error {
	have, _, err := d.ExistingColumns(ctx, tx, table)
	if err != nil {
		return fmt.Errorf("columns: %w", err)
	}
	// The new table has a primary key: the unique index of AddKey, if any,
	// is not recreated.
	var indexes []string
	if err := tx.SelectContext(ctx, &indexes,
		"SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL AND name <> ?",
		table, sqlload.KeyIndexName(table, d.MaxIdentifierLen())); err != nil {
		return fmt.Errorf("indexes: %w", err)
	}
	widened := map[string]bool{}
	for _, w := range ws {
		widened[w.Column.Name] = true
	}
	rebuild := sqlload.ShortName(table+"__pipe_rebuild", d.MaxIdentifierLen())
	var defs, names, exprs []string
	for _, name := range have {
		def := d.Quote(name)
		if c, ok := t.Column(name); ok {
			def += " " + d.ColumnType(c.Type)
			if (c.Type == schema.Text || c.Type == schema.Decimal) && widened[name] {
				exprs = append(exprs, textExpr(d.Quote(name)))
			} else {
				exprs = append(exprs, d.Quote(name))
			}
		} else {
			exprs = append(exprs, d.Quote(name))
		}
		if name == schema.ColID {
			def += " NOT NULL"
		}
		defs = append(defs, def)
		names = append(names, d.Quote(name))
	}
	stmts := []string{
		"DROP TABLE IF EXISTS " + d.Table(rebuild),
		fmt.Sprintf("CREATE TABLE %s (%s, PRIMARY KEY (%s))", d.Table(rebuild), strings.Join(defs, ", "), d.Quote(schema.ColID)),
		fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", d.Table(rebuild), strings.Join(names, ", "), strings.Join(exprs, ", "), d.Table(table)),
		"DROP TABLE " + d.Table(table),
		fmt.Sprintf("ALTER TABLE %s RENAME TO %s", d.Table(rebuild), d.Quote(table)),
	}
	stmts = append(stmts, indexes...)
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rebuild: %w", err)
		}
	}
	return nil
}

// textExpr converts a bigint or double column to text (and so to a
// decimal column's literal): a double as schema.FormatDouble writes it
// (the SQL function doubleTextFunc), as the engine writes a double that
// arrives after the change and as Postgres casts one, where SQLite's own
// CAST would write 1e-05 as "1.0e-05" and 123456789012345.6 as
// "123456789012345.59" (another number in a decimal column).
func textExpr(col string) string {
	return fmt.Sprintf("CASE WHEN typeof(%[1]s) = 'real' THEN %[2]s(%[1]s) ELSE CAST(%[1]s AS TEXT) END", col, doubleTextFunc)
}
