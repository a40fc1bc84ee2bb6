package fakeapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/snykfake"
)

func TestDeterministic(t *testing.T) {
	a, b := New(smallConfig()).Snapshot(), New(smallConfig()).Snapshot()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two fakes with the same Config hold different data")
	}
	c := smallConfig()
	c.Seed = 2
	other := New(c).Snapshot()
	if other.Orgs[0].ID == a.Orgs[0].ID || other.Issues[0].ID == a.Issues[0].ID {
		t.Fatal("a different seed gave the same ids")
	}
	if len(a.Orgs) != 3 || len(a.Projects) != 12 || len(a.Issues) != 3*137 || len(a.Checkmarx.Projects) != 4 || len(a.Checkmarx.Scans) != 100 {
		t.Fatalf("sizes: %d orgs, %d projects, %d issues, %d cx projects, %d scans",
			len(a.Orgs), len(a.Projects), len(a.Issues), len(a.Checkmarx.Projects), len(a.Checkmarx.Scans))
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestIDsAndKeys(t *testing.T) {
	snap := New(smallConfig()).Snapshot()
	seen := map[string]string{}
	check := func(kind, id string) {
		if !uuidRE.MatchString(id) {
			t.Errorf("%s id %q is not a v4 uuid", kind, id)
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("%s id %s already used by a %s", kind, id, prev)
		}
		seen[id] = kind
	}
	check("user", snap.Self.ID)
	for _, g := range snap.Groups {
		check("group", g.ID)
	}
	for _, o := range snap.Orgs {
		check("org", o.ID)
		for _, p := range snap.Policies[o.ID] {
			check("policy", p.ID)
		}
	}
	for _, p := range snap.Projects {
		check("project", p.ID)
	}
	keys := map[string]bool{}
	kinds := map[string]int{}
	for _, is := range snap.Issues {
		check("issue", is.ID)
		k := is.Relationships.ScanItem.Data.ID + "|" + is.Attributes.Key
		if keys[k] {
			t.Errorf("issue key %q repeats within a project", is.Attributes.Key)
		}
		keys[k] = true
		kinds[is.Attributes.Type]++
		if _, err := time.Parse(time.RFC3339, is.Attributes.UpdatedAt); err != nil || is.Attributes.UpdatedAt < is.Attributes.CreatedAt {
			t.Errorf("issue %s: created %s, updated %s", is.ID, is.Attributes.CreatedAt, is.Attributes.UpdatedAt)
		}
	}
	if kinds["package_vulnerability"] == 0 || kinds["license"] == 0 || kinds["code"] == 0 {
		t.Errorf("issue types %v: want all three", kinds)
	}
	for _, p := range snap.Checkmarx.Projects {
		check("cx project", p.ID)
	}
	for _, sc := range snap.Checkmarx.Scans {
		check("cx scan", sc.ScanID)
	}
}

// keyPaths returns the dotted paths of every object key in v, with array
// indexes collapsed to [].
func keyPaths(v any, prefix string, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			p := strings.TrimPrefix(prefix+"."+k, ".")
			out[p] = true
			keyPaths(e, p, out)
		}
	case []any:
		for _, e := range v {
			keyPaths(e, prefix+"[]", out)
		}
	}
}

// TestShapesMatchSamples checks the fake's records against the response
// samples shipped with the specs (sources/*/testdata, shaped after the
// real APIs): every key path of a sample record must occur in the fake's
// records of that kind.
func TestShapesMatchSamples(t *testing.T) {
	s := New(smallConfig())
	snap := s.Snapshot()
	var scanLists []any
	for _, sc := range snap.Checkmarx.Scans {
		scanLists = append(scanLists, snap.Checkmarx.Packages[sc.ScanID])
	}
	var vulns, lics []any
	for _, sc := range snap.Checkmarx.Scans {
		vulns = append(vulns, snap.Checkmarx.Vulnerabilities[sc.ScanID])
		lics = append(lics, snap.Checkmarx.Licenses[sc.ScanID])
	}
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
	projects := append([]snykfake.Project{}, snap.Projects...)
	projects[0].Meta.CLIMonitoredAt = nil // the sample has the null form
	tests := []struct {
		sample string // relative to sources/
		path   string // gjson-free: where the records are in the sample
		fake   any
	}{
		{"snyk/testdata/self.json", "data", snap.Self},
		{"snyk/testdata/orgs_page1.json", "data[]", snap.Orgs},
		{"snyk/testdata/projects.json", "data[]", projects},
		{"snyk/testdata/issues.json", "data[]", snap.Issues},
		{"snyk/testdata/policies.json", "data[]", pols},
		{"snyk/testdata/package_issues.json", "data[]", pkgIssues},
		{"snyk/testdata/dep_graph.json", "depGraph", graphs},
		{"checkmarx_sca/testdata/projects.json", "", snap.Checkmarx.Projects},
		{"checkmarx_sca/testdata/scans.json", "", snap.Checkmarx.Scans},
		{"checkmarx_sca/testdata/risk_reports.json", "", snap.Checkmarx.RiskReports},
		{"checkmarx_sca/testdata/packages.json", "", scanLists},
		{"checkmarx_sca/testdata/vulnerabilities.json", "", vulns},
		{"checkmarx_sca/testdata/licenses.json", "", lics},
	}
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "sources", filepath.FromSlash(tt.sample)))
			if err != nil {
				t.Fatal(err)
			}
			var sample map[string]any
			var sampleList []any
			if json.Unmarshal(raw, &sampleList) == nil {
				sample = map[string]any{"": sampleList}
			} else if err := json.Unmarshal(raw, &sample); err != nil {
				t.Fatal(err)
			}
			want, have := map[string]bool{}, map[string]bool{}
			keyPaths(sample[strings.TrimSuffix(tt.path, "[]")], "", want)
			fakeJSON, _ := json.Marshal(tt.fake)
			var fake any
			json.Unmarshal(fakeJSON, &fake)
			keyPaths(fake, "", have)
			// Records may sit one or two list levels deep on either side.
			norm := func(m map[string]bool) map[string]bool {
				out := map[string]bool{}
				for p := range m {
					for strings.HasPrefix(p, "[]") || strings.HasPrefix(p, ".") {
						p = strings.TrimPrefix(strings.TrimPrefix(p, "[]"), ".")
					}
					out[p] = true
				}
				return out
			}
			have = norm(have)
			var missing []string
			for p := range norm(want) {
				if p != "" && !have[p] {
					missing = append(missing, p)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("fake records lack %v", missing)
			}
		})
	}
}
