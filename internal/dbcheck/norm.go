package dbcheck

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Norm renders a database or expected value for comparison: booleans as
// SQLite stores them (0/1), timestamps as UTC instants (a zone-less time
// is UTC, as the loader reads it), numbers in their shortest form, strings
// quoted, absent values (nil, nil pointers) as NULL.
func Norm(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case *string:
		if x == nil {
			return "NULL"
		}
		return Norm(*x)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return Norm(string(x))
	case string:
		if len(x) >= 19 && x[4] == '-' && x[10] == 'T' {
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
				if at, err := time.Parse(layout, x); err == nil {
					return at.UTC().Format(time.RFC3339Nano)
				}
			}
		}
		return strconv.Quote(x)
	}
	return fmt.Sprintf("%T %v", v, v)
}

// OrNull is the expected value of an omitempty string: empty means the
// API left the field out, so the column is NULL.
func OrNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// JSON is an expected value stored as JSON text (a nested list the loader
// keeps whole): V is compared with the column as data, not as text, so
// key order and spacing do not matter.
type JSON struct{ V any }

// render renders the value got from the database and the expected want
// alike for comparison.
func render(got, want any) (string, string) {
	j, ok := want.(JSON)
	if !ok {
		return Norm(got), Norm(want)
	}
	b, err := json.Marshal(j.V)
	if err != nil {
		return canonJSON([]byte(keyString(got))), fmt.Sprintf("unencodable %T: %v", j.V, err)
	}
	return canonJSON([]byte(keyString(got))), canonJSON(b)
}

// canonJSON re-encodes JSON text with sorted keys.
func canonJSON(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return "invalid JSON " + strconv.Quote(string(b))
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// keyString renders a key column; an orphan child row has a NULL key.
func keyString(v any) string {
	switch x := v.(type) {
	case nil:
		return "<NULL>"
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}
