package postgres

// Postgres' numeric, which jsonb keeps numbers in, holds up to 131072
// digits before the decimal point and 16383 after it: a JSON number
// beyond either ("value overflows numeric format") fails the COPY, at
// commit, naming no column.
const (
	numericIntDigits  = 131072
	numericFracDigits = 16383
)

// numberOutOfRange reports whether the JSON text s holds a number that
// numeric cannot hold (1e131072, 1e-16384, 0.0e-20000), looking at the
// numbers outside strings; text without an exponent and too short to
// hold such a number is not scanned.
func numberOutOfRange(s string) bool {
	if len(s) <= numericFracDigits && !digitExponent(s) {
		return false
	}
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '-' || c >= '0' && c <= '9':
			end, out := numberEnd(s, i)
			if out {
				return true
			}
			i = end - 1
		}
	}
	return false
}

// digitExponent reports whether s holds a digit followed by e or E: a
// number with an exponent, or text that looks like one.
func digitExponent(s string) bool {
	for i := 1; i < len(s); i++ {
		if (s[i] == 'e' || s[i] == 'E') && (s[i-1] >= '0' && s[i-1] <= '9' || s[i-1] == '.') {
			return true
		}
	}
	return false
}

// numberEnd reads the JSON number at s[i:] and returns where it ends and
// whether numeric cannot hold it.
func numberEnd(s string, i int) (int, bool) {
	if s[i] == '-' {
		i++
	}
	digits := func() (from, to int) {
		from = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return from, i
	}
	ia, ib := digits()
	fa, fb := i, i
	if i < len(s) && s[i] == '.' {
		i++
		fa, fb = digits()
	}
	exp, neg := 0, false
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if exp < 1<<30 {
				exp = exp*10 + int(s[i]-'0')
			}
			i++
		}
		if neg {
			exp = -exp
		}
	}
	// Digits before the point: from the first significant one.
	lead := 0
	all := s[ia:ib] + s[fa:fb]
	for lead < len(all) && all[lead] == '0' {
		lead++
	}
	intDigits := 0
	if lead < len(all) {
		intDigits = (ib - ia) + exp - lead
	}
	scale := (fb - fa) - exp
	return i, intDigits > numericIntDigits || scale > numericFracDigits
}
