package sources

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/schemas"
)

func TestNames(t *testing.T) {
	want := []string{"checkmarx_sca", "snyk"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
}

func TestOpen(t *testing.T) {
	for _, name := range Names() {
		file, data, err := Open(name)
		if err != nil {
			t.Fatalf("Open(%q): %v", name, err)
		}
		if file != name+"/"+name+".yml" {
			t.Errorf("Open(%q) file = %q", name, file)
		}
		if !bytes.Contains(data, []byte("name: "+name+"\n")) {
			t.Errorf("Open(%q): spec does not declare name %q", name, name)
		}
	}
}

func TestOpenUnknown(t *testing.T) {
	for _, name := range []string{"nope", "", ".", "snyk/snyk.yml", "../snyk", "snyk/testdata"} {
		_, _, err := Open(name)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q) error = %v, want fs.ErrNotExist", name, err)
			continue
		}
		if !strings.Contains(err.Error(), "have checkmarx_sca, snyk") {
			t.Errorf("Open(%q) error %q does not list the known specs", name, err)
		}
	}
}

// TestSpecsDecodeStrictly checks every shipped spec against the Go spec
// types (unknown keys are errors) and lints what the types cannot: every
// template parses, every placeholder names a declared var or an earlier
// resource, and keys built from a parent name an included parent field.
// It stands in for `pipe validate` until the engine can load specs.
func TestSpecsDecodeStrictly(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			_, data, err := Open(name)
			if err != nil {
				t.Fatal(err)
			}
			s, err := decodeStrict(data)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != name {
				t.Errorf("name = %q, want %q", s.Name, name)
			}
			for _, p := range lintSpec(s, data) {
				t.Error(p)
			}
		})
	}
}

func decodeStrict(data []byte) (*spec.Spec, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var s spec.Spec
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &s, nil
}

// lintSpec returns the problems found in a decoded spec.
func lintSpec(s *spec.Spec, data []byte) []string {
	var probs []string
	errorf := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	for name, v := range s.Vars {
		if v.Default != nil && len(v.Enum) > 0 && !slices.Contains(v.Enum, *v.Default) {
			errorf("vars.%s: default %q not in enum %v", name, *v.Default, v.Enum)
		}
	}
	// Every string in the document must be a valid template whose
	// placeholders resolve.
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return []string{err.Error()}
	}
	var doc any
	if err := json.Unmarshal(js, &doc); err != nil {
		return []string{err.Error()}
	}
	declared := map[string]bool{}
	for _, r := range s.Resources {
		declared[r.Name] = true
	}
	walkStrings(doc, "", func(path, str string) {
		tpl, err := spec.ParseTemplate(str)
		if err != nil {
			errorf("%s: %v", path, err)
			return
		}
		for _, p := range tpl.Placeholders() {
			switch p.Namespace {
			case spec.NSVars:
				if _, ok := s.Vars[p.Name]; !ok {
					errorf("%s: %s names an undeclared var", path, p)
				}
			case spec.NSResources:
				if !declared[p.Name] {
					errorf("%s: %s names an unknown resource", path, p)
				}
			case spec.NSSecrets:
				if strings.ToLower(p.Name) != p.Name {
					errorf("%s: secret %s should be lower case (read from the upper-cased env var)", path, p)
				}
			}
		}
	})
	seen := map[string]bool{}
	for i, r := range s.Resources {
		parents := resourceParents(r)
		for _, p := range parents {
			if !seen[p] {
				errorf("resources[%d] %s: parent %q is not declared before it", i, r.Name, p)
			}
		}
		if len(r.IncludeFromParent) > 0 && len(parents) != 1 {
			errorf("resources[%d] %s: include_from_parent with parents %v", i, r.Name, parents)
		}
		for _, k := range r.PrimaryKey {
			if !strings.HasPrefix(k, "_") {
				continue
			}
			ok := false
			for name, v := range s.Vars {
				ok = ok || v.List && k == "_"+schema.SnakeCase(name)
			}
			for _, p := range parents {
				for _, f := range r.IncludeFromParent {
					ok = ok || k == "_"+schema.SnakeCase(p)+"_"+schema.SnakeCase(f)
				}
			}
			if !ok {
				errorf("resources[%d] %s: primary key %q is not an included parent field (nor a list variable column)", i, r.Name, k)
			}
		}
		seen[r.Name] = true
	}
	return probs
}

