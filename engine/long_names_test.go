package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine/schema"
)

// TestResourceNamePastIdentLimit: a resource whose name passes
// Postgres' 63 bytes gets tables named shortened, and a later run treats
// them as its own: a merge replaces the child rows a record no longer
// has, a replace swaps root and child tables, merge_key deletes the
// groups it meets. The writer looked them up by the uncut name, so in
// Postgres a replace left both tables empty and merge_key deleted
// nothing, exit 0.
func TestResourceNamePastIdentLimit(t *testing.T) {
	name := "security_findings_of_every_repository_of_the_organisation_" + strings.Repeat("x", 10)
	var version atomic.Int32
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if version.Load() == 1 {
			fmt.Fprint(w, `{"items": [{"id": 1, "team": "a", "tags": ["x", "y", "z"]}, {"id": 2, "team": "b", "tags": ["q"]}, {"id": 4, "team": "a", "tags": ["w"]}]}`)
			return
		}
		fmt.Fprint(w, `{"items": [{"id": 1, "team": "a", "tags": ["x"]}, {"id": 2, "team": "b", "tags": []}, {"id": 3, "team": "a", "tags": []}]}`)
	})
	o := newVendorOrigin(t, api)
	vars := map[string]string{"api_url": o.srv.URL}
	for _, tt := range []struct {
		name, disposition string
		roots, tags       []string // after the second run
	}{
		{"merge", "merge", []string{"1", "2", "3", "4"}, []string{"1|x", "4|w"}},
		{"merge_key", "merge\n    merge_key: team", []string{"1", "2", "3"}, []string{"1|x"}},
		{"replace", "replace", []string{"1", "2", "3"}, []string{"1|x"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			spec := fmt.Sprintf(`name: longnames
vars:
  api_url: {default: "https://api.example.com"}
client:
  base_url: "{vars.api_url}/"
  paginator: single_page
resources:
  - name: %s
    primary_key: id
    write_disposition: %s
    endpoint: {path: items, data_selector: items}
`, name, tt.disposition)
			forEachDest(t, func(t *testing.T, d *typesDest) {
				version.Store(1)
				d.run(t, "longnames", spec, vars, nil).mustLoad(t)
				version.Store(2)
				d.run(t, "longnames", spec, vars, nil).mustLoad(t)
				root, tags := name, name+"__tags"
				if d.name == "postgres" {
					root, tags = schema.Shorten(root, 63), schema.Shorten(tags, 63)
				}
				d.check(t, `SELECT id FROM "`+root+`" ORDER BY id`, tt.roots...)
				d.check(t, `SELECT r.id, c.value FROM "`+tags+`" c JOIN "`+root+`" r ON r._pipe_id = c._pipe_root_id ORDER BY r.id, c.value`, tt.tags...)
			})
		})
	}
}
