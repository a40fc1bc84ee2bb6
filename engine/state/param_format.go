package state

import (
	"fmt"
	"strconv"
	"time"

	"github.com/pipe-etl/pipe/engine/spec"
)

// FormatParam writes the cursor value v (a date-time as records write
// it, read as parseInstant reads cursor values) as inc's param_format
// says: Unix seconds or milliseconds, or a Go layout in param_timezone
// (UTC by default); v as it is without a param_format. A value already in
// that form (an initial_value of 0, or written in the layout) is sent as
// it is.
func FormatParam(inc *spec.Incremental, v string) (string, error) {
	if inc == nil || inc.ParamFormat == "" || v == "" {
		return v, nil
	}
	if inc.NumericParam() {
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return v, nil
		}
	} else if _, err := time.Parse(inc.ParamFormat, v); err == nil {
		return v, nil
	}
	at, ok := parseInstant(v)
	if !ok {
		return "", fmt.Errorf("incremental.param_format %q: %q is not a date-time (param_format converts date-time cursors only)", inc.ParamFormat, v)
	}
	t := at.t
	switch inc.ParamFormat {
	case spec.ParamUnix:
		return strconv.FormatInt(t.Unix(), 10), nil
	case spec.ParamUnixMS:
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
