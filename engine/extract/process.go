package extract

import (
	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// Keep applies the filter processing steps to a record: every filter
// must hold. A filter is evaluated like a response_actions condition
// (rest.Condition): a comparison such as attributes.status=="open" as a
// gjson query, a bare path such as active when its value is truthy, so
// false, 0, "", null, an empty list or object and a missing field do not
// keep the record. One evaluator serves both, so the two never disagree;
// it lives in rest because rest must not import extract.
func Keep(steps []spec.ProcessingStep, rec gjson.Result) bool {
	for _, s := range steps {
		if s.Filter != "" && !rest.Condition([]byte(rec.Raw), s.Filter) {
			return false
		}
	}
	return true
}
