package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestPlanShowsFanOut: pipe plan shows a resource that runs one request
// chain per item of its parent's list, in every format: the text's
// parent line, JSON's "each", and the graphs' labelled edge.
func TestPlanShowsFanOut(t *testing.T) {
	spec := "../../engine/testdata/apis/fanlist_tenable.yml"
	code, out, errOut := run(t, nil, "plan", spec)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"parent: export_status (one request chain per distinct item of chunks_available[*] in each export_status record; uses _exports_export_uuid, chunks_available[*])",
		"include_from_parent: chunks_available[*] (the item in column _export_status_chunks_available)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = run(t, nil, "plan", "--json", spec)
	var doc struct {
		Resources []struct{ Name, Parent, Each string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	each := map[string]string{}
	for _, r := range doc.Resources {
		each[r.Name] = r.Each
	}
	if each["findings"] != "chunks_available[*]" || each["export_status"] != "" {
		t.Errorf("json each = %v, want chunks_available[*] for findings only", each)
	}
	_, out, _ = run(t, nil, "plan", "--format", "mermaid", spec)
	if !strings.Contains(out, `r1 -->|"each chunks_available[*]"| r2`) || !strings.Contains(out, "r0 --> r1\n") {
		t.Errorf("mermaid:\n%s", out)
	}
	_, out, _ = run(t, nil, "plan", "--format", "dot", spec)
	if !strings.Contains(out, `"export_status" -> "findings" [label="each chunks_available[*]"];`) {
		t.Errorf("dot:\n%s", out)
	}
}
