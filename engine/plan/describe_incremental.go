package plan

import (
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

// IncrementalSettings returns r's incremental block as run uses it,
// defaults included (lag 0s, filter true), and how its cursors are kept:
// per_parent names the parent resource whose every record has a cursor
// of its own. A resource without one gives nil.
func IncrementalSettings(r *Resource) Settings {
	inc := r.Incremental
	if inc == nil {
		return nil
	}
	s := Settings{{Name: "cursor_path", Value: inc.CursorPath}}
	opt := func(k, v string) {
		if v != "" {
			s = append(s, Setting{Name: k, Value: v})
		}
	}
	s = append(s, Setting{Name: "initial_value", Value: string(inc.InitialValue)})
	opt("end_value", string(inc.EndValue))
	opt("start_param", inc.StartParam)
	opt("end_param", inc.EndParam)
	s = append(s, Setting{Name: "lag", Value: time.Duration(inc.Lag).String()})
	if inc.Window > 0 {
		s = append(s, Setting{Name: "window", Value: time.Duration(inc.Window).String()})
	}
	s = append(s, Setting{Name: "filter", Value: inc.ClientFilter()}, Setting{Name: "numeric", Value: inc.Numeric})
	opt("per_parent", r.Parent)
	return s
}

// ActionSettings returns the response_actions rules of a resource in the
// order they are tried, each with the conditions it sets and its action.
func ActionSettings(rules []rest.ResponseAction) []Settings {
	out := make([]Settings, 0, len(rules))
	for _, a := range rules {
		var s Settings
		if a.StatusCode != 0 {
			s = append(s, Setting{Name: "status_code", Value: a.StatusCode})
		}
		if a.Content != "" {
			s = append(s, Setting{Name: "content", Value: a.Content})
		}
		if a.Condition != "" {
			s = append(s, Setting{Name: "condition", Value: a.Condition})
		}
		out = append(out, append(s, Setting{Name: "action", Value: a.Action}))
	}
	return out
}
