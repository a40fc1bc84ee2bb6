package sqlite

import (
	"context"
	"fmt"
	"os"

	"github.com/pipe-etl/pipe/destinations/sqlload"
)

var _ sqlload.CommitChecker = (*Dialect)(nil)

// BeforeCommit fails when the database file is no longer at its path,
// or another file is: deleted or replaced while the load ran (a cleanup
// job, a user's rm, a volume swapped). SQLite writes on into the
// unlinked file, so the load would commit into a file no one can open
// and exit 0.
func (d *Dialect) BeforeCommit(context.Context) error {
	if d.file == nil {
		return nil
	}
	now, err := os.Stat(d.path)
	if err == nil && os.SameFile(now, d.file) {
		return nil
	}
	return fmt.Errorf("sqlite: the database file %s was removed or replaced while the load ran, so its rows would be committed into a file no one can open; nothing more was committed (run again to load into %s)", d.path, d.path)
}
