package sqlite

import (
	"fmt"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// maxColumns is SQLite's SQLITE_MAX_COLUMN as go-sqlite3 builds it.
const maxColumns = 2000

// CheckWidth refuses a table with more columns than SQLite allows.
func (d *Dialect) CheckWidth(t *schema.Table) error {
	if n := len(t.Columns); n > maxColumns {
		return fmt.Errorf("sqlite: %d columns, more than the %d a table may have: %w", n, maxColumns, destinations.ErrTooWide)
	}
	return nil
}

var _ destinations.WidthChecker = (*Dialect)(nil)
