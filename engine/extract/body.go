package extract

import (
	"encoding/json"
	"fmt"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// expandJSON renders a plan's JSON body. A string that is exactly one
// placeholder keeps the JSON type of a parent field (a number stays a
// number); other strings are expanded as text.
func expandJSON(v any, lookup plan.Lookup, typed func(spec.Part) (any, bool, error)) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ev, err := expandJSON(e, lookup, typed)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = ev
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ev, err := expandJSON(e, lookup, typed)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = ev
		}
		return out, nil
	case spec.Template:
		if p, ok := x.Single(); ok {
			if val, ok, err := typed(p); err != nil || ok {
				return val, err
			}
			if p.Namespace == spec.NSIncremental {
				// No value (an end_value never set): null, as dlt sends
				// None; "" would read as a bound to an API.
				s, err := x.Expand(lookup)
				if err != nil || s != "" {
					return s, err
				}
				return nil, nil
			}
		}
		return x.Expand(lookup)
	}
	return v, nil
}

// jsonText encodes a Go value as JSON text for gjson.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}
