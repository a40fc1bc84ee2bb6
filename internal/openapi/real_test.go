package openapi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/internal/openapi/openapitest"
)

// generateFile parses and generates a spec from a document in dir, and
// loads the result with the real spec loader.
func generateFile(t *testing.T, path string, o Options) (*Result, *spec.Spec) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if o.Source == "" {
		o.Source = filepath.Base(path)
	}
	res, err := Generate(d, o)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	s, err := spec.Load(o.Source+".yml", res.YAML)
	if err != nil {
		t.Fatalf("%s: generated spec does not validate: %v\n%s", path, err, res.YAML)
	}
	return res, s
}

func TestRealDocuments(t *testing.T) {
	dir := openapitest.Docs(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.*"))
	for _, f := range files {
		if strings.HasSuffix(f, ".md") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			res, s := generateFile(t, f, Options{})
			t.Logf("%d resources, %d skipped", len(s.Resources), len(res.Skipped))
			if os.Getenv("PIPE_DUMP") != "" {
				os.WriteFile("/tmp/gen_"+filepath.Base(f)+".yml", res.YAML, 0o644)
			}
		})
	}
}
