package state

import (
	"math/big"
	"strings"
)

// value is a cursor value read once: its text and, when it is one, its
// number or its instant, so that a Tracker compares each record's value
// with the largest one without reading either again.
type value struct {
	text string
	num  *big.Float // a number, else nil
	at   instant
	isAt bool // an ISO 8601 date-time
}

// parseValue reads a cursor value.
func parseValue(s string) value {
	v := value{text: s}
	if v.at, v.isAt = parseInstant(s); v.isAt {
		return v
	}
	// Precision enough for every digit: at the default 64 bits, Auth0's
	// 56-digit log_ids would all be one number.
	if n, ok := new(big.Float).SetPrec(uint(len(s))*4 + 64).SetString(s); ok {
		v.num = n
	}
	return v
}

// compare orders two values as Compare does.
func (a value) compare(b value) int {
	switch {
	case a.num != nil && b.num != nil:
		return a.num.Cmp(b.num)
	case a.isAt && b.isAt:
		return a.at.t.Compare(b.at.t)
	}
	return strings.Compare(a.text, b.text)
}

// kind names what the value is (see cursorKind).
func (a value) kind() string {
	switch {
	case a.isAt:
		return "an ISO 8601 date-time"
	case a.num == nil:
		return "text"
	}
	x, _ := new(big.Float).Abs(a.num).Float64()
	switch {
	case x < 1e9:
		return "a number"
	case x < 1e11:
		return "a number of Unix seconds"
	case x < 1e14:
		return "a number of Unix milliseconds"
	case x < 1e17:
		return "a number of Unix microseconds"
	}
	return "a number of Unix nanoseconds"
}
