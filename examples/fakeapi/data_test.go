package fakeapi

import (
	"reflect"
	"regexp"
	"testing"
	"time"
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
