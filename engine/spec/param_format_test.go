package spec

import (
	"strings"
	"testing"
)

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
