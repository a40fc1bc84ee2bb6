package plan

import (
	"strings"

	"github.com/pipe-etl/pipe/engine/spec"
)

// incremental returns inc with its cursor path as gjson
// (spec.GJSONPath).
func incremental(errs *errorList, at string, inc *spec.Incremental, vars map[string]string) *spec.Incremental {
	if inc == nil {
		return nil
	}
	out := *inc
	out.CursorPath = errs.responsePath(at+".endpoint.incremental.cursor_path", inc.CursorPath)
	out.InitialValue = cursorValue(errs, at+".endpoint.incremental.initial_value", inc.InitialValue, vars)
	out.EndValue = cursorValue(errs, at+".endpoint.incremental.end_value", inc.EndValue, vars)
	return &out
}

// cursorValue binds the {vars.*} of an initial_value or end_value; any
// other placeholder has no value before the first request.
func cursorValue(errs *errorList, path string, v spec.CursorValue, vars map[string]string) spec.CursorValue {
	if !strings.Contains(string(v), "{") {
		return v
	}
	t := compile(errs, path, string(v), vars)
	for _, p := range t {
		if p.IsPlaceholder() {
			errs.add(path, "%s has no value before the first request: only {vars.*} may be used here", p)
			return v
		}
	}
	return spec.CursorValue(t.String())
}
