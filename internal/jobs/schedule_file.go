package jobs

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/pipe-etl/pipe/engine/spec"
)

// ScheduleEntry is one entry of a schedule file (pipe serve --schedule):
//
//   - name: snyk-hourly          # optional; default the spec's name
//     spec: snyk                 # a file (relative to the schedule file) or a shipped spec
//     every: 1h                  # or cron: "0 * * * *" (one of the two)
//     vars: {region: api.eu.snyk.io}
//     dest: snyk.db              # a SQLite file; default <spec name>.db
//     resources: [orgs, issues]
//
// ParseScheduleFile checks its shape; the spec, its vars and resources
// are checked by building the plan, with the errors placed at SpecLine.
type ScheduleEntry struct {
	Name      string
	Spec      string
	Every     time.Duration
	Cron      string
	Vars      []string // NAME=VALUE, sorted by name
	Dest      string
	Resources []string
	// Index is the entry's place in the file; Line and Col where it
	// starts, SpecLine and SpecCol where its spec is named.
	Index, Line, Col   int
	SpecLine, SpecCol  int
	NameLine, NameCol  int
	NameGiven, HasDest bool
}

// Path returns the dotted path of the entry's field key, as errors name it.
func (e ScheduleEntry) Path(key string) string {
	return fmt.Sprintf("[%d].%s", e.Index, key)
}

// scheduleKeys are the fields of an entry, in the order errors list them.
var scheduleKeys = []string{"name", "spec", "every", "cron", "vars", "dest", "resources"}

// maxScheduleFile bounds the size of a schedule file.
const maxScheduleFile = 1 << 20

// ParseScheduleFile reads a schedule file: a YAML list of entries. Every
// problem is reported, as spec.Errors positioned in the file.
func ParseScheduleFile(file string, data []byte) ([]ScheduleEntry, error) {
	if len(data) > maxScheduleFile {
		return nil, spec.Errors{{File: file, Line: 1, Col: 1, Msg: fmt.Sprintf("file of %d bytes; want at most %d", len(data), maxScheduleFile)}}
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, spec.Errors{yamlError(file, err)}
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			if body != nil {
				line, col := pos(d.Body)
				return nil, spec.Errors{{File: file, Line: line, Col: col, Msg: "want one YAML document"}}
			}
			body = d.Body
		}
	}
	seq, ok := body.(*ast.SequenceNode)
	if !ok {
		line, col := 1, 1
		if body != nil {
			line, col = pos(body)
		}
		return nil, spec.Errors{{File: file, Line: line, Col: col, Msg: "want a list of schedules ({spec, every | cron, vars, dest, resources, name})"}}
	}
	p := &scheduleParser{file: file}
	var out []ScheduleEntry
	for i, n := range seq.Values {
		if e, ok := p.entry(i, n); ok {
			out = append(out, e)
		}
	}
	if len(seq.Values) == 0 {
		line, col := pos(seq)
		p.fail(line, col, "", "no schedule (want at least one entry)")
	}
	if len(p.errs) > 0 {
		p.errs.Sort()
		return nil, p.errs
	}
	return out, nil
}

