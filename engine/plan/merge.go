package plan

import (
	"maps"
	"net/url"

	"github.com/pipe-etl/pipe/engine/spec"
)

// compile parses a template and binds its variables.
func compile(errs *errorList, path, s string, vars map[string]string) spec.Template {
	t, err := spec.ParseTemplate(s)
	if err != nil {
		errs.add(path, "%v", err)
		return spec.Template{{Literal: s}}
	}
	return bindVars(t, vars)
}

// compilePath compiles an endpoint path. A placeholder value inside the
// path is escaped as one path segment (a purl such as pkg:npm/a@1 stays
// one segment); a placeholder that starts the path is a URL prefix
// ({vars.api_url}/v1/...) and is kept as is.
func compilePath(errs *errorList, path, s string, vars map[string]string) spec.Template {
	t, err := spec.ParseTemplate(s)
	if err != nil {
		errs.add(path, "%v", err)
		return spec.Template{{Literal: s}}
	}
	return bindVarsWith(t, vars, escapeSegment)
}

// escapeSegment escapes a path value unless it starts the path.
func escapeSegment(i int, v string) string {
	if i == 0 {
		return v
	}
	return url.PathEscape(v)
}

// first returns the first non-empty string.
func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// firstSlice returns the first non-empty slice.
func firstSlice[S ~[]E, E any](vals ...S) S {
	for _, v := range vals {
		if len(v) > 0 {
			return v
		}
	}
	return nil
}

// firstPtr returns the first non-nil pointer.
func firstPtr[T any](vals ...*T) *T {
	for _, v := range vals {
		if v != nil {
			return v
		}
	}
	return nil
}

func firstBool(def bool, vals ...*bool) bool {
	if v := firstPtr(vals...); v != nil {
		return *v
	}
	return def
}

// mergeJSON merges a JSON body with resource_defaults' as dlt does: two
// objects merge by top-level key (over's key wins); anything else is
// taken whole from the first level that sets it.
func mergeJSON(base, over any) any {
	b, ok1 := base.(map[string]any)
	o, ok2 := over.(map[string]any)
	if !ok1 || !ok2 {
		return firstAny(over, base)
	}
	out := make(map[string]any, len(b)+len(o))
	maps.Copy(out, b)
	maps.Copy(out, o)
	return out
}

func firstAny(vals ...any) any {
	for _, v := range vals {
		if v != nil {
			return v
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// mergeMaps returns base with over's keys applied on top; nil if both are empty.
func mergeMaps[V any](base, over map[string]V) map[string]V {
	if len(base) == 0 && len(over) == 0 {
		return nil
	}
	out := make(map[string]V, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// bindJSON copies a JSON body, compiling every string leaf into a
// Template with its variables bound. Other leaves are kept as they are.
func bindJSON(v any, vars map[string]string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = bindJSON(e, vars)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = bindJSON(e, vars)
		}
		return out
	case string:
		t, err := spec.ParseTemplate(x)
		if err != nil {
			return spec.Template{{Literal: x}}
		}
		return bindVars(t, vars)
	}
	return v
}

// walkJSON calls fn for every Template leaf of a body built by bindJSON.
func walkJSON(v any, fn func(spec.Template)) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			walkJSON(x[k], fn)
		}
	case []any:
		for _, e := range x {
			walkJSON(e, fn)
		}
	case spec.Template:
		fn(x)
	}
}
