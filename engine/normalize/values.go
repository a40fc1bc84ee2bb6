package normalize

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/tidwall/gjson"
)

// numTypes sizes per-type tables indexed by typeIndex.
const numTypes = 8

func typeIndex(t schema.Type) int {
	switch t {
	case schema.Boolean:
		return 1
	case schema.Bigint:
		return 2
	case schema.Double:
		return 3
	case schema.Text:
		return 4
	case schema.Timestamp:
		return 5
	case schema.JSON:
		return 6
	case schema.Decimal:
		return 7
	}
	return 0
}

// scalar converts a JSON scalar (not an object or array) to a row value,
// boxed by b (nil: as the compiler boxes). ok is false for null.
func scalar(v gjson.Result, b *boxes) (any, schema.Type, bool) {
	switch v.Type {
	case gjson.True:
		return true, schema.Boolean, true
	case gjson.False:
		return false, schema.Boolean, true
	case gjson.Number:
		return number(v, b)
	case gjson.String:
		if t, ok := parseTime(v.Str); ok {
			return b.time(t), schema.Timestamp, true
		}
		return b.str(v.Str), schema.Text, true
	}
	return nil, "", false
}

// number converts a JSON number exactly: an integer literal that fits is
// a bigint (int64); any other integer literal is a decimal; a literal with
// a fraction or an exponent is a double (float64) when the double's
// shortest text is the literal's value (3.0, 0.1, 1e300), else a decimal
// (json.Number holding the literal: more digits than a double keeps,
// 1e400 beyond its range, 1e-400 below it). A literal that no decimal
// column holds (beyond Postgres numeric's 131072 digits) or that is not a
// JSON number is text, so that nothing is rounded or lost. Values are
// boxed by b.
func number(v gjson.Result, b *boxes) (any, schema.Type, bool) {
	raw := v.Raw
	if !strings.ContainsAny(raw, ".eE") {
		// an integer literal: ParseInt fails only when it does not fit
		// (asked first for a fraction, it would allocate its error)
		if i, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return b.int(i), schema.Bigint, true
		}
		return decimal(raw)
	}
	if f, ok := exactFloat(raw); ok {
		return b.float(f), schema.Double, true
	}
	return decimal(raw)
}

// decimal is raw as a decimal if a decimal column holds it, else as text.
func decimal(raw string) (any, schema.Type, bool) {
	if schema.DecimalInRange(raw) {
		return json.Number(raw), schema.Decimal, true
	}
	return raw, schema.Text, true
}

// exactFloat parses raw, a JSON number literal with a fraction or an
// exponent, as a float64 if the float's shortest text has the literal's
// value. Up to 15 significant digits always round-trip: literals that
// short, without an exponent, skip the comparison.
func exactFloat(raw string) (float64, bool) {
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	if len(raw) <= 16 && !strings.ContainsAny(raw, "eE") {
		return f, true
	}
	return f, schema.EqualDecimal(raw, strconv.FormatFloat(f, 'g', -1, 64))
}

// parseTime reads an ISO 8601 date-time: a date, "T" (or "t", or a space,
// as SQL and Python print them), a time with optional fraction, and a zone
// written "Z", "+hh:mm", "+hhmm" or "+hh" (converted to UTC), or no zone
// (taken as UTC, as Checkmarx writes them). Plain dates and anything else
// are not timestamps.
func parseTime(s string) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	end := 19 // end of the time, fraction included
	if end < len(s) && s[end] == '.' {
		end++
		for end < len(s) && '0' <= s[end] && s[end] <= '9' {
			end++
		}
		if end-20 > 9 {
			return time.Time{}, false // finer than a nanosecond: time.Parse would cut it
		}
	}
	zone := s[end:]
	layout := "2006-01-02T15:04:05.999999999"
	if zone != "" {
		layout = time.RFC3339Nano
	}
	if s[10] == 'T' && (zone == "" || zone == "Z" || len(zone) == 6 && zone[3] == ':') {
		// RFC 3339 as it is: parsed in place, without a copy
		t, err := time.Parse(layout, s)
		if err != nil {
			return time.Time{}, false
		}
		return t.UTC(), true
	}
	var b [40]byte
	buf := append(b[:0], s[:end]...)
	buf[10] = 'T'
	switch {
	case zone == "":
	case zone == "Z" || zone == "z":
		buf = append(buf, 'Z')
	case len(zone) == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':':
		buf = append(buf, zone...)
	case len(zone) == 5 && (zone[0] == '+' || zone[0] == '-'):
		buf = append(append(append(buf, zone[:3]...), ':'), zone[3:]...)
	case len(zone) == 3 && (zone[0] == '+' || zone[0] == '-'):
		buf = append(append(buf, zone...), ":00"...)
	default:
		return time.Time{}, false
	}
	t, err := time.Parse(layout, string(buf))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// Unix time thresholds of a timestamp hint on a number: a magnitude below
