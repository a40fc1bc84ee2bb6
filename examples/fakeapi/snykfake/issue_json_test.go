package snykfake

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestAppendIssueMatchesEncodingJSON checks the hand-written encoder
// against encoding/json, byte for byte, on every kind of issue and on
// values that need escaping.
func TestAppendIssueMatchesEncodingJSON(t *testing.T) {
	c := smallConfig()
	c.IssuesPerOrg = 400
	s := New(c)
	issues := s.Snapshot().Issues
	kinds := map[string]bool{}
	odd := issues[0]
	odd.Attributes.Title = "quote \" backslash \\ tab \t <html> & é \u2028"
	odd.Attributes.Problems = nil
	odd.Attributes.Severities = []Severity{{Type: "primary", Source: "Snyk", Level: "low", Score: 1e-7}, {Source: "NVD", Level: "high", Score: 0}}
	odd.Attributes.Coordinates[0].Representations = append(odd.Attributes.Coordinates[0].Representations,
		Representation{ResourcePath: "[,1.0)", Package: &PackageRef{Name: "a", Version: "1", Type: "npm", URL: "pkg:npm/a@1"}})
	odd.Attributes.Risk = &Risk{Factors: []string{"f1", "f2"}}
	odd.Relationships.ScanItem = nil
	odd.Attributes.Resolution = &Resolution{Type: "fixed", ResolvedAt: "x", Details: "d"}
	for _, is := range append(issues, odd) {
		kinds[is.Attributes.Type] = true
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(is); err != nil {
			t.Fatal(err)
		}
		got := appendIssue(nil, &is)
		if !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Fatalf("issue %s:\n got %s\nwant %s", is.ID, got, want.Bytes())
		}
	}
	if len(kinds) != 3 {
		t.Errorf("kinds covered: %v, want all three", kinds)
	}
}
