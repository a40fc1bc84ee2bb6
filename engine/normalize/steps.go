package normalize

import (
	"strings"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/spec"
)

// shaping is what a resource's shaping processing steps ask of its
// Normalizer, compiled once by New from Config.Steps. The engine passes
// the steps through as written and knows none of them.
type shaping struct {
	// adds are the add_field steps, in order: a constant value, or the
	// value of a parent record's field (none when the parent lacks it).
	adds []spec.AddField
	// exclude (exclude_columns) and rename (rename) hold root table
	// column names, flattened from field paths (attributes.title) or
	// given as such (attributes__title); rename's targets are shortened
	// to the destination's limit. Excluding an object drops its columns,
	// excluding a list its child tables. Both apply as names are given,
	// so an excluded value is never read and no row is rewritten.
	exclude map[string]bool
	rename  map[string]string
}

// compileSteps reads the shaping steps of steps. A later rename of the
// same column wins; filter steps are extract's and are skipped here.
func compileSteps(steps []spec.ProcessingStep, maxIdentLen int) shaping {
	var s shaping
	for _, st := range steps {
		for _, e := range st.ExcludeColumns {
			if s.exclude == nil {
				s.exclude = map[string]bool{}
			}
			s.exclude[columnName(e)] = true
		}
		for from, to := range st.Rename {
			if s.rename == nil {
				s.rename = map[string]string{}
			}
			s.rename[columnName(from)] = schema.Shorten(columnName(to), maxIdentLen)
		}
		if st.AddField != nil {
			s.adds = append(s.adds, *st.AddField)
		}
	}
	return s
}

// columnName turns a field path (a.b) into its flattened column name
// (a__b); a column name stays as it is.
func columnName(path string) string {
	var parts []string
	for _, p := range strings.Split(path, ".") {
		for _, seg := range strings.Split(p, "__") {
			parts = append(parts, schema.SnakeCase(seg))
		}
	}
	return strings.Join(parts, "__")
}
