package spec

import (
	"fmt"
	"strings"
)

// checkEach checks a resource's parent fields for each item of a list
// ({resources.P.F[*]}, {resources.P.F[*].G}, a resolve param's field
// "F[*]"): each written as CheckEachField wants, one list per resource
// (its chains are one per item of it), and include_from_parent and
// add_field from_parent entries that name items of that list only,
// without two entries filling one column.
func (c *checker) checkEach(base string, r *Resource, refs []parentRef) {
	list, listAt, parent := "", "", "PARENT"
	for _, ref := range refs {
		parent = ref.name
		at := ref.path
		if resolve, ok := strings.CutSuffix(at, ".resource"); ok {
			at = resolve + ".field" // a resolve param's field
		}
		if err := CheckEachField(ref.field); err != nil {
			c.errorf(at, "{resources.%s.%s}: %v", ref.name, ref.field, err)
			continue
		}
		l, _, ok := EachItem(ref.field)
		switch {
		case !ok:
		case list == "":
			list, listAt = l, at
		case l != list:
			c.errorf(at, "resource %q runs one request chain per item of %s (at %s) and cannot also fan out over %s: a resource fans out over one list (a child resource of this one can fan out over another)", r.Name, list+EachMark, listAt, l+EachMark)
		}
	}
	fromParent := func(at, field string) {
		if err := CheckEachField(field); err != nil {
			c.errorf(at, "%v", err)
			return
		}
		l, _, ok := EachItem(field)
		switch {
		case !ok || l == list:
		case list == "":
			c.errorf(at, "%q names each item of %s, but the resource's requests do not fan out over it: write {resources.%s.%s} in its endpoint for one request chain per item", field, l, parent, field)
		default:
			c.errorf(at, "%q names each item of %s, but the resource's requests fan out over %s", field, l, list+EachMark)
		}
	}
	columns := map[string]string{} // column suffix -> the entry that fills it
	for i, f := range r.IncludeFromParent {
		at := fmt.Sprintf("%s.include_from_parent[%d]", base, i)
		fromParent(at, f)
		col := strings.ToLower(EachColumn(f))
		if first, dup := columns[col]; dup && first != f {
			c.errorf(at, "%q and %q both fill the column _%s_%s (the item and the whole list): keep one", first, f, parent, strings.ReplaceAll(col, ".", "_"))
		}
		columns[col] = f
	}
	for j, st := range r.ProcessingSteps {
		if a := st.AddField; a != nil && a.FromParent != "" {
			fromParent(fmt.Sprintf("%s.processing_steps[%d].add_field.from_parent", base, j), a.FromParent)
		}
	}
}
