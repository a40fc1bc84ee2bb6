package spec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// GJSONPath returns the gjson path that pipe runs for a path a spec
// writes. pipe's paths are gjson's; dlt's are JSONPath, and dlt configs
// (and the specs dlt-init-openapi writes) use it for data_selector and
// the paginators' and cursors' paths: "$" for the whole body,
// "$.results[*]", "$[-1].id". A path that starts with "$" or holds a
// bracket is read as JSONPath and translated: "$" and "$[*]" become
// "@this", member names are escaped, "[n]" is item n, "[-n]" the n-th
// from the end (gjson's @reverse), and a wildcard as the last step is the
// list itself, as dlt takes it. Any other path is returned as written.
// JSONPath that selects several values from different places (a wildcard
// before the last step, "..", filters, slices, unions) has no gjson
// equivalent here and is an error.
func GJSONPath(p string) (string, error) {
	if !strings.HasPrefix(p, "$") && !strings.Contains(p, "[") {
		return p, nil
	}
	steps, err := jsonPathSteps(p)
	if err != nil {
		return "", fmt.Errorf("JSONPath %q: %w; write it as a gjson path (https://github.com/tidwall/gjson/blob/master/SYNTAX.md)", p, err)
	}
	if len(steps) == 0 {
		return "@this", nil
	}
	return strings.Join(steps, "."), nil
}

// jsonPathSteps splits a JSONPath into gjson path components.
func jsonPathSteps(p string) ([]string, error) {
	rest := strings.TrimPrefix(p, "$")
	var steps []string
	wildcard := false
	for first := !strings.HasPrefix(p, "$"); rest != ""; first = false {
		if wildcard {
			return nil, fmt.Errorf("a wildcard selects the items of a list only as the last step")
		}
		var step string
		var err error
		switch {
		case strings.HasPrefix(rest, ".."):
			return nil, fmt.Errorf("recursive descent (..) is not supported")
		case strings.HasPrefix(rest, "["):
			step, rest, err = bracketStep(rest)
		case strings.HasPrefix(rest, "."):
			step, rest = nameStep(rest[1:])
		case first:
			step, rest = nameStep(rest)
		default:
			return nil, fmt.Errorf("unexpected %q", rest)
		}
		switch {
		case err != nil:
			return nil, err
		case step == "*":
			wildcard = true
		case step == "":
			return nil, fmt.Errorf("empty member name")
		default:
			steps = append(steps, step)
		}
	}
	return steps, nil
}

// nameStep reads a dotted member name up to the next "." or "[".
func nameStep(s string) (step, rest string) {
	end := strings.IndexAny(s, ".[")
	if end < 0 {
		end = len(s)
	}
	if s[:end] == "*" {
		return "*", s[end:]
	}
	return gjson.Escape(s[:end]), s[end:]
}

// bracketStep reads "[*]", "[n]", "[-n]", "['name']" or "[\"name\"]".
func bracketStep(s string) (step, rest string, err error) {
	if len(s) > 1 && (s[1] == '\'' || s[1] == '"') {
		q := s[1]
		end := strings.IndexByte(s[2:], q)
		if end < 0 {
			return "", "", fmt.Errorf("unterminated quoted name in %q", s)
		}
		if !strings.HasPrefix(s[2+end+1:], "]") {
			return "", "", fmt.Errorf("%s is not supported (only [*], [n], [-n] and one quoted name)", s)
		}
		return gjson.Escape(s[2 : 2+end]), s[2+end+2:], nil
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return "", "", fmt.Errorf("unterminated bracket in %q", s)
	}
	in, rest := s[1:end], s[end+1:]
	if in == "*" {
		return "*", rest, nil
	}
	n, err := strconv.Atoi(in)
	if err != nil {
		return "", "", fmt.Errorf("[%s] is not supported (only [*], [n], [-n] and one quoted name)", in)
	}
	if n < 0 {
		return "@reverse." + strconv.Itoa(-n-1), rest, nil
	}
	return strconv.Itoa(n), rest, nil
}