// CheckNames refuses two entries of one name; entries without a name
// must have been given their spec's name first.
func CheckNames(file string, entries []ScheduleEntry) error {
	var errs spec.Errors
	seen := map[string]ScheduleEntry{}
	for _, e := range entries {
		if first, dup := seen[e.Name]; dup {
			how := "its spec's name"
			if e.NameGiven {
				how = "the name given"
			}
			line, col := e.Line, e.Col
			if e.NameGiven {
				line, col = e.NameLine, e.NameCol
			}
			errs = append(errs, &spec.Error{File: file, Line: line, Col: col, Path: e.Path("name"),
				Msg: fmt.Sprintf("schedule %q (%s) is already entry [%d] at line %d; give each entry its own name", e.Name, how, first.Index, first.Line)})
			continue
		}
		seen[e.Name] = e
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

type scheduleParser struct {
	file string
	errs spec.Errors
}

func (p *scheduleParser) fail(line, col int, path, format string, args ...any) {
	p.errs = append(p.errs, &spec.Error{File: p.file, Line: line, Col: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p *scheduleParser) failAt(n ast.Node, path, format string, args ...any) {
	line, col := pos(n)
	p.fail(line, col, path, format, args...)
}

// entry reads the i-th entry.
func (p *scheduleParser) entry(i int, n ast.Node) (ScheduleEntry, bool) {
	e := ScheduleEntry{Index: i}
	e.Line, e.Col = pos(n)
	values, ok := mappingValues(n)
	if !ok {
		p.failAt(n, fmt.Sprintf("[%d]", i), "want a mapping {spec, every | cron, ...}")
		return e, false
	}
	if len(values) > 0 {
		e.Line, e.Col = pos(values[0].Key) // a mapping's own token is its first ':'
	}
	before := len(p.errs)
	seen := map[string]bool{}
	var everyNode, cronNode ast.Node
	for _, mv := range values {
		key, isStr := scalar(mv.Key)
		path := e.Path(key)
		if !isStr {
			p.failAt(mv.Key, fmt.Sprintf("[%d]", i), "want a field name")
			continue
		}
		if seen[key] {
			p.failAt(mv.Key, path, "given twice")
			continue
		}
		seen[key] = true
		switch key {
		case "name":
			e.Name, e.NameGiven = p.text(mv.Value, path), true
			e.NameLine, e.NameCol = pos(mv.Value)
			if strings.TrimSpace(e.Name) != e.Name || e.Name == "" && len(p.errs) == before {
				p.failAt(mv.Value, path, "%q: want a name without leading or trailing spaces", e.Name)
			}
		case "spec":
			e.Spec = p.text(mv.Value, path)
			e.SpecLine, e.SpecCol = pos(mv.Value)
		case "every":
			everyNode = mv.Value
			s := p.text(mv.Value, path)
			d, err := time.ParseDuration(s)
			switch {
			case err != nil:
				p.failAt(mv.Value, path, "%q is not a duration (want e.g. 30s, 15m, 1h)", s)
			case d < time.Second:
				p.failAt(mv.Value, path, "%s: want at least 1s", s)
			default:
				e.Every = d
			}
		case "cron":
			cronNode = mv.Value
			e.Cron = p.text(mv.Value, path)
			if _, err := ParseCron(e.Cron); err != nil {
				p.failAt(mv.Value, path, "%v", err)
			}
		case "vars":
			e.Vars = p.vars(mv.Value, path)
		case "dest":
			e.Dest, e.HasDest = p.text(mv.Value, path), true
		case "resources":
			e.Resources = p.list(mv.Value, path)
		default:
			p.failAt(mv.Key, path, "unknown field%s (want one of %s)", suggestKey(key), strings.Join(scheduleKeys, ", "))
		}
	}
	switch {
	case !seen["spec"]:
		p.fail(e.Line, e.Col, fmt.Sprintf("[%d]", i), "missing spec (a spec file or a shipped spec's name)")
	case e.Spec == "" && len(p.errs) == before:
		p.fail(e.SpecLine, e.SpecCol, e.Path("spec"), "empty")
	}
	switch {
	case everyNode != nil && cronNode != nil:
		p.failAt(cronNode, e.Path("cron"), "give every or cron, not both")
	case everyNode == nil && cronNode == nil:
		p.fail(e.Line, e.Col, fmt.Sprintf("[%d]", i), "missing every or cron (when to run)")
	}
	return e, len(p.errs) == before
}

// text reads a scalar as text; a collection or null is an error.
func (p *scheduleParser) text(n ast.Node, path string) string {
	s, ok := scalar(n)
	if !ok {
		p.failAt(n, path, "want a text value")
		return ""
	}
	return s
}

// vars reads a mapping of variable names to scalars.
func (p *scheduleParser) vars(n ast.Node, path string) []string {
	values, ok := mappingValues(n)
	if !ok {
		p.failAt(n, path, "want a mapping of variable names to values")
		return nil
	}
	var out []string
	for _, mv := range values {
		name, ok := scalar(mv.Key)
		if !ok || name == "" {
			p.failAt(mv.Key, path, "want a variable name")
			continue
		}
		v, ok := scalar(mv.Value)
		if !ok {
			p.failAt(mv.Value, path+"."+name, "want a text, number or boolean value")
			continue
		}
		out = append(out, name+"="+v)
	}
	sort.Strings(out)
	return out
}

// list reads a list of names, or one name.
func (p *scheduleParser) list(n ast.Node, path string) []string {
	if s, ok := scalar(n); ok {
		return strings.Split(s, ",")
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		p.failAt(n, path, "want a list of resource names")
		return nil
	}
	var out []string
	for i, v := range seq.Values {
		s, ok := scalar(v)
		if !ok || s == "" {
			p.failAt(v, fmt.Sprintf("%s[%d]", path, i), "want a resource name")
			continue
		}
		out = append(out, s)
	}
	return out
}

// mappingValues returns the entries of a mapping node.
func mappingValues(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	}
	return nil, false
}

// scalar returns the text of a scalar node (string, number, boolean).
func scalar(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return v.GetToken().Value, true
	}
	return "", false
}

func pos(n ast.Node) (line, col int) {
	if n == nil {
		return 0, 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line, tk.Position.Column
	}
	return 0, 0
}

// yamlError positions a YAML syntax error.
func yamlError(file string, err error) *spec.Error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		e := &spec.Error{File: file, Msg: "invalid YAML: " + ye.GetMessage()}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Col = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	return &spec.Error{File: file, Msg: "invalid YAML: " + err.Error()}
}

// suggestKey names the field a misspelt key most likely meant.
func suggestKey(key string) string {
	best, dist := "", 3
	for _, k := range scheduleKeys {
		if d := editDistance(key, k); d < dist {
			best, dist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(", did you mean %q?", best)
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := slices.Clone(prev)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
