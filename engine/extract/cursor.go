package extract

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/engine/state"
)

// cursorText is the value of {incremental.NAME} in chain c: the window's
// start_value and end_value (as incremental.param_format writes them),
// the spec's initial_value, and lag in seconds (as dlt writes it).
func cursorText(c Chain, name string) (string, bool, error) {
	var inc *spec.Incremental
	if c.Resource != nil {
		inc = c.Resource.Incremental
	}
	switch name {
	case "start_value":
		v, err := state.FormatParam(inc, c.Window.Start)
		return v, true, err
	case "end_value":
		v, err := state.FormatParam(inc, c.Window.End)
		return v, true, err
	}
	if inc == nil {
		return "", false, nil
	}
	switch name {
	case "initial_value":
		return string(inc.InitialValue), true, nil
	case "lag":
		return strconv.FormatFloat(time.Duration(inc.Lag).Seconds(), 'f', -1, 64), true, nil
	}
	return "", false, nil
}

// typedCursor returns an {incremental.*} value as a JSON number when the
// cursor is numeric (its initial or end value written as a number) and
// the value is one; otherwise the caller expands it as text.
func typedCursor(c Chain, p spec.Part) (any, bool, error) {
	if c.Resource == nil || c.Resource.Incremental == nil {
		return nil, false, nil
	}
	if inc := c.Resource.Incremental; !inc.Numeric && !(inc.NumericParam() && (p.Name == "start_value" || p.Name == "end_value")) {
		return nil, false, nil
	}
	v, ok, err := cursorText(c, p.Name)
	if err != nil {
		return nil, false, err
	}
	if !ok || v == "" {
		return nil, false, nil
	}
	var n json.Number
	if json.Unmarshal([]byte(v), &n) != nil {
		return nil, false, nil
	}
	return n, true, nil
}
