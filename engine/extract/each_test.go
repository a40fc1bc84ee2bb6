package extract

import (
	"errors"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// TestItems: the items a fan-out runs one chain for, and the lists it
// refuses, for F[*] and F[*].G.
func TestItems(t *testing.T) {
	chunks := &plan.Resource{Name: "findings", Parent: "status", EachList: "chunks", ParentFields: []string{"uuid", "chunks[*]"}}
	subtasks := &plan.Resource{Name: "subtasks", Parent: "issues", EachList: "fields.subtasks", ParentFields: []string{"fields.subtasks[*].key"}}
	cases := []struct {
		name string
		res  *plan.Resource
		rec  string
		want []string // the items' texts, or the error's parts
		err  bool
	}{
		{"numbers", chunks, `{"chunks": [1, 2, 3]}`, []string{"1", "2", "3"}, false},
		{"strings", chunks, `{"chunks": ["a/b", "c"]}`, []string{`"a/b"`, `"c"`}, false},
		{"empty", chunks, `{"chunks": []}`, nil, false},
		{"null", chunks, `{"chunks": null}`, nil, false},
		{"duplicates", chunks, `{"chunks": [2, 1, 2, 1]}`, []string{"2", "1"}, false},
		{"objects by key", subtasks, `{"fields": {"subtasks": [{"key": "P-2", "id": "2"}, {"key": "P-3", "id": "3"}]}}`, []string{`{"key": "P-2", "id": "2"}`, `{"key": "P-3", "id": "3"}`}, false},
		{"same object twice", subtasks, `{"fields": {"subtasks": [{"key": "P-2"}, {"key": "P-2"}]}}`, []string{`{"key": "P-2"}`}, false},
		{"same object, other spacing", subtasks, `{"fields": {"subtasks": [{"key": "P-2"}, {"key":"P-2"}]}}`, []string{`{"key": "P-2"}`}, false},

		{"missing", chunks, `{"uuid": "u", "total": 3}`, []string{`{resources.status.chunks[*]}: the status record has no field "chunks" (it has keys uuid, total)`}, true},
		{"missing nested", subtasks, `{"fields": {"summary": "s"}}`, []string{`no field "fields.subtasks" (fields has keys summary)`}, true},
		{"a number", chunks, `{"chunks": 3}`, []string{`field "chunks" of the status record is a number (3), not a list`, "for one value write {resources.status.chunks}"}, true},
		{"changes type", chunks, `{"chunks": [1, "2"]}`, []string{`item 2 of "chunks" in the status record is a string ("2") where item 1 is a number`}, true},
		{"object item", chunks, `{"chunks": [{"id": 1}]}`, []string{"item 1", "is an object", "{resources.status.chunks[*].FIELD}"}, true},
		{"list item", chunks, `{"chunks": [[1]]}`, []string{"item 1", "is a list"}, true},
		{"null item", chunks, `{"chunks": [1, null]}`, []string{"item 2", "is null"}, true},
		{"bool item", chunks, `{"chunks": [true]}`, []string{"item 1", "is a boolean"}, true},
		{"item no object", subtasks, `{"fields": {"subtasks": ["P-2"]}}`, []string{`item 1 of "fields.subtasks" in the issues record is a string ("P-2"), not an object with a field "key"`}, true},
		{"item without G", subtasks, `{"fields": {"subtasks": [{"key": "P-2"}, {"id": "3"}]}}`, []string{`item 2 of "fields.subtasks" in the issues record has no field "key" (it has keys id)`}, true},
		{"G null", subtasks, `{"fields": {"subtasks": [{"key": null}]}}`, []string{`has "key" null`}, true},
		{"G changes type", subtasks, `{"fields": {"subtasks": [{"key": "P-2"}, {"key": 3}]}}`, []string{"item 2", "a number (3) where item 1 is a string"}, true},
		{"one number written twice", chunks, `{"chunks": [1, 1.0]}`, []string{"send the same values (1) but differ (item 1: 1; item 2: 1.0)"}, true},
		{"same G, other fields", subtasks, `{"fields": {"subtasks": [{"key": "P-2", "id": "2"}, {"key": "P-3"}, {"key": "P-2", "id": "9"}]}}`, []string{`send the same values (P-2) but differ (item 1: {"key": "P-2", "id": "2"}; item 3: {"key": "P-2", "id": "9"})`}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &Parent{Resource: c.res.Parent, Record: gjson.Parse(c.rec)}
			got, err := (&Extractor{}).Items(c.res, p)
			if c.err {
				var ee *EachError
				if err == nil || !errors.As(err, &ee) {
					t.Fatalf("Items = %v, %v; want an EachError", got, err)
				}
				for _, part := range c.want {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("err = %v\nwant it to hold %s", err, part)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, g := range got {
				texts = append(texts, g.Raw)
			}
			if strings.Join(texts, " ") != strings.Join(c.want, " ") {
				t.Errorf("items %q, want %q", texts, c.want)
			}
		})
	}
}

// TestItemsErrorRedacted: a credential the API echoes in a list value
// is not quoted by the error.
func TestItemsErrorRedacted(t *testing.T) {
	red := rest.NewRedactor()
	red.Add("s3cr3t-t0ken")
	res := &plan.Resource{Name: "findings", Parent: "status", EachList: "chunks", ParentFields: []string{"chunks[*]"}}
	_, err := (&Extractor{Redactor: red}).Items(res, &Parent{Resource: "status", Record: gjson.Parse(`{"chunks": "s3cr3t-t0ken"}`)})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "***") {
		t.Errorf("err = %v, want the credential as ***", err)
	}
}

// TestChainItemFields: a fan-out chain reads F[*] and F[*].G in its
// item, other fields in its parent record, and its state key holds the
// item's values.
func TestChainItemFields(t *testing.T) {
	res := &plan.Resource{Name: "subtasks", Parent: "issues", EachList: "fields.subtasks", ParentFields: []string{"key", "fields.subtasks[*].key"}}
	rec := gjson.Parse(`{"key": "P-1", "fields": {"subtasks": [{"key": "P-2", "id": "2"}]}}`)
	c := Chain{Resource: res, Parent: &Parent{Resource: "issues", Record: rec}, Element: rec.Get("fields.subtasks.0")}
	for path, want := range map[string]string{"key": "P-1", "fields.subtasks[*].key": "P-2", "fields.subtasks[*].id": "2", "fields.subtasks[*]": `{"key": "P-2", "id": "2"}`} {
		if v, ok := c.ParentField(path); !ok || v.String() != want {
			t.Errorf("ParentField(%q) = %q, %v; want %q", path, v.String(), ok, want)
		}
	}
	if _, ok := c.ParentField("fields.subtasks[*].missing"); ok {
		t.Error("a field the item lacks was found")
	}
	if got := string(c.Key().ParentKey); !strings.Contains(got, "key=P-1") || !strings.Contains(got, "fields.subtasks[*].key=P-2") {
		t.Errorf("key %q, want the parent's key and the item's", got)
	}
	v, err := parentField(c, spec.Part{Namespace: spec.NSResources, Name: "issues", Field: "fields.subtasks[*].key"})
	if err != nil || v.String() != "P-2" {
		t.Errorf("placeholder value %q, %v; want P-2", v.String(), err)
	}
}

// TestParentValueWithNUL: a parent record's text that holds a NUL byte is
// refused by both lookups, so that it cannot forge the slot of a
// {paginator.*} value (rest.Slot) in a child's request.
func TestParentValueWithNUL(t *testing.T) {
	res := &plan.Resource{Name: "items", Parent: "orgs", ParentFields: []string{"id"}}
	c := Chain{Resource: res, Parent: &Parent{Resource: "orgs", Record: gjson.Parse(`{"id": "a\u0000paginator.offset\u0000"}`)}}
	part := spec.Part{Namespace: spec.NSResources, Name: "orgs", Field: "id"}
	x := &Extractor{}
	if v, err := x.Lookup(t.Context(), c)(part); err == nil || !strings.Contains(err.Error(), "NUL byte") {
		t.Errorf("Lookup = %q, %v; want an error naming the NUL byte", v, err)
	}
	if v, _, err := x.typedLookup(c)(part); err == nil || !strings.Contains(err.Error(), "NUL byte") {
		t.Errorf("typedLookup = %v, %v; want an error naming the NUL byte", v, err)
	}
	ok := Chain{Resource: res, Parent: &Parent{Resource: "orgs", Record: gjson.Parse(`{"id": "o-1"}`)}}
	if v, err := x.Lookup(t.Context(), ok)(part); err != nil || v != "o-1" {
		t.Errorf("Lookup = %q, %v; want o-1", v, err)
	}
}
