package engine

import (
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/plan"
)

func names(rs []*plan.Resource) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ",")
}

// TestCompletionOrder: a resource completes when its parent has and none
// of its chains is outstanding; children of a parent without records
// complete with it.
func TestCompletionOrder(t *testing.T) {
	p := &plan.Plan{Resources: []*plan.Resource{
		{Name: "orgs", Needed: true},
		{Name: "projects", Parent: "orgs", Needed: true},
		{Name: "deps", Parent: "projects", Needed: true},
		{Name: "members", Parent: "orgs", Needed: true},
		{Name: "unused", Parent: "orgs"},
	}}
	c := newCompletion(p)
	orgs, projects, deps := p.Resources[0], p.Resources[1], p.Resources[2]
	c.add("orgs", 1)
	if got := names(c.rootsSubmitted()); got != "" {
		t.Fatalf("completed before any chain ended: %s", got)
	}
	// The org chain submits two project chains, then ends.
	c.add("projects", 2)
	if got := names(c.finish(orgs)); got != "orgs,members" {
		t.Errorf("after orgs: %s, want orgs and members (no member chains were submitted)", got)
	}
	c.add("deps", 1)
	if got := names(c.finish(projects)); got != "" {
		t.Errorf("one of two project chains ended: %s", got)
	}
	if got := names(c.finish(projects)); got != "projects" {
		t.Errorf("both project chains ended: %s, want projects (a deps chain is outstanding)", got)
	}
	if got := names(c.finish(deps)); got != "deps" {
		t.Errorf("last deps chain ended: %s", got)
	}
}
