package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // param_timezone's zones on a machine without a zoneinfo database
)

// The param_format values that are not layouts.
const (
	ParamUnix   = "unix"
	ParamUnixMS = "unix_ms"
)

// IsTimeLayout reports whether f writes some part of a date or time as a
// Go layout does (the reference time Mon Jan 2 15:04:05 MST 2006).
func IsTimeLayout(f string) bool {
	other := time.Date(2001, time.February, 3, 4, 5, 6, 0, time.UTC) // no part of it in the reference time
	return other.Format(f) != f
}

// FormatParam writes the cursor value v (an ISO 8601 date-time as
// records write it) as inc.ParamFormat says; v as it is without one.
func (inc *Incremental) FormatParam(v string) (string, error) {
	if inc == nil || inc.ParamFormat == "" || v == "" {
		return v, nil
	}
	if inc.NumericParam() {
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return v, nil // a number already, as an initial_value of 0
		}
	}
	if !inc.NumericParam() {
		if _, err := time.Parse(inc.ParamFormat, v); err == nil {
			return v, nil // written in the layout already, as an initial_value for the API
		}
	}
	t, ok := parseDateTime(v)
	if !ok {
		return "", fmt.Errorf("incremental.param_format %q: %q is not a date-time (param_format converts date-time cursors only)", inc.ParamFormat, v)
	}
	switch inc.ParamFormat {
	case ParamUnix:
		return strconv.FormatInt(t.Unix(), 10), nil
	case ParamUnixMS:
		return strconv.FormatInt(t.UnixMilli(), 10), nil
	}
	loc := time.UTC
	if inc.ParamTimezone != "" {
		var err error
		if loc, err = time.LoadLocation(inc.ParamTimezone); err != nil {
			return "", fmt.Errorf("incremental.param_timezone %q: %w", inc.ParamTimezone, err)
		}
	}
	return t.In(loc).Format(inc.ParamFormat), nil
}

// NumericParam reports whether FormatParam writes numbers.
func (inc *Incremental) NumericParam() bool {
	return inc != nil && (inc.ParamFormat == ParamUnix || inc.ParamFormat == ParamUnixMS)
}

// parseDateTime reads an ISO 8601 date-time: RFC 3339, a space for the
// T, an offset without its colon, or no zone (UTC).
func parseDateTime(s string) (time.Time, bool) {
	s = strings.Replace(s, " ", "T", 1)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700", "2006-01-02T15:04:05.999999999-07", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
