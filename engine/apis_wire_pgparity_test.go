package engine_test

import (
	"strings"
	"testing"
)

// TestWireParityLongValues: the long values of TestWireLongValues (a
// 5,000-digit integer and fraction, 1e5000, a 100,000-character key, an
// object nested 1,000 deep) and a million-character string load the same
// into SQLite and Postgres (parity compares every table, long names
// matched by the key they hold); skipped without a Postgres server
// (PIPE_TEST_POSTGRES).
func TestWireParityLongValues(t *testing.T) {
	digits := strings.Repeat("9", 5000)
	frac := "0." + strings.Repeat("1234567890", 500)
	key := strings.Repeat("k", 100000)
	deep := strings.Repeat(`{"a":`, 1000) + "1" + strings.Repeat("}", 1000)
	long := strings.Repeat("é", 500000)
	parity(t, parityCase{
		vendor: "parity", text: paritySpec("merge", ""),
		env: map[string]string{"BODIES_TOKEN": bodiesToken},
		fake: parityPages([2]string{
			`{"id": 1, "big": ` + digits + `, "frac": ` + frac + `, "exp": 1e5000, "` + key + `": true, "deep": ` + deep + `}`,
			`{"id": 2, "big": -` + digits + `, "frac": -` + frac + `, "exp": -1e5000, "` + key + `": false, "text": "` + long + `"}`,
		}),
	})
}
