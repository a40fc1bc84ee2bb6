package postgres

import (
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/pipe-etl/pipe/destinations/sqlload"
)

var _ sqlload.Explainer = (*Dialect)(nil)

// Explain adds to lib/pq's "driver: bad connection", which is all it
// reports of a connection the server closed whatever the server said,
// the likely causes and what to do.
func (d *Dialect) Explain(err error) error {
	if !errors.Is(err, driver.ErrBadConn) {
		return err
	}
	return fmt.Errorf("%w (the database closed the load's connection: a restart, an administrator, a proxy, or a timeout such as idle_in_transaction_session_timeout, which managed services set and a slow API outlasts while the load's transaction waits for it: raise or disable it for pipe's role; nothing past the run's last checkpoint was committed)", err)
}
