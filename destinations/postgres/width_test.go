package postgres

import (
	"errors"
	"fmt"
	"testing"

	"github.com/lib/pq"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// TestCheckWidth: Postgres' 1600 columns, refused before CREATE TABLE;
// COPY's "row is too big" gets the hint that narrows the rows.
func TestCheckWidth(t *testing.T) {
	table := func(n int) *schema.Table {
		tb := &schema.Table{Name: "items"}
		for i := range n {
			tb.Columns = append(tb.Columns, schema.Column{Name: fmt.Sprintf("fields__c%d", i), Type: schema.Bigint})
		}
		return tb
	}
	if err := (&Dialect{}).CheckWidth(table(1600)); err != nil {
		t.Errorf("1600 columns: %v", err)
	}
	if err := (&Dialect{}).CheckWidth(table(1601)); !errors.Is(err, destinations.ErrTooWide) {
		t.Errorf("1601 columns: %v", err)
	}
	big := &pq.Error{Code: "54000", Message: "row is too big: size 12808, maximum size 8160"}
	err := rowTooBig(fmt.Errorf("copy into items: %w", big), "items", table(1590).Columns)
	if !errors.Is(err, destinations.ErrTooWide) || !errors.Is(err, big) {
		t.Errorf("row too big: %v", err)
	}
	other := &pq.Error{Code: "23505"}
	if err := rowTooBig(other, "items", nil); err != other {
		t.Errorf("another error changed: %v", err)
	}
}
