package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// maxNodes bounds the values a document may expand to through aliases, so
// a "billion laughs" document fails instead of exhausting memory.
const maxNodes = 20_000

// parseYAML parses data into JSON-compatible values (map[string]any, []any,
// string, json.Number, bool, nil) and records the position of every node.
func parseYAML(file string, data []byte) (any, *Source, Errors) {
	if e := checkBounds(file, data); e != nil {
		return nil, nil, Errors{e}
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, nil, Errors{yamlError(file, err)}
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		return nil, nil, Errors{{File: file, Line: 1, Col: 1, Msg: "empty spec (want a mapping with name, client and resources)"}}
	}
	c := &converter{file: file, src: newSource(), anchors: map[string]ast.Node{}}
	if len(docs) > 1 {
		p := nodePos(docs[1].Body)
		return nil, nil, Errors{{File: file, Line: p.line, Col: p.col, Msg: fmt.Sprintf("want one YAML document, found %d", len(docs))}}
	}
	v := c.convert(docs[0].Body, "", 0)
	if len(c.errs) > 0 {
		return nil, nil, c.errs
	}
	return v, c.src, nil
}

// yamlError positions a parser error.
func yamlError(file string, err error) *Error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		e := &Error{File: file, Msg: "invalid YAML: " + ye.GetMessage()}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Col = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	return &Error{File: file, Msg: "invalid YAML: " + err.Error()}
}

type converter struct {
	file    string
	src     *Source
	anchors map[string]ast.Node
	nodes   int
	errs    Errors
}

func (c *converter) fail(n ast.Node, path, format string, args ...any) {
	p := nodePos(n)
	c.errs = append(c.errs, &Error{File: c.file, Line: p.line, Col: p.col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// convert turns node into a value and records positions under path;
// depth is how many collections hold it.
func (c *converter) convert(n ast.Node, path string, depth int) any {
	if n == nil {
		return nil
	}
	if depth > MaxDepth {
		c.fail(n, path, "collections nested deeper than %d levels", MaxDepth)
		return nil
	}
	if c.nodes++; c.nodes > maxNodes {
		if c.nodes == maxNodes+1 {
			c.fail(n, "", "document too large (aliases expand to more than %d values)", maxNodes)
		}
		return nil
	}
	c.src.values[path] = nodePos(n)
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value
	case *ast.LiteralNode:
		return v.Value.Value
	case *ast.IntegerNode:
		return json.Number(fmt.Sprint(v.GetValue()))
	case *ast.FloatNode:
		if math.IsInf(v.Value, 0) || math.IsNaN(v.Value) {
			c.fail(n, path, "number %s is out of range", v.GetToken().Value)
			return nil
		}
		return json.Number(strconv.FormatFloat(v.Value, 'g', -1, 64))
	case *ast.BoolNode:
		return v.Value
	case *ast.NullNode:
		return nil
	case *ast.InfinityNode, *ast.NanNode:
		c.fail(n, path, "%s is not a JSON number", v.GetToken().Value)
		return nil
	case *ast.MappingNode:
		return c.mapping(v.Values, path, depth+1)
	case *ast.MappingValueNode:
		return c.mapping([]*ast.MappingValueNode{v}, path, depth+1)
	case *ast.SequenceNode:
		out := make([]any, len(v.Values))
		for i, e := range v.Values {
			out[i] = c.convert(e, joinIndex(path, i), depth+1)
		}
		return out
	case *ast.AnchorNode:
		out := c.convert(v.Value, path, depth)
		// Registered after its value, so an alias inside it cannot recurse.
		c.anchors[v.Name.GetToken().Value] = v.Value
		return out
	case *ast.AliasNode:
		name := v.Value.GetToken().Value
		target, ok := c.anchors[name]
		if !ok {
			c.fail(n, path, "unknown alias *%s", name)
			return nil
		}
		pos := nodePos(n)
		out := c.convert(target, path, depth)
		c.src.values[path] = pos // the alias, not the anchor, is what the user wrote here
		return out
	case *ast.TagNode:
		return c.tagged(v, path, depth)
	}
	c.fail(n, path, "unsupported YAML node %s", n.Type())
	return nil
}

// tagged handles the standard tags; !!str keeps a scalar as text.
func (c *converter) tagged(v *ast.TagNode, path string, depth int) any {
	switch tag := v.Start.Value; tag {
	case "!!str":
		if s, ok := v.Value.(ast.ScalarNode); ok {
			c.src.values[path] = nodePos(v)
			return fmt.Sprint(s.GetValue())
		}
		c.fail(v, path, "!!str wants a scalar")
		return nil
	case "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq":
		return c.convert(v.Value, path, depth)
	default:
		c.fail(v, path, "unsupported YAML tag %s", tag)
		return nil
	}
}

// mapping converts the entries of a mapping. Entries merged with "<<" give
// way to the mapping's own keys, as YAML's merge key specifies.
func (c *converter) mapping(values []*ast.MappingValueNode, path string, depth int) any {
	out := make(map[string]any, len(values))
	merged := map[string]bool{}
	for _, mv := range values {
		if mv.Key.IsMergeKey() {
			c.merge(mv.Value, path, depth, out, merged)
		}
	}
	for _, mv := range values {
		if mv.Key.IsMergeKey() {
			continue
		}
		key, ok := c.key(mv.Key, path)
		if !ok {
			continue
		}
		p := joinKey(path, key)
		if merged[key] {
			c.src.forget(p)
			delete(merged, key)
		}
		c.src.keys[p] = nodePos(mv.Key)
		out[key] = c.convert(mv.Value, p, depth)
	}
	return out
}

// merge adds the entries of a "<<" value (a mapping, an alias of one, or a
// list of them; earlier ones win) that out does not have yet.
func (c *converter) merge(n ast.Node, path string, depth int, out map[string]any, merged map[string]bool) {
	if seq, ok := n.(*ast.SequenceNode); ok {
		for _, e := range seq.Values {
			c.merge(e, path, depth, out, merged)
		}
		return
	}
	m, ok := c.convert(n, path, depth).(map[string]any)
	if !ok {
		c.fail(n, path, "merge key << wants a mapping")
		return
	}
	for k, v := range m {
		if _, dup := out[k]; !dup {
			out[k] = v
			merged[k] = true
		}
	}
}

// key returns a mapping key as text.
func (c *converter) key(n ast.MapKeyNode, path string) (string, bool) {
	var k ast.Node = n
	if mk, ok := n.(*ast.MappingKeyNode); ok {
		k = mk.Value
	}
	s, ok := k.(ast.ScalarNode)
	if !ok {
		c.fail(k, path, "mapping key must be a scalar")
		return "", false
	}
	if str, ok := s.(*ast.StringNode); ok {
		return str.Value, true
	}
	return s.GetToken().Value, true
}

// nodePos is where a node starts in the text: for a block mapping, its
// first key rather than the ":" the parser anchors it at.
func nodePos(n ast.Node) position {
	switch v := n.(type) {
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return nodePos(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return nodePos(v.Key)
	case *ast.MappingKeyNode:
		if v.Value != nil {
			return nodePos(v.Value)
		}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return position{}
	}
	return position{tk.Position.Line, tk.Position.Column}
}
