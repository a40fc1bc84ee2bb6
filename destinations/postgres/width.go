package postgres

import (
	"errors"
	"fmt"

	"github.com/lib/pq"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// maxColumns is how many columns a Postgres table may have.
const maxColumns = 1600

// CheckWidth refuses a table with more columns than Postgres allows. A
// row must also fit in a page once its long values are moved out of line
// (its fixed-width values, 8 bytes a bigint, double or timestamptz, in
// 8160 bytes): that depends on which values a row has, and COPY's
// refusal is made to say so (rowTooBig).
func (d *Dialect) CheckWidth(t *schema.Table) error {
	if n := len(t.Columns); n > maxColumns {
		return fmt.Errorf("postgres: %d columns, more than the %d a table may have: %w", n, maxColumns, destinations.ErrTooWide)
	}
	return nil
}

var _ destinations.WidthChecker = (*Dialect)(nil)

// rowTooBig adds to COPY's "row is too big" (program_limit_exceeded)
// into table the table's name and what narrows its rows (columns cols);
// other errors are returned as they are. Such a COPY may run at commit,
// after the resource's pages: the table is what the error can name.
func rowTooBig(err error, table string, cols []schema.Column) error {
	var perr *pq.Error
	if errors.As(err, &perr) && perr.Code == "54000" {
		return fmt.Errorf("table %q: %w: %w (%s)", table, err, destinations.ErrTooWide, schema.NarrowingHint(cols))
	}
	return err
}
