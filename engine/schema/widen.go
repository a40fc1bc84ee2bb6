package schema

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// rank orders the widenable types: bigint -> double -> decimal -> text.
// Types not on the lattice have rank 0 and widen only to themselves.
func rank(t Type) int {
	switch t {
	case Bigint:
		return 1
	case Double:
		return 2
	case Decimal:
		return 3
	case Text:
		return 4
	}
	return 0
}

// Widen returns the narrowest type that holds values of both have and
// got. Only the lattice bigint -> double -> decimal -> text widens (a
// bigint column takes doubles as double, a bigint or double column takes
// decimals as decimal, anything on the lattice takes text as text). A
// double is exactly the JSON literal it came from (see Double), so
// doubles become decimals without loss;
// equal types widen to themselves. ok is false when no such type exists
// (boolean and text, timestamp and text, json and anything else): the
// value then needs a variant column.
func Widen(have, got Type) (Type, bool) {
	if have == got {
		return have, true
	}
	rh, rg := rank(have), rank(got)
	if rh == 0 || rg == 0 {
		return "", false
	}
	if rh >= rg {
		return have, true
	}
	return got, true
}

// fits reports whether a value of type got can be stored in a column of
// type col, possibly converted (see convert).
func fits(col, got Type) bool {
	w, ok := Widen(col, got)
	return ok && w == col
}

// convert turns v, a value of type got that fits a column of type col,
// into the canonical Go kind for col: int64 to float64 for double columns,
// numbers to json.Number for decimal columns and to their decimal text for
// text columns.
func convert(v any, got, col Type) any {
	if got == col {
		switch x := v.(type) { // canonical kinds for hand-built rows
		case int:
			return int64(x)
		case int32:
			return int64(x)
		case int16:
			return int64(x)
		case int8:
			return int64(x)
		case uint32:
			return int64(x)
		case uint16:
			return int64(x)
		case uint8:
			return int64(x)
		case float32:
			return float64(x)
		}
		return v
	}
	v = convert(v, got, got)
	switch col {
	case Double:
		if i, ok := v.(int64); ok {
			return float64(i)
		}
	case Decimal:
		switch x := v.(type) {
		case int64:
			return json.Number(strconv.FormatInt(x, 10))
		case float64:
			return json.Number(FormatDouble(x))
		}
	case Text:
		switch x := v.(type) {
		case int64:
			return strconv.FormatInt(x, 10)
		case float64:
			return FormatDouble(x)
		case json.Number:
			return string(x)
		}
	}
	return v
}

// FormatDouble returns the text of a double in a text or decimal column:
// the shortest digits that parse back to f, written plainly from 1e-4 up
// to 1e15 and with an exponent outside ("1e+15", "1e-05"), as Postgres
// prints a double precision it casts to text. A value then reads the same
// whether pipe converted it or the destination widened the column it was
// stored in; strconv's 'g' would write 1234567.5 as "1.2345675e+06".
func FormatDouble(f float64) string {
	if a := math.Abs(f); a == 0 || (a >= 1e-4 && a < 1e15) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'e', -1, 64)
}

// VariantName returns the name of the column that holds values of type t
// for column col when they cannot be widened into it: col + "__v_" + t,
// shortened to maxLen bytes with Shorten (0 means no limit).
func VariantName(col string, t Type, maxLen int) string {
	return Shorten(col+"__v_"+string(t), maxLen)
}

// MaxExactInt is 2^53: every integer up to it in magnitude is a double
// exactly, and 2^53+1 is the first that is not.
const MaxExactInt = 1 << 53

// InexactError is the error for the integer v of column col that a
// double column cannot hold exactly; it names the hint that keeps it.
func InexactError(col string, v int64) error {
	return fmt.Errorf("column %q: integer %d shares the column with numbers that are doubles, and a double holds integers exactly only up to ±2^53: hint it decimal (columns: {%s: {data_type: decimal}}) to keep every value", col, v, col)
}
