package extract

import (
	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/spec"
)

// Keep applies the filter processing steps to a record: every filter (a
// gjson condition such as attributes.status=="open") must match.
func Keep(steps []spec.ProcessingStep, rec gjson.Result) bool {
	for _, s := range steps {
		if s.Filter == "" {
			continue
		}
		if !Match(s.Filter, rec) {
			return false
		}
	}
	return true
}

// Match evaluates a gjson condition on one record. The condition is
// written as inside a gjson query, e.g. `age>30` or `status=="open"`; a
// bare path matches when its value is truthy.
func Match(cond string, rec gjson.Result) bool {
	arr := "[" + rec.Raw + "]"
	return gjson.Get(arr, "#("+cond+")").Exists()
}
