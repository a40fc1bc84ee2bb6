package plan

import (
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

// IncrementalSettings returns r's incremental block as run uses it, every
// setting present, defaults included ("" when unset, lag and window 0s,
// filter true, both ranges closed, missing cursors included), and how its cursors are kept: per_parent names the parent
// resource whose every record has a cursor of its own ("" for one cursor).
// A resource without one gives nil.
func IncrementalSettings(r *Resource) Settings {
	inc := r.Incremental
	if inc == nil {
		return nil
	}
	return Settings{
		{Name: "cursor_path", Value: inc.CursorPath},
		{Name: "initial_value", Value: string(inc.InitialValue)},
		{Name: "end_value", Value: string(inc.EndValue)},
		{Name: "start_param", Value: inc.StartParam},
		{Name: "end_param", Value: inc.EndParam},
		{Name: "lag", Value: time.Duration(inc.Lag).String()},
		{Name: "window", Value: time.Duration(inc.Window).String()},
		{Name: "filter", Value: inc.ClientFilter()},
		{Name: "range_start", Value: first(inc.RangeStart, "closed")},
		{Name: "range_end", Value: first(inc.RangeEnd, "closed")},
		{Name: "on_cursor_value_missing", Value: inc.MissingCursor()},
		{Name: "numeric", Value: inc.Numeric},
		{Name: "per_parent", Value: r.Parent},
	}
}

// ActionSettings returns the response_actions rules of a resource in the
// order they are tried, each with the conditions it sets and its action.
func ActionSettings(rules []rest.ResponseAction) []Settings {
	out := make([]Settings, 0, len(rules))
	for _, a := range rules {
		var s Settings
		if a.StatusCode != 0 {
			s.add("status_code", a.StatusCode)
		}
		s.opt("content", a.Content)
		s.opt("condition", a.Condition)
		s.add("action", a.Action)
		out = append(out, s)
	}
	return out
}
