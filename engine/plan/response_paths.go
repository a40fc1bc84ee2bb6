package plan

import (
	"fmt"

	"github.com/pipe-etl/pipe/engine/spec"
)

// endpointPath is where field of resource i's endpoint is written: the
// resource's own endpoint when has says it sets it, else
// resource_defaults.
func endpointPath(s *spec.Spec, d *spec.ResourceDefaults, i int, field string, has func(*spec.Endpoint) bool) string {
	if e := s.Resources[i].Endpoint; e != nil && has(e) {
		return fmt.Sprintf("resources[%d].endpoint.%s", i, field)
	}
	if d.Endpoint != nil && has(d.Endpoint) {
		return "resource_defaults.endpoint." + field
	}
	return fmt.Sprintf("resources[%d].endpoint", i)
}

// incremental returns inc with its cursor path as gjson (gjsonPath).
func incremental(errs *errorList, at string, inc *spec.Incremental) *spec.Incremental {
	if inc == nil {
		return nil
	}
	out := *inc
	out.CursorPath = errs.responsePath(at+".endpoint.incremental.cursor_path", inc.CursorPath)
	return &out
}
