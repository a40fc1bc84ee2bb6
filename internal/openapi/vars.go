package openapi

import (
	"fmt"
	"slices"
	"strings"
)

// specVar is a spec variable with its default and why.
type specVar struct {
	name, value, comment string
	enum                 []string
	noDefault            bool // a placeholder: the run must set it
}

// collectVars turns server variables and required query params into spec
// vars (one per name, shared by resources) and fills each resource's params.
func collectVars(rs []*resource, srv server) []specVar {
	var vars []specVar
	seen := map[string]int{}
	for _, v := range srv.vars {
		c := "server variable"
		if v.Placeholder {
			c = v.Description
		} else if v.Description != "" {
			c += ": " + firstSentence(v.Description)
		}
		seen[v.Name] = len(vars)
		vars = append(vars, specVar{name: v.Name, value: v.Default, comment: c, enum: v.Enum, noDefault: v.Placeholder})
	}
	for _, r := range rs {
		pg := r.pagination
		if pg.sizeName != "" {
			r.params = append(r.params, line{pg.sizeName, pg.size, "page size (guess: the documented maximum up to 100, else the default)"})
		}
		r.params = append(r.params, pg.switches...)
		for _, p := range r.op.Params {
			if p.In != "query" || !p.Required || slices.Contains(pg.handled, p.Name) || p.Name == pg.sizeName {
				continue
			}
			value, why := paramValue(p)
			name := snake(p.Name)
			if i, ok := seen[name]; ok && vars[i].value != value {
				name = snake(r.name + "_" + p.Name)
			}
			if _, ok := seen[name]; !ok {
				seen[name] = len(vars)
				vars = append(vars, specVar{name: name, value: value, comment: why})
			}
			r.params = append(r.params, line{p.Name, "{vars." + name + "}", "required query param"})
			if strings.HasPrefix(why, "guess") {
				r.guesses++
			}
		}
	}
	return vars
}

// paramValue picks a required param's value: the documented default, the
// first enum value, an example; why says which.
func paramValue(p Param) (string, string) {
	switch {
	case p.Default != "":
		return p.Default, "required query param " + p.Name + ": the documented default"
	case len(p.Enum) > 0:
		return p.Enum[0], fmt.Sprintf("guess: required query param %s: the first of %s", p.Name, strings.Join(p.Enum, ", "))
	case p.Example != "":
		return p.Example, fmt.Sprintf("guess: required query param %s: its %s", p.Name, p.ExampleFrom)
	}
	return "", "guess: required query param " + p.Name + " has no documented value: set it with --var"
}

func firstSentence(s string) string {
	s = strings.TrimSpace(strings.SplitN(s, "\n", 2)[0])
	if i := strings.Index(s, ". "); i > 0 {
		s = s[:i]
	}
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return s
}
