package checkmarxfake

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// TestShapesMatchSamples checks the fake's records against the response
// samples shipped with the checkmarx_sca spec (sources/checkmarx_sca/
// testdata, shaped after the real API): every key path of a sample record
// must occur in the fake's records of that kind.
func TestShapesMatchSamples(t *testing.T) {
	snap := New(smallConfig()).Snapshot()
	var pkgs, vulns, lics []any
	for _, sc := range snap.Scans {
		pkgs = append(pkgs, snap.Packages[sc.ScanID])
		vulns = append(vulns, snap.Vulnerabilities[sc.ScanID])
		lics = append(lics, snap.Licenses[sc.ScanID])
	}
	tests := []struct {
		sample string // in sources/checkmarx_sca/testdata, bare lists
		fake   any
	}{
		{"projects.json", snap.Projects},
		{"scans.json", snap.Scans},
		{"risk_reports.json", snap.RiskReports},
		{"packages.json", pkgs},
		{"vulnerabilities.json", vulns},
		{"licenses.json", lics},
	}
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "..", "sources", "checkmarx_sca", "testdata", tt.sample))
			if err != nil {
				t.Fatal(err)
			}
			missing, err := fakecore.MissingKeys(raw, "", tt.fake)
			if err != nil {
				t.Fatal(err)
			}
			if len(missing) > 0 {
				t.Errorf("fake records lack %v", missing)
			}
		})
	}
}
