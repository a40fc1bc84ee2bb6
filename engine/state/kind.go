package state

import "fmt"

// cursorKind names what a cursor value is, for telling values that
// cannot be ordered together: an ISO 8601 date-time, a number (Unix
// times by unit: seconds, milliseconds, microseconds or nanoseconds, by
// the magnitudes a timestamp hint reads them with), or text.
func cursorKind(v string) string { return parseValue(v).kind() }

// sameKind reports whether cursor values of kinds a and b order
// together: equal kinds, or a plain number and anything numeric (a
// counter past 1e9 is no change of unit).
func sameKind(a, b string) bool {
	return a == b || (a == "a number" || b == "a number") && a != "text" && b != "text" && a != "an ISO 8601 date-time" && b != "an ISO 8601 date-time"
}

// kindError is the error of a cursor value whose kind differs from the
// chain's first.
func kindError(first, firstKind, v, kind string) error {
	return fmt.Errorf("incremental.cursor_path: value %q is %s, but an earlier record's %q is %s: a cursor of two kinds or units has no order, and the value saved could pass records or stop the next run from reaching any (point cursor_path at a field the API writes one way)", v, kind, first, firstKind)
}

// BoundKind fails when the cursor value v cannot be ordered with a bound
// of its window (the initial_value, a saved cursor, end_value): compared
// as text, Xero's "/Date(1709283660000+0000)/" sorts before
// "2024-01-01T00:00:00" and every record would be filtered out.
func BoundKind(v string, bounds ...string) error {
	k := cursorKind(v)
	if k != "text" {
		// a date-time against a bound in param_format's form (HubSpot's
		// initial_value 0 in unix_ms) is ordered as before
		return nil
	}
	for _, b := range bounds {
		if b == "" {
			continue
		}
		// A bound written as text (an initial_value in param_format's
		// layout, Jira's "2024-10-26 00:00") says nothing of the kind.
		if bk := cursorKind(b); bk != "text" {
			return fmt.Errorf("incremental.cursor_path: value %q is %s, but the window bound %q is %s: a cursor of two kinds has no order, and the filter would keep or drop records by their text (point cursor_path at a field written like initial_value, or write initial_value as the API writes the field)", v, k, b, bk)
		}
	}
	return nil
}
