package snykfake

import "testing"

// TestIssuesAgreeWithDepGraphs: every open-source issue names a package
// that its project's dep graph holds.
func TestIssuesAgreeWithDepGraphs(t *testing.T) {
	snap := New(smallConfig()).Snapshot()
	for _, is := range snap.Issues {
		if is.Attributes.Type == "code" {
			continue
		}
		dep := is.Attributes.Coordinates[0].Representations[0].Dependency
		g := snap.DepGraphs[is.Relationships.ScanItem.Data.ID]
		found := false
		for _, p := range g.Pkgs {
			found = found || p.Info.Name == dep.PackageName && p.Info.Version == dep.PackageVersion
		}
		if !found {
			t.Errorf("issue %s: %s@%s not in its project's dep graph", is.ID, dep.PackageName, dep.PackageVersion)
		}
	}
}
