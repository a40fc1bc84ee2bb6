package plan_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// TestBuildMergeKey: merge_key is a merge's (with or without a primary
// key) and a spec error under another disposition.
func TestBuildMergeKey(t *testing.T) {
	for _, c := range []struct {
		name, resource, err string
	}{
		{"with a primary key", "primary_key: id\n    write_disposition: merge\n    merge_key: day", ""},
		{"alone", "write_disposition: merge\n    merge_key: [org.id, day]", ""},
		{"append", "primary_key: id\n    merge_key: day", "resources[0].merge_key: merge_key replaces the rows of the values a load meets, under write_disposition: merge only (this resource is append)"},
		{"merge without keys", "write_disposition: merge", "resources[0].write_disposition: merge needs a primary_key or a merge_key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := "client:\n  base_url: https://api.example.com/\nresources:\n  - name: events\n    " + c.resource + "\n"
			s, err := spec.Load("mk.yml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			p, err := plan.Build(s, plan.Options{LookupEnv: env(nil)})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if mk := p.Resources[0].MergeKey; len(mk) == 0 || !slices.Contains(mk, "day") {
				t.Errorf("MergeKey = %v", mk)
			}
		})
	}
}
