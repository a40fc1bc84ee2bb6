package spec

import "strings"

// PathParams returns the names of the {NAME} placeholders of an endpoint
// path, in order: dlt's path parameters, bound to the endpoint param of
// the same name (a value, or {type: resolve, ...}). Braces around text
// that is not an identifier, and {{ }} escapes, are literal text.
func PathParams(path string) []string {
	var names []string
	for i := 0; i < len(path); i++ {
		if strings.HasPrefix(path[i:], "{{") || strings.HasPrefix(path[i:], "}}") {
			i++
			continue
		}
		if path[i] != '{' {
			continue
		}
		end := strings.IndexByte(path[i:], '}')
		if end < 0 {
			break
		}
		if body := path[i+1 : i+end]; isIdent(body) {
			names = append(names, body)
		}
		i += end
	}
	return names
}

// Cursor returns the endpoint's incremental cursor: endpoint.incremental,
// or dlt's {type: incremental} param with start_param set to its name.
// The checker refuses an endpoint that has both or two such params.
func (e *Endpoint) Cursor() *Incremental {
	if e == nil {
		return nil
	}
	if e.Incremental != nil {
		return e.Incremental
	}
	for _, k := range sortedKeys(e.Params) {
		if inc := e.Params[k].Incremental; inc != nil {
			out := *inc
			out.StartParam = k
			return &out
		}
	}
	return nil
}
