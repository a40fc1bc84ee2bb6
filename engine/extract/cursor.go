package extract

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/pipe-etl/pipe/engine/spec"
)

// cursorText is the value of {incremental.NAME} in chain c: the window's
// start_value and end_value, the spec's initial_value, and lag in seconds
// (as dlt writes it).
func cursorText(c Chain, name string) (string, bool) {
	switch name {
	case "start_value":
		return c.Window.Start, true
	case "end_value":
		return c.Window.End, true
	}
	if c.Resource == nil || c.Resource.Incremental == nil {
		return "", false
	}
	inc := c.Resource.Incremental
	switch name {
	case "initial_value":
		return string(inc.InitialValue), true
	case "lag":
		return strconv.FormatFloat(time.Duration(inc.Lag).Seconds(), 'f', -1, 64), true
	}
	return "", false
}

// typedCursor returns an {incremental.*} value as a JSON number when the
// cursor is numeric (its initial or end value written as a number) and
// the value is one; otherwise the caller expands it as text.
func typedCursor(c Chain, p spec.Part) (any, bool, error) {
	if c.Resource == nil || c.Resource.Incremental == nil || !c.Resource.Incremental.Numeric {
		return nil, false, nil
	}
	v, ok := cursorText(c, p.Name)
	if !ok || v == "" {
		return nil, false, nil
	}
	var n json.Number
	if json.Unmarshal([]byte(v), &n) != nil {
		return nil, false, nil
	}
	return n, true, nil
}
