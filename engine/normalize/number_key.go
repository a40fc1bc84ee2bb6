package normalize

import (
	"strconv"
	"strings"
)

// maxPlainDigits bounds the zeros canonicalNumber writes out: a number
// whose plain decimal form would need more is written with an exponent,
// so that a hostile 1e999999999 costs no more than its text.
const maxPlainDigits = 400

// canonicalNumber returns the text of the JSON number raw that every
// spelling of its value shares: no exponent, no leading zeros, no
// trailing zeros after the point, no point when it is whole, no sign on
// zero. 1.0, 1e0, 10E-1 and 1 are "1"; -0 is "0"; 1.50 is "1.5". A
// number already written so (every integer as JSON writes it, a
// decimal without trailing zeros) comes back as it is. ok is false when
// raw is not a JSON number.
func canonicalNumber(raw string) (string, bool) {
	if plainInteger(raw) {
		return raw, true
	}
	s := raw
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil {
			return "", false // an exponent past int: no key anyone writes
		}
		mant, exp = s[:i], e
	}
	intPart, frac := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	if intPart == "" || strings.Trim(intPart+frac, "0123456789") != "" {
		return "", false
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= len(frac)
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	digits = trimmed
	if digits == "" {
		return "0", true
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	point := len(digits) + exp // digits before the point
	switch {
	case exp >= 0 && exp <= maxPlainDigits:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", exp))
	case exp < 0 && point > 0:
		b.WriteString(digits[:point])
		b.WriteByte('.')
		b.WriteString(digits[point:])
	case exp < 0 && -point <= maxPlainDigits:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(digits)
	default:
		b.WriteString(digits)
		b.WriteByte('e')
		b.WriteString(strconv.Itoa(exp))
	}
	return b.String(), true
}

// plainInteger reports whether raw is an integer written as canonical
// JSON writes it: digits with an optional minus, no leading zero, not -0.
func plainInteger(raw string) bool {
	s := strings.TrimPrefix(raw, "-")
	if s == "" || s[0] == '0' && (len(s) > 1 || len(raw) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