// resourceParents returns the resources a resource's endpoint refers to.
func resourceParents(r spec.Resource) []string {
	if r.Endpoint == nil {
		return nil
	}
	strs := []string{r.Endpoint.Path}
	for _, p := range r.Endpoint.Params {
		strs = append(strs, p.Value)
	}
	var out []string
	for _, str := range strs {
		tpl, err := spec.ParseTemplate(str)
		if err != nil {
			continue // reported by the walk
		}
		for _, p := range tpl.Placeholders() {
			if p.Namespace == spec.NSResources && !slices.Contains(out, p.Name) {
				out = append(out, p.Name)
			}
		}
	}
	return out
}

func walkStrings(v any, path string, fn func(path, s string)) {
	switch v := v.(type) {
	case string:
		fn(path, v)
	case map[string]any:
		for k, e := range v {
			walkStrings(e, strings.TrimPrefix(path+"."+k, "."), fn)
		}
	case []any:
		for i, e := range v {
			walkStrings(e, path+"["+strconv.Itoa(i)+"]", fn)
		}
	}
}

// TestLintCatches keeps the lint honest: each broken spec must be reported.
func TestLintCatches(t *testing.T) {
	const head = "name: x\nclient: {base_url: \"http://h/\"}\nvars: {v: {default: a, enum: [a, b]}}\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"undeclared var", head + "resources: [{name: a, endpoint: {path: \"{vars.nope}\"}}]", "undeclared var"},
		{"unknown parent", head + "resources: [{name: a, endpoint: {path: \"x/{resources.b.id}\"}}]", "unknown resource"},
		{"parent after child", head + "resources: [{name: a, endpoint: {path: \"x/{resources.b.id}\"}}, {name: b}]", "not declared before"},
		{"bad namespace", head + "resources: [{name: a, endpoint: {path: \"{env.X}\"}}]", "unknown placeholder namespace"},
		{"upper secret", head + "resources: [{name: a, endpoint: {headers: {X: \"{secrets.TOKEN}\"}}}]", "lower case"},
		{"key not included", head + "resources: [{name: b}, {name: a, primary_key: [id, _b_id], endpoint: {path: \"x/{resources.b.id}\"}}]", "not an included parent field"},
		{"default outside enum", "name: x\nclient: {base_url: \"http://h/\"}\nvars: {v: {default: c, enum: [a, b]}}\nresources: [a]", "not in enum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := decodeStrict([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			probs := lintSpec(s, []byte(tt.yaml))
			if !strings.Contains(strings.Join(probs, "\n"), tt.want) {
				t.Fatalf("problems %q, want one containing %q", probs, tt.want)
			}
		})
	}
}

func TestDecodeStrictRejectsUnknownKeys(t *testing.T) {
	_, err := decodeStrict([]byte("name: x\nclient: {base_url: b, pagintor: {type: auto}}\nresources: [a]"))
	if err == nil || !strings.Contains(err.Error(), "pagintor") {
		t.Fatalf("error = %v, want unknown field pagintor", err)
	}
}

// TestSpecsMatchSchema validates every shipped spec against the JSON
// Schema that editors and `pipe validate` use.
func TestSpecsMatchSchema(t *testing.T) {
	const url = "https://github.com/pipe-etl/pipe/schemas/spec.schema.json"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, bytes.NewReader(schemas.SpecJSON)); err != nil {
		t.Fatalf("add schema: %v", err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			_, data, err := Open(name)
			if err != nil {
				t.Fatal(err)
			}
			js, err := yaml.YAMLToJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := json.Unmarshal(js, &doc); err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Fatalf("%#v", err)
			}
		})
	}
}

// TestSamplesAreJSON keeps the response samples loadable.
func TestSamplesAreJSON(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("*", "testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("only %d samples found", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b) {
			t.Errorf("%s is not valid JSON", f)
		}
	}
}
