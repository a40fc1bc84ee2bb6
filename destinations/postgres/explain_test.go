package postgres

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestExplainBadConnection: lib/pq's bad connection gets its likely
// causes; other errors pass as they are.
func TestExplainBadConnection(t *testing.T) {
	err := (&Dialect{}).Explain(fmt.Errorf("existing rows: %w", driver.ErrBadConn))
	if !errors.Is(err, driver.ErrBadConn) || !strings.Contains(err.Error(), "idle_in_transaction_session_timeout") {
		t.Errorf("bad connection: %v", err)
	}
	other := errors.New("duplicate key")
	if got := (&Dialect{}).Explain(other); got != other {
		t.Errorf("other error changed: %v", got)
	}
}
