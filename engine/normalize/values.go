package normalize

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/tidwall/gjson"
)

// numTypes sizes per-type tables indexed by typeIndex.
const numTypes = 7

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
	}
	return 0
}

// scalar converts a JSON scalar (not an object or array) to a row value.
// ok is false for null.
func scalar(v gjson.Result) (any, schema.Type, bool) {
	switch v.Type {
	case gjson.True:
		return true, schema.Boolean, true
	case gjson.False:
		return false, schema.Boolean, true
	case gjson.Number:
		return number(v)
	case gjson.String:
		if t, ok := parseTime(v.Str); ok {
			return t, schema.Timestamp, true
		}
		return v.Str, schema.Text, true
	}
	return nil, "", false
}

// number is an int64 if the literal is an integer that fits, else float64
// (so 3 is bigint and 3.0 is double).
func number(v gjson.Result) (any, schema.Type, bool) {
	if i, err := strconv.ParseInt(v.Raw, 10, 64); err == nil {
		return i, schema.Bigint, true
	}
	return v.Num, schema.Double, true
}

// parseTime reads an RFC 3339 date-time, with a zone (converted to UTC)
// or without one (taken as UTC, as Checkmarx writes them). Plain dates
// and anything else are not timestamps.
func parseTime(s string) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	layout := "2006-01-02T15:04:05.999999999"
	if last := s[len(s)-1]; last == 'Z' || last == 'z' || len(s) >= 25 && (s[len(s)-6] == '+' || s[len(s)-6] == '-') {
		layout = time.RFC3339Nano
	}
	if s[10] == 't' || s[len(s)-1] == 'z' {
		s = strings.ToUpper(s)
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// compact returns raw JSON without insignificant whitespace.
func compact(raw string) json.RawMessage {
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
		switch v.Type {
		case gjson.Number:
			return v.Num, true
		case gjson.String:
			if f, err := strconv.ParseFloat(v.Str, 64); err == nil {
				return f, true
			}
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
		if v.Type == gjson.String {
			if t, ok := parseTime(v.Str); ok {
				return t, true
			}
			if t, err := time.Parse(time.DateOnly, v.Str); err == nil {
				return t, true
			}
		}
	}
	return nil, false
}
