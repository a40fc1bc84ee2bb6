package state

import (
	"testing"

	"github.com/pipe-etl/pipe/engine/spec"
)

// TestFormatParam: date-time cursors written as the API reads them;
// values already in that form pass as they are.
func TestFormatParam(t *testing.T) {
	for _, c := range []struct {
		format, zone, v, want, err string
	}{
		{"", "", "2024-03-01T10:00:55.000Z", "2024-03-01T10:00:55.000Z", ""},
		{spec.ParamUnixMS, "", "2024-03-01T10:00:55.123Z", "1709287255123", ""},
		{spec.ParamUnixMS, "", "0", "0", ""},
		{spec.ParamUnix, "", "2024-03-01T12:00:55+02:00", "1709287255", ""},
		{spec.ParamUnix, "", "2024-03-01 10:00:55", "1709287255", ""}, // no zone: UTC
		{"2006-01-02 15:04", "Europe/Berlin", "2024-10-27T02:10:00.000+0100", "2024-10-27 02:10", ""},
		{"2006-01-02 15:04", "", "2024-10-27T02:10:59Z", "2024-10-27 02:10", ""}, // to the minute, down
		{"2006-01-02 15:04", "", "2024-10-26 00:00", "2024-10-26 00:00", ""},     // the layout's own form
		{spec.ParamUnixMS, "", "last tuesday", "", `incremental.param_format "unix_ms": "last tuesday" is not a date-time (param_format converts date-time cursors only)`},
	} {
		inc := &spec.Incremental{ParamFormat: c.format, ParamTimezone: c.zone}
		got, err := FormatParam(inc, c.v)
		if (err == nil) != (c.err == "") || (err != nil && err.Error() != c.err) || got != c.want {
			t.Errorf("%q %q of %q = %q, %v; want %q, %s", c.format, c.zone, c.v, got, err, c.want, c.err)
		}
	}
}
