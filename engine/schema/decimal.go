package schema

import "strings"

// Limits of an exact decimal: Postgres' numeric holds up to 131072 digits
// before the decimal point and 16383 after it. A number beyond them has no
// exact column in any destination.
const (
	MaxDecimalIntDigits  = 131072
	MaxDecimalFracDigits = 16383
)

// SplitDecimal reads a JSON number literal (-?digits[.digits][e[+-]digits])
// as neg, digits and exp, its value being ±digits × 10^exp, with digits
// free of leading and trailing zeros ("" for zero, whose neg is false).
// ok is false when s is not a JSON number or its exponent does not fit an
// int.
func SplitDecimal(s string) (neg bool, digits string, exp int, ok bool) {
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	mant, e, hasExp := strings.Cut(s, "e")
	if !hasExp {
		mant, e, hasExp = strings.Cut(s, "E")
	}
	intPart, frac, hasFrac := strings.Cut(mant, ".")
	if intPart == "" || !allDigits(intPart) || (hasFrac && (frac == "" || !allDigits(frac))) ||
		(len(intPart) > 1 && intPart[0] == '0') {
		return false, "", 0, false
	}
	if hasExp {
		eneg := false
		switch {
		case strings.HasPrefix(e, "+"):
			e = e[1:]
		case strings.HasPrefix(e, "-"):
			eneg, e = true, e[1:]
		}
		if e == "" || !allDigits(e) {
			return false, "", 0, false
		}
		e = strings.TrimLeft(e, "0")
		if len(e) > 9 {
			return false, "", 0, false
		}
		for i := 0; i < len(e); i++ {
			exp = exp*10 + int(e[i]-'0')
		}
		if eneg {
			exp = -exp
		}
	}
	digits = intPart + frac
	exp -= len(frac)
	trimmed := strings.TrimLeft(digits, "0")
	digits = strings.TrimRight(trimmed, "0")
	exp += len(trimmed) - len(digits)
	if digits == "" {
		return false, "", 0, true
	}
	return neg, digits, exp, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// EqualDecimal reports whether the JSON number literals a and b have the
// same value (1.50 and 15e-1 do); false when either is not a number.
func EqualDecimal(a, b string) bool {
	na, da, ea, oka := SplitDecimal(a)
	nb, db, eb, okb := SplitDecimal(b)
	return oka && okb && na == nb && da == db && (da == "" || ea == eb)
}

// DecimalInRange reports whether the JSON number literal s is a number
// that a decimal column holds exactly (see MaxDecimalIntDigits).
func DecimalInRange(s string) bool {
	_, d, e, ok := SplitDecimal(s)
	if !ok || d == "" {
		return ok
	}
	return len(d)+e <= MaxDecimalIntDigits && -e <= MaxDecimalFracDigits
}
