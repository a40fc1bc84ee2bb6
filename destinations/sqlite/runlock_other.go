//go:build !unix

package sqlite

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/pipe-etl/pipe/destinations/sqlload"
)

var _ sqlload.RunLocker = (*Dialect)(nil)

// LockRun never proves a run dead where flock(2) is missing: loads left
// running by a killed process stay running.
func (d *Dialect) LockRun(context.Context, *sqlx.DB, string) (bool, func() error, error) {
	return false, func() error { return nil }, nil
}
