package engine

import (
	"errors"
	"fmt"

	"github.com/pipe-etl/pipe/destinations"
	"github.com/pipe-etl/pipe/engine/schema"
)

// checkWidth asks the destination, when it limits widths, whether t may
// be created or widened as it is, and adds to a refusal the object whose
// fields make t wide and the settings that narrow it.
func checkWidth(dest destinations.Destination, t *schema.Table) error {
	w, ok := dest.(destinations.WidthChecker)
	if !ok {
		return nil
	}
	err := w.CheckWidth(t)
	if err == nil || !errors.Is(err, destinations.ErrTooWide) {
		return err
	}
	return fmt.Errorf("%w (%s)", err, schema.NarrowingHint(t.Columns))
}
