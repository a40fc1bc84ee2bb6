package openapi

import (
	"fmt"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// Schema is a simplified JSON Schema: allOf merged, oneOf/anyOf united,
// 3.1 type lists reduced to their first non-null type, recursion cut.
type Schema struct {
	Type   string // object, array, string, integer, number, boolean; "" unknown
	Format string
	Props  []Property // in document order
	Items  *Schema    // array items
	// Name is the component the schema came from (Incident), if any.
	Name        string
	Description string
	Example     any
	// Recursive marks a reference back to a schema being expanded.
	Recursive bool
	// Free marks an object with additionalProperties and no properties.
	Free bool
}

// Property is a named property of an object schema.
type Property struct {
	Name   string
	Schema *Schema
}

// Prop returns the property named name, or nil.
func (s *Schema) Prop(name string) *Schema {
	if s == nil {
		return nil
	}
	for _, p := range s.Props {
		if p.Name == name {
			return p.Schema
		}
	}
	return nil
}

// propFold returns the name of the property named name in any case
// (the exact spelling first), or "".
func (s *Schema) propFold(name string) string {
	if s == nil {
		return ""
	}
	if s.Prop(name) != nil {
		return name
	}
	for _, p := range s.Props {
		if strings.EqualFold(p.Name, name) {
			return p.Name
		}
	}
	return ""
}

// Path follows a dotted path of property names; nil when absent.
func (s *Schema) Path(path string) *Schema {
	for _, name := range strings.Split(path, ".") {
		s = s.Prop(name)
		if s == nil {
			return nil
		}
	}
	return s
}

// converter turns libopenapi schemas into Schemas, once per component.
type converter struct {
	done   map[string]*Schema // by reference
	active map[string]bool    // references being expanded
}

func newConverter() *converter {
	return &converter{done: map[string]*Schema{}, active: map[string]bool{}}
}

// maxDepth bounds inline nesting, which references do not count against.
const maxDepth = 24

func (c *converter) proxy(p *base.SchemaProxy, depth int) *Schema {
	if p == nil {
		return nil
	}
	ref := ""
	if p.IsReference() {
		ref = p.GetReference()
		if s, ok := c.done[ref]; ok {
			return s
		}
		if c.active[ref] {
			return &Schema{Type: "object", Name: refName(ref), Recursive: true}
		}
		c.active[ref] = true
		defer delete(c.active, ref)
	}
	if depth > maxDepth {
		return &Schema{Recursive: true}
	}
	s := c.schema(p.Schema(), depth)
	if s == nil {
		s = &Schema{}
	}
	if ref != "" {
		if s.Name == "" {
			s.Name = refName(ref)
		}
		c.done[ref] = s
	}
	return s
}

func (c *converter) schema(h *base.Schema, depth int) *Schema {
	if h == nil {
		return nil
	}
	s := &Schema{Format: h.Format, Description: h.Description, Example: decode(h.Example)}
	for _, t := range h.Type {
		if t != "null" {
			s.Type = t
			break
		}
	}
	if s.Example == nil && len(h.Examples) > 0 {
		s.Example = decode(h.Examples[0])
	}
	for name, p := range h.Properties.FromOldest() {
		s.Props = append(s.Props, Property{name, c.proxy(p, depth+1)})
	}
	if h.Items != nil && h.Items.IsA() {
		s.Items = c.proxy(h.Items.A, depth+1)
	}
	if len(s.Props) == 0 && h.AdditionalProperties != nil {
		s.Free = true
	}
	for _, group := range [][]*base.SchemaProxy{h.AllOf, h.OneOf, h.AnyOf} {
		for _, p := range group {
			s.merge(c.proxy(p, depth+1))
		}
	}
	if s.Type == "" {
		switch {
		case len(s.Props) > 0:
			s.Type = "object"
		case s.Items != nil:
			s.Type = "array"
		}
	}
	return s
}

// merge adds o's properties, items and type to s (allOf, oneOf, anyOf).
func (s *Schema) merge(o *Schema) {
	if o == nil {
		return
	}
	if s.Type == "" {
		s.Type = o.Type
	}
	if s.Format == "" {
		s.Format = o.Format
	}
	if s.Items == nil {
		s.Items = o.Items
	}
	if s.Example == nil {
		s.Example = o.Example
	}
	if s.Description == "" {
		s.Description = o.Description
	}
	if len(o.Props) > 0 && s.Name == "" {
		s.Name = o.Name
	}
	for _, p := range o.Props {
		if s.Prop(p.Name) == nil {
			s.Props = append(s.Props, p)
		}
	}
	s.Free = s.Free || o.Free
	s.Recursive = s.Recursive && o.Recursive
}

func refName(ref string) string {
	return ref[strings.LastIndexByte(ref, '/')+1:]
}

// decode turns a YAML node into plain Go values (map[string]any, []any, …).
func decode(n *yaml.Node) any {
	if n == nil {
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil
	}
	return normalizeValue(v)
}

// normalizeValue turns YAML's map[any]any into map[string]any, recursively.
func normalizeValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = normalizeValue(x)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = normalizeValue(x)
		}
		return m
	case []any:
		for i, x := range t {
			t[i] = normalizeValue(x)
		}
		return t
	}
	return v
}

// scalar renders a YAML scalar node as a string ("" for none).
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}
