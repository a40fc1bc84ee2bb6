package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pipe-etl/pipe/engine/spec"
)

// resolveVars computes every variable's value: --var first, then the
// environment variable PIPE_VAR_<NAME>, then the default. Values and
// defaults may reference other variables.
func resolveVars(s *spec.Spec, o Options, errs *errorList) map[string]string {
	for name := range o.Vars {
		if _, ok := s.Vars[name]; !ok {
			errs.add("", "--var %s: unknown variable (the spec declares %s)", name, declared(s))
		}
	}
	raw := make(map[string]string, len(s.Vars))
	for name, v := range s.Vars {
		if val, ok := o.Vars[name]; ok {
			raw[name] = val
			continue
		}
		if val, ok := o.lookupEnv("PIPE_VAR_" + strings.ToUpper(name)); ok {
			raw[name] = val
			continue
		}
		if v.Default != nil && v.DefaultFrom == "" {
			raw[name] = *v.Default
		}
	}
	out := make(map[string]string, len(raw))
	var resolve func(name string, stack []string) (string, bool)
	resolve = func(name string, stack []string) (string, bool) {
		if val, ok := out[name]; ok {
			return val, true
		}
		if slices.Contains(stack, name) {
			errs.add("vars."+name, "variable cycle %s -> %s", strings.Join(stack, " -> "), name)
			return "", false
		}
		val, ok := raw[name]
		if v := s.Vars[name]; !ok && v.DefaultFrom != "" {
			if val, ok = defaultFrom(name, v, stack, resolve, errs); !ok {
				return "", false // reported
			}
		}
		if !ok {
			if _, declaredVar := s.Vars[name]; !declaredVar {
				return "", false // reported by the spec loader
			}
			errs.add("vars."+name, "variable %q has no value (set --var %s=... or PIPE_VAR_%s)", name, name, strings.ToUpper(name))
			return "", false
		}
		t, err := spec.ParseTemplate(val)
		if err != nil {
			errs.add("vars."+name, "%v", err)
			return "", false
		}
		okAll := true
		res, _ := t.Expand(func(p spec.Part) (string, error) {
			if p.Namespace != spec.NSVars {
				errs.add("vars."+name, "a variable may only reference other variables, not %s", p)
				okAll = false
				return "", nil
			}
			v, ok := resolve(p.Name, append(stack, name))
			okAll = okAll && ok
			return v, nil
		})
		if !okAll {
			return "", false
		}
		if len(res) > spec.MaxVarLen { // --var values the spec loader could not measure
			errs.add("vars."+name, "value expands to %d bytes (at most %d)", len(res), spec.MaxVarLen)
			return "", false
		}
		if enum := s.Vars[name].Enum; len(enum) > 0 && !slices.Contains(enum, res) {
			errs.add("vars."+name, "value %q is not allowed (want one of %s)", res, strings.Join(enum, ", "))
		}
		out[name] = res
		return res, true
	}
	for _, name := range sortedKeys(s.Vars) {
		resolve(name, nil)
	}
	return out
}

// defaultFrom picks a variable's default by the value of the variable its
// default_from names; its plain default applies when defaults has no entry.
func defaultFrom(name string, v spec.Var, stack []string, resolve func(string, []string) (string, bool), errs *errorList) (string, bool) {
	key, ok := resolve(v.DefaultFrom, append(stack, name))
	if !ok {
		return "", false
	}
	if d, ok := v.Defaults[key]; ok {
		return d, true
	}
	if v.Default != nil {
		return *v.Default, true
	}
	errs.add("vars."+name, "variable %q has no default for %s=%q (defaults has %s; set --var %s=...)",
		name, v.DefaultFrom, key, strings.Join(sortedKeys(v.Defaults), ", "), name)
	return "", false
}

// bindVars replaces {vars.*} placeholders of t with their values, keeping
// every other placeholder, and those of variables missing from vars (list
// variables, bound per request chain).
func bindVars(t spec.Template, vars map[string]string) spec.Template {
	return bindVarsWith(t, vars, func(i int, v string) string { return v })
}

// bindVarsWith is bindVars with each value passed through value(i, v),
// where i is the part's position in t.
func bindVarsWith(t spec.Template, vars map[string]string, value func(i int, v string) string) spec.Template {
	var out spec.Template
	for i, p := range t {
		if v, ok := vars[p.Name]; ok && p.Namespace == spec.NSVars {
			p = spec.Part{Literal: value(i, v)}
		}
		if !p.IsPlaceholder() && len(out) > 0 && !out[len(out)-1].IsPlaceholder() {
			out[len(out)-1].Literal += p.Literal
			continue
		}
		out = append(out, p)
	}
	return out
}

func declared(s *spec.Spec) string {
	if len(s.Vars) == 0 {
		return "no variables"
	}
	return strings.Join(sortedKeys(s.Vars), ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// errorList collects positioned errors while building a plan.
type errorList struct {
	s    *spec.Spec
	errs spec.Errors
}

func (l *errorList) add(path, format string, args ...any) {
	e := &spec.Error{File: l.s.File, Path: path, Msg: fmt.Sprintf(format, args...)}
	for _, seen := range l.errs {
		if seen.Path == e.Path && seen.Msg == e.Msg {
			return // inherited settings report once, not per resource
		}
	}
	if path != "" {
		e.Line, e.Col = l.s.Source.Pos(path)
	}
	l.errs = append(l.errs, e)
}

// responsePath returns the gjson path of a path into the response
// written at path, which may be dlt's JSONPath (spec.GJSONPath); spec's
// checks have reported a JSONPath pipe cannot run, and this keeps a plan
// from holding one.
func (l *errorList) responsePath(path, p string) string {
	g, err := spec.GJSONPath(p)
	if err != nil {
		l.add(path, "%v", err)
		return p
	}
	return g
}

func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	l.errs.Sort()
	return l.errs
}
