package secrets

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// decodeSecrets reads a YAML mapping of names to scalar values. Its errors
// give positions and names but never a value: the parser's own messages
// can quote the source, so they are not passed on.
func decodeSecrets(data []byte) (map[string]string, error) {
	m := map[string]string{}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var yerr yaml.Error
		if errors.As(err, &yerr) && yerr.GetToken() != nil {
			p := yerr.GetToken().Position
			if strings.HasPrefix(yerr.GetMessage(), "mapping key ") {
				// Names only, no values: "mapping key "a" already defined at [1:1]".
				return nil, fmt.Errorf("line %d column %d: %s", p.Line, p.Column, yerr.GetMessage())
			}
			return nil, fmt.Errorf("line %d column %d: invalid YAML", p.Line, p.Column)
		}
		return nil, errors.New("invalid YAML")
	}
	if len(f.Docs) > 1 {
		return nil, errors.New("more than one YAML document")
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return m, nil
	}
	var pairs []*ast.MappingValueNode
	switch body := f.Docs[0].Body.(type) {
	case *ast.MappingNode:
		pairs = body.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{body}
	case *ast.CommentNode:
		return m, nil
	default:
		return nil, fmt.Errorf("%s: want a mapping of secret names to values", at(body))
	}
	lines := map[string]int{}
	for _, kv := range pairs {
		name, ok := scalarText(kv.Key)
		if !ok || name == "" {
			return nil, fmt.Errorf("%s: secret names must be plain strings", at(kv.Key))
		}
		if line, dup := lines[name]; dup {
			return nil, fmt.Errorf("%s: secret %q is defined twice (first at line %d)", at(kv.Key), name, line)
		}
		lines[name] = kv.Key.GetToken().Position.Line
		value, ok := scalarText(kv.Value)
		if !ok {
			return nil, fmt.Errorf("%s: secret %q: want a string value", at(kv.Value), name)
		}
		m[name] = value
	}
	return m, nil
}

// scalarText returns the text of a scalar node as written (numbers and
// booleans keep their spelling: "pin: 0123" is "0123").
func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	default:
		return "", false
	}
}

// at formats a node's position.
func at(n ast.Node) string {
	if n == nil || n.GetToken() == nil {
		return "line ?"
	}
	p := n.GetToken().Position
	return fmt.Sprintf("line %d column %d", p.Line, p.Column)
}

// checkWritable refuses names and values the file cannot hold faithfully.
func checkWritable(name, value string) error {
	if name == "" {
		return errors.New("empty secret name")
	}
	if !utf8.ValidString(name) || !utf8.ValidString(value) {
		return fmt.Errorf("secret %q: name and value must be valid UTF-8", name)
	}
	return nil
}

// encodeSecrets writes m as YAML with every key and value double-quoted,
// so no value can change meaning (no "yes", "0x1f" or "~" surprises).
func encodeSecrets(m map[string]string) []byte {
	var b strings.Builder
	b.WriteString("# pipe secrets: name: value. Keep this file mode 0600.\n")
	b.WriteString("# pipe rewrites it when it rotates a token: comments are not kept.\n")
	for _, k := range sortedKeys(m) {
		b.WriteString(quoteYAML(k))
		b.WriteString(": ")
		b.WriteString(quoteYAML(m[k]))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// quoteYAML returns s as a YAML double-quoted scalar.
func quoteYAML(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xfeff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
