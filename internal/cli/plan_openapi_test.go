package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanOpenAPI(t *testing.T) {
	for _, name := range []string{"snyk_like", "stripe_like"} {
		t.Run(name, func(t *testing.T) {
			specFile := filepath.Join("..", "openapi", "testdata", name+".golden.yml")
			doc := filepath.Join("..", "openapi", "testdata", name+".yaml")
			code, stdout, stderr := run(t, nil, "plan", specFile, "--openapi", doc)
			if code != ExitOK {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			_, tables, _ := strings.Cut(stdout, "\ntables promised by ")
			golden(t, "plan_openapi_"+name+".txt", "tables promised by "+tables)
		})
	}
}

// TestPlanOpenAPIBeside finds openapi.yaml beside the spec without a flag.
func TestPlanOpenAPIBeside(t *testing.T) {
	dir := t.TempDir()
	for from, to := range map[string]string{"snyk_like.golden.yml": "spec.yml", "snyk_like.yaml": "openapi.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "openapi", "testdata", from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := run(t, nil, "plan", filepath.Join(dir, "spec.yml"))
	if code != ExitOK || !strings.Contains(stdout, "projects__attributes__tags (child of projects)") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}
