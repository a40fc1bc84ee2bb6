package cli

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// TestJSONShapesMatchREADME: the keys each --json prints are those the
// README's --json table lists for the command, no more and no fewer.
// Objects keyed by data (rows per table, vars) and the settings of a
// paginator or auth, which differ by kind, are not walked into.
func TestJSONShapesMatchREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	table := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(\\w+)` \\| (.*) \\|$").FindAllStringSubmatch(string(readme), -1) {
		table[m[1]] = m[2]
	}
	db := filepath.Join(t.TempDir(), "tracker.db")
	loadTracker(t, db)
	spec := filepath.Join("testdata", "tracker.yml")
	for _, c := range []struct {
		command string
		args    []string
	}{
		{"loads", []string{"loads", spec, "--dest", db, "--json"}},
		{"schema", []string{"schema", spec, "--dest", db, "--json"}},
		{"state", []string{"state", spec, "--dest", db, "--json"}},
		{"plan", []string{"plan", filepath.Join("testdata", "plan_compiled.yml"), "--json"}},
		{"version", []string{"version", "--json"}},
	} {
		t.Run(c.command, func(t *testing.T) {
			doc, ok := table[c.command]
			if !ok {
				t.Fatalf("README's --json table has no row for %s", c.command)
			}
			code, stdout, stderr := run(t, nil, c.args...)
			if code != ExitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			var v any
			if err := json.Unmarshal([]byte(stdout), &v); err != nil {
				t.Fatal(err)
			}
			shape, all := map[string]bool{}, map[string]bool{}
			jsonKeys(v, true, shape, all)
			documented := map[string]bool{}
			for _, m := range regexp.MustCompile(`"(\w+)"`).FindAllStringSubmatch(doc, -1) {
				documented[m[1]] = true
			}
			for _, k := range slices.Sorted(maps.Keys(shape)) {
				if !documented[k] {
					t.Errorf("%s --json prints %q, which README's table does not list", c.command, k)
				}
			}
			for _, k := range slices.Sorted(maps.Keys(documented)) {
				if !all[k] && !placeholderKeys[k] {
					t.Errorf("README's table lists %q for %s --json, which it does not print", k, c.command)
				}
			}
		})
	}
}

// placeholderKeys stand in the README for keys and values that are data.
var placeholderKeys = map[string]bool{"table": true, "id": true}

// dataObjects hold keys that are data or differ by kind: their keys count
// as printed but not as the command's shape.
var dataObjects = map[string]bool{"rows": true, "vars": true, "paginator": true, "auth": true}

func jsonKeys(v any, shapeLevel bool, shape, all map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			all[k] = true
			if shapeLevel {
				shape[k] = true
			}
			jsonKeys(e, shapeLevel && !dataObjects[k], shape, all)
		}
	case []any:
		for _, e := range x {
			jsonKeys(e, shapeLevel, shape, all)
		}
	}
}
