package snykfake

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// TestShapesMatchSamples checks the fake's records against the response
// samples shipped with the snyk spec (sources/snyk/testdata, shaped after
// the real API): every key path of a sample record must occur in the
// fake's records of that kind.
func TestShapesMatchSamples(t *testing.T) {
	snap := New(smallConfig()).Snapshot()
	var pkgIssues []any
	for _, p := range snap.Purls {
		pkgIssues = append(pkgIssues, snap.PackageIssues[p])
	}
	var graphs []any
	for _, g := range snap.DepGraphs {
		graphs = append(graphs, g)
	}
	var pols []any
	for _, o := range snap.Orgs {
		pols = append(pols, snap.Policies[o.ID])
	}
	projects := append([]Project{}, snap.Projects...)
	projects[0].Meta.CLIMonitoredAt = nil // the sample has the null form
	tests := []struct {
		sample string // in sources/snyk/testdata
		at     string // the sample's key holding the records
		fake   any
	}{
		{"self.json", "data", snap.Self},
		{"orgs_page1.json", "data", snap.Orgs},
		{"projects.json", "data", projects},
		{"issues.json", "data", snap.Issues},
		{"policies.json", "data", pols},
		{"package_issues.json", "data", pkgIssues},
		{"dep_graph.json", "depGraph", graphs},
	}
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "..", "sources", "snyk", "testdata", tt.sample))
			if err != nil {
				t.Fatal(err)
			}
			missing, err := fakecore.MissingKeys(raw, tt.at, tt.fake)
			if err != nil {
				t.Fatal(err)
			}
			if len(missing) > 0 {
				t.Errorf("fake records lack %v", missing)
			}
		})
	}
}
