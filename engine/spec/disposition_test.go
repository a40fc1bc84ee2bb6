package spec

import (
	"strings"
	"testing"
)

// TestDispositionMapping: dlt's write_disposition mapping is read as its
// disposition for the strategies whose result pipe's disposition gives,
// and refused, at the field, for the others.
func TestDispositionMapping(t *testing.T) {
	resource := func(wd string) string {
		return "client: {base_url: \"https://api.test/\"}\nresources:\n  - name: items\n    primary_key: id\n    write_disposition: " + wd + "\n"
	}
	for _, c := range []struct{ wd, want, err string }{
		{"merge", "merge", ""},
		{"{disposition: merge}", "merge", ""},
		{"{disposition: merge, strategy: upsert}", "merge", ""},
		{"{disposition: merge, strategy: delete-insert}", "merge", ""},
		{"{disposition: replace, strategy: truncate-and-insert}", "replace", ""},
		{"{disposition: replace, strategy: insert-from-staging}", "replace", ""},
		{"{disposition: replace, strategy: staging-optimized}", "replace", ""},
		{"{disposition: append}", "append", ""},
		{"{disposition: merge, strategy: scd2}", "", `s.yml:5:55: resources[0].write_disposition.strategy: unknown value "scd2" (want one of upsert, delete-insert)`},
		{"{disposition: append, strategy: upsert}", "", `s.yml:5:56: resources[0].write_disposition.strategy: not allowed`},
		{"{disposition: replace, strategy: upsert}", "", `s.yml:5:57: resources[0].write_disposition.strategy: unknown value "upsert" (want one of truncate-and-insert, insert-from-staging, staging-optimized)`},
		{"{strategy: upsert}", "", `s.yml:5:24: resources[0].write_disposition: missing required field "disposition"`},
		{"{disposition: merge, key: id}", "", `unknown field "key"`},
	} {
		s, err := Load("s.yml", []byte(resource(c.wd)))
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err = %v, want %s", c.wd, err, c.err)
			}
		case err != nil:
			t.Errorf("%s: %v", c.wd, err)
		case string(s.Resources[0].WriteDisposition) != c.want:
			t.Errorf("%s: disposition %q, want %q", c.wd, s.Resources[0].WriteDisposition, c.want)
		}
	}
}
