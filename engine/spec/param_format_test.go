package spec

import (
	"strings"
	"testing"
)

// TestFormatParam: date-time cursors written as the API reads them;
// values already in that form pass as they are.
func TestFormatParam(t *testing.T) {
	for _, c := range []struct {
		format, zone, v, want, err string
	}{
		{"", "", "2024-03-01T10:00:55.000Z", "2024-03-01T10:00:55.000Z", ""},
		{ParamUnixMS, "", "2024-03-01T10:00:55.123Z", "1709287255123", ""},
		{ParamUnixMS, "", "0", "0", ""},
		{ParamUnix, "", "2024-03-01T12:00:55+02:00", "1709287255", ""},
		{ParamUnix, "", "2024-03-01 10:00:55", "1709287255", ""}, // no zone: UTC
		{"2006-01-02 15:04", "Europe/Berlin", "2024-10-27T02:10:00.000+0100", "2024-10-27 02:10", ""},
		{"2006-01-02 15:04", "", "2024-10-27T02:10:59Z", "2024-10-27 02:10", ""}, // to the minute, down
		{"2006-01-02 15:04", "", "2024-10-26 00:00", "2024-10-26 00:00", ""},     // the layout's own form
		{ParamUnixMS, "", "last tuesday", "", `incremental.param_format "unix_ms": "last tuesday" is not a date-time (param_format converts date-time cursors only)`},
	} {
		inc := &Incremental{ParamFormat: c.format, ParamTimezone: c.zone}
		got, err := inc.FormatParam(c.v)
		if (err == nil) != (c.err == "") || (err != nil && err.Error() != c.err) || got != c.want {
			t.Errorf("%q %q of %q = %q, %v; want %q, %s", c.format, c.zone, c.v, got, err, c.want, c.err)
		}
	}
}

// TestParamFormatChecked: a format that is no layout, and a zone without
// a layout or unknown, are spec errors.
func TestParamFormatChecked(t *testing.T) {
	for _, c := range []struct{ inc, want string }{
		{`param_format: yyyy-MM-dd`, `resources[0].endpoint.incremental.param_format: "yyyy-MM-dd" is neither unix, unix_ms nor a Go time layout`},
		{`param_format: unix_ms, param_timezone: Europe/Berlin`, `param_timezone: needs a param_format layout`},
		{`param_format: "2006-01-02", param_timezone: Mars/Olympus`, `param_timezone: "Mars/Olympus" is not an IANA time zone`},
	} {
		src := "client:\n  base_url: https://api.example.com/\nresources:\n  - name: events\n    endpoint:\n      path: events\n      params: {since: \"{incremental.start_value}\"}\n      incremental: {cursor_path: at, initial_value: \"2024-01-01T00:00:00Z\", " + c.inc + "}\n"
		_, err := Load("pf.yml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %s", c.inc, err, c.want)
		}
	}
}
