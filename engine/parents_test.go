package engine

import (
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/plan"
)

// TestParentCheck: a key met again fails the load only when it comes
// from another parent chain with another text.
func TestParentCheck(t *testing.T) {
	res := &plan.Resource{Name: "members", Table: "members", Parent: "groups", ParentFields: []string{"id"}, PrimaryKey: []string{"id"}}
	rec := func(id string, text uint64) []keyedRecord {
		return []keyedRecord{{id: id, key: "id=" + id, text: text}}
	}
	for _, c := range []struct {
		name   string
		second string // the parent of the second page
		recs   []keyedRecord
		err    string
	}{
		{"the same record under another parent", "id=g2", rec("u1", 7), ""},
		{"another version under the same parent", "id=g1", rec("u1", 8), ""},
		{"another key under another parent", "id=g2", rec("u2", 8), ""},
		{"another version under another parent", "id=g2", rec("u1", 8),
			`table "members": the record id=u1 (_pipe_id "u1") came from two groups records with different contents in one load (id=g1, then id=g2), and its row could keep only one of them: primary_key [id] does not tell them apart; keep the parent in the rows and in the key: include_from_parent: [id] and primary_key: [id, _groups_id]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var pc parentCheck
			if err := pc.check(res, "id=g1", rec("u1", 7)); err != nil {
				t.Fatal(err)
			}
			err := pc.check(res, c.second, c.recs)
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("err = %v, want none", err)
			case c.err != "" && (err == nil || err.Error() != c.err):
				t.Fatalf("err = %v\nwant %s", err, c.err)
			}
		})
	}
	var later parentCheck // a record updated under g1, then met as it is now under g2
	for _, step := range []struct {
		parent string
		text   uint64
	}{{"id=g1", 7}, {"id=g1", 8}, {"id=g2", 8}} {
		if err := later.check(res, step.parent, rec("u1", step.text)); err != nil {
			t.Fatalf("%s: %v", step.parent, err)
		}
	}
	var pc parentCheck
	if err := pc.check(res, "id=g1", nil); err != nil || pc.resources != nil {
		t.Errorf("an empty page: err %v, resources %v", err, pc.resources)
	}
	if !strings.Contains(parentConflictError(&plan.Resource{Table: "t", Parent: "orgs", ParentFields: []string{"slug", "owner.login"}, PrimaryKey: []string{"id"}}, keyedRecord{id: "x", key: "id=1"}, "a", "b").Error(),
		"include_from_parent: [slug, owner.login] and primary_key: [id, _orgs_slug, _orgs_owner_login]") {
		t.Error("two parent fields: both in the hint")
	}
}
