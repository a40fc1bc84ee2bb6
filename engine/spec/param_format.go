package spec

import (
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

// NumericParam reports whether param_format writes numbers (see
// state.FormatParam).
func (inc *Incremental) NumericParam() bool {
	return inc != nil && (inc.ParamFormat == ParamUnix || inc.ParamFormat == ParamUnixMS)
}
