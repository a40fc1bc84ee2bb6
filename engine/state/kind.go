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
