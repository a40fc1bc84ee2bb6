package plan_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// TestDescribeEachItem: pipe plan shows a fan-out over a parent's list:
// the list, the fields each chain reads, the item's column and the
// per-item cursor (testdata/each_item.plan; -update rewrites it).
func TestDescribeEachItem(t *testing.T) {
	p, err := plan.Build(load(t, "each_item.yml"), plan.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"findings": "chunks_available", "subtasks": "fields.subtasks", "comments": "", "issues": ""} {
		if got := p.Resource(name).EachList; got != want {
			t.Errorf("%s: EachList %q, want %q", name, got, want)
		}
	}
	var out bytes.Buffer
	if err := p.Describe(&out); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "each_item.plan")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("describe output differs from %s (run with -update):\n%s", golden, out.String())
	}
}

// TestRequestURLEscapesItems: an item is one path segment, escaped as
// any parent field is.
func TestRequestURLEscapesItems(t *testing.T) {
	p, err := plan.Build(load(t, "each_item.yml"), plan.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	u, err := p.RequestURL(p.Resource("subtasks"), func(part spec.Part) (string, error) { return "P/2 #3", nil })
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://api.example.com/issue/P%2F2%20%233"; u.String() != want {
		t.Errorf("url %s, want %s", u, want)
	}
}
