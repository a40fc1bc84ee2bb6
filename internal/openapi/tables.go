package openapi

import "strings"

// Table is a table a response schema promises: pipe's naming (nested
// objects flattened with __, arrays of objects as child tables, arrays of
// scalars as child tables with a value column) and pipe's types.
type Table struct {
	Name    string
	Parent  string // "" for the resource's root table
	Columns []Column
}

// Column is a column and its pipe type: boolean, bigint, double, text,
// timestamp or json.
type Column struct{ Name, Type string }

// FindOperation returns the GET operation whose path best matches a
// spec path: equal segments count most, a {…} on either side matches any
// one segment. The spec path is relative to base_url, so it may lack the
// document path's leading segments (the server's path).
func (d *Doc) FindOperation(specPath string) *Operation {
	want := strings.Split(strings.Trim(specPath, "/"), "/")
	var best *Operation
	bestScore := 0
	for _, op := range d.Ops {
		have := strings.Split(strings.Trim(op.Path, "/"), "/")
		if len(have) < len(want) {
			continue
		}
		score := 1
		if len(have) == len(want) {
			score++
		}
		have = have[len(have)-len(want):]
		for i := range want {
			switch {
			case have[i] == want[i]:
				score += 3
			case isParam(have[i]) || strings.Contains(want[i], "{"):
				score++
			default:
				score = 0
			}
			if score == 0 {
				break
			}
		}
		if score > bestScore {
			best, bestScore = op, score
		}
	}
	return best
}

// Records returns the schema of one record at a data_selector ("" or
// "@this" for the body; else a dotted path to an array); nil if unknown.
func (o *Operation) Records(selector string) *Schema {
	s := o.Response
	if selector == "" || selector == "@this" {
		if s != nil && s.Type == "array" {
			return s.Items
		}
		_, item, _, ok := selectRecords(s)
		if ok {
			return item
		}
		return s
	}
	s = s.Path(selector)
	if s != nil && s.Type == "array" {
		return s.Items
	}
	return s
}

// Tables flattens a record schema into the tables pipe would create for
// resource table name, up to nesting levels of nested tables (0: none).
func Tables(name string, record *Schema, nesting int) []Table {
	var out []Table
	flatten(&out, name, "", record, nesting, 0)
	return out
}

func flatten(out *[]Table, name, parent string, s *Schema, nesting, level int) {
	t := Table{Name: name, Parent: parent}
	i := len(*out)
	*out = append(*out, t)
	var cols []Column
	var walk func(prefix string, s *Schema, depth int)
	walk = func(prefix string, s *Schema, depth int) {
		for _, p := range s.Props {
			col := prefix + snake(p.Name)
			ps := p.Schema
			switch {
			case ps == nil || ps.Recursive || ps.Free:
				cols = append(cols, Column{col, "json"})
			case ps.Type == "object" && len(ps.Props) > 0 && level+depth < nesting:
				walk(col+"__", ps, depth+1)
			case ps.Type == "array" && level+depth < nesting:
				child := name + "__" + col
				if ps.Items != nil && ps.Items.Type == "object" && len(ps.Items.Props) > 0 {
					flatten(out, child, name, ps.Items, nesting, level+depth+1)
				} else {
					*out = append(*out, Table{Name: child, Parent: name, Columns: []Column{{"value", pipeType(ps.Items)}}})
				}
			default:
				cols = append(cols, Column{col, pipeType(ps)})
			}
		}
	}
	if s != nil && s.Type == "object" {
		walk("", s, 0)
	} else {
		cols = append(cols, Column{"value", pipeType(s)})
	}
	(*out)[i].Columns = cols
}

// pipeType maps a JSON Schema type to pipe's column types.
func pipeType(s *Schema) string {
	if s == nil {
		return "json"
	}
	switch s.Type {
	case "integer":
		return "bigint"
	case "number":
		return "double"
	case "boolean":
		return "boolean"
	case "string":
		if s.Format == "date-time" {
			return "timestamp"
		}
		return "text"
	}
	return "json"
}
