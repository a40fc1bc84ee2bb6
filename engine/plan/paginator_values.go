package plan

import (
	"slices"

	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/spec"
)

// placeValues records in r's paginator the values its request templates
// write as {paginator.NAME} (rest.PaginatorConfig.Placed), and refuses a
// value the paginator does not have: one inherited from resource_defaults
// that the resource's own paginator lacks.
func placeValues(errs *errorList, at string, r *Resource) {
	var names []string
	r.EachTemplate(func(t spec.Template) {
		for _, part := range t.Placeholders() {
			if part.Namespace == spec.NSPaginator && !slices.Contains(names, part.Name) {
				names = append(names, part.Name)
			}
		}
	})
	if len(names) == 0 {
		return
	}
	slices.Sort(names)
	r.Paginator.Placed = names
	if _, err := rest.NewPaginator(r.Paginator, nil, nil); err != nil && r.Paginator.Type != rest.KindJSONLink {
		errs.add(at, "resource %q: %v", r.Name, err)
	}
}
