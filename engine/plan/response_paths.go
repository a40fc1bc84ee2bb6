package plan

import "github.com/pipe-etl/pipe/engine/spec"

// incremental returns inc with its cursor path as gjson
// (spec.GJSONPath).
func incremental(errs *errorList, at string, inc *spec.Incremental) *spec.Incremental {
	if inc == nil {
		return nil
	}
	out := *inc
	out.CursorPath = errs.responsePath(at+".endpoint.incremental.cursor_path", inc.CursorPath)
	return &out
}