// 1e11 is seconds (up to the year 5138), below 1e14 milliseconds, below
// 1e17 microseconds, else nanoseconds. Seconds of 1e11 and milliseconds
// below 1e11 (before March 1973) are the ranges this cannot tell apart;
// APIs of today send neither.
const (
	unixMillisFrom = 1e11
	unixMicrosFrom = 1e14
	unixNanosFrom  = 1e17
)

// unixTime converts a unix time in seconds, milliseconds, microseconds or
// nanoseconds (chosen by magnitude, see unixMillisFrom) to a UTC time,
// exactly: the literal's digits are shifted to nanoseconds as a decimal,
// never through a float (1512085950.000216 seconds would be ...000216064).
// A value with digits below the nanosecond, or whose seconds do not fit an
// int64, is not a time.
func unixTime(raw string) (time.Time, bool) {
	neg, digits, exp, ok := schema.SplitDecimal(raw)
	if !ok {
		return time.Time{}, false
	}
	if digits == "" {
		return time.Unix(0, 0).UTC(), true
	}
	shift := 9                       // decimal places from the unit to nanoseconds
	switch n := len(digits) + exp; { // the integer part has n digits: a >= 10^(n-1)
	case n > 17:
		shift = 0
	case n > 14:
		shift = 3
	case n > 11:
		shift = 6
	}
	zeros := exp + shift
	if zeros < 0 || len(digits)+zeros > 9+18 {
		return time.Time{}, false // below the nanosecond, or seconds past int64
	}
	ns := digits + strings.Repeat("0", zeros)
	if len(ns) < 10 {
		ns = strings.Repeat("0", 10-len(ns)) + ns
	}
	sec, err := strconv.ParseInt(ns[:len(ns)-9], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	frac, _ := strconv.ParseInt(ns[len(ns)-9:], 10, 64)
	if neg {
		sec, frac = -sec, -frac
	}
	return time.Unix(sec, frac).UTC(), true
}

// compact returns raw JSON without insignificant whitespace, and each
// object's repeated keys once (lastWins). Text that is already so (most
// of it, plainJSON) is returned as it is, sharing raw's bytes: a
// json.RawMessage in a row is never written to, as raw, a string, never
// is.
func compact(raw string) json.RawMessage {
	if raw != "" && plainJSON(raw) {
		return unsafe.Slice(unsafe.StringData(raw), len(raw))
	}
	return rewritten(raw)
}

// rewritten is compact's slow path: raw with each object's keys once,
// then without whitespace.
func rewritten(raw string) json.RawMessage {
	raw = lastWins(raw)
	if !strings.ContainsAny(raw, " \t\r\n") {
		return json.RawMessage(raw)
	}
	var b bytes.Buffer
	b.Grow(len(raw))
	if err := json.Compact(&b, []byte(raw)); err != nil {
		return json.RawMessage(raw) // gjson accepted it; keep it as received
	}
	return b.Bytes()
}

// hinted converts v to type h; ok is false when it cannot, and the value
// is then inferred as usual (and lands in a variant column).
func hinted(h schema.Type, v gjson.Result) (any, bool) {
	if v.Type == gjson.Null {
		return nil, false
	}
	switch h {
	case schema.JSON:
		return compact(v.Raw), true
	case schema.Text:
		switch v.Type {
		case gjson.String:
			return v.Str, true
		case gjson.JSON:
			return string(compact(v.Raw)), true
		}
		return v.Raw, true
	case schema.Bigint:
		s := v.Raw
		if v.Type == gjson.String {
			s = v.Str
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil && (v.Type == gjson.Number || v.Type == gjson.String) {
			return i, true
		}
	case schema.Double:
		s := v.Raw
		if v.Type == gjson.String {
			s = v.Str
		}
		if v.Type == gjson.Number || v.Type == gjson.String {
			// a hint asks for a double: more digits than it keeps are
			// rounded, but never to an infinity or to zero
			f, err := strconv.ParseFloat(s, 64)
			if _, d, _, isNum := schema.SplitDecimal(s); err == nil && isNum && (f != 0 || d == "") {
				return f, true
			}
		}
	case schema.Decimal:
		s := v.Raw
		if v.Type == gjson.String {
			s = v.Str
		}
		if (v.Type == gjson.Number || v.Type == gjson.String) && schema.DecimalInRange(s) {
			return json.Number(s), true
		}
	case schema.Boolean:
		switch v.Type {
		case gjson.True, gjson.False:
			return v.Type == gjson.True, true
		case gjson.String:
			if b, err := strconv.ParseBool(v.Str); err == nil {
				return b, true
			}
		}
	case schema.Timestamp:
		switch v.Type {
		case gjson.String:
			if t, ok := parseTime(v.Str); ok {
				return t, true
			}
			if t, err := time.Parse(time.DateOnly, v.Str); err == nil {
				return t, true
			}
			return unixTime(v.Str) // a number in a string: Slack's ts "1512085950.000216"
		case gjson.Number:
			return unixTime(v.Raw)
		}
	}
	return nil, false
}
