package spec

import (
	"strings"
	"testing"
)

func TestEachItem(t *testing.T) {
	cases := []struct {
		field, list, sub, column string
		ok                       bool
	}{
		{"chunks_available[*]", "chunks_available", "", "chunks_available", true},
		{"fields.subtasks[*].key", "fields.subtasks", "key", "fields.subtasks.key", true},
		{"items[*].owner.id", "items", "owner.id", "items.owner.id", true},
		{"id", "id", "", "id", false},
		{"fields.parent.key", "fields.parent.key", "", "fields.parent.key", false},
	}
	for _, c := range cases {
		list, sub, ok := EachItem(c.field)
		if list != c.list || sub != c.sub || ok != c.ok {
			t.Errorf("EachItem(%q) = %q, %q, %v, want %q, %q, %v", c.field, list, sub, ok, c.list, c.sub, c.ok)
		}
		if got := EachColumn(c.field); got != c.column {
			t.Errorf("EachColumn(%q) = %q, want %q", c.field, got, c.column)
		}
	}
}

func TestCheckEachField(t *testing.T) {
	cases := []struct{ field, err string }{
		{"chunks_available[*]", ""},
		{"fields.subtasks[*].key", ""},
		{"id", ""},
		{"items.#(id==3).name", ""}, // a gjson query: one value
		{"chunks_available.#", "gjson's # counts the items of a list (or collects them into one list), it does not run one request chain per item: write chunks_available[*]"},
		{"fields.subtasks.#.key", "write fields.subtasks[*].key"},
		{"[*]", "follows the path of a list"},
		{"a[*][*]", "one [*] per field"},
		{"a[*].b[*]", "one [*] per field"},
		{"a[*]b", "followed by nothing or by .FIELD"},
		{"a[*].", "is followed by no field"},
		{"a[0]", "a bracket in a parent field is only [*]"},
		{"a[*].b[0]", "a bracket in a parent field is only [*]"},
	}
	for _, c := range cases {
		err := CheckEachField(c.field)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("CheckEachField(%q) = %v, want nil", c.field, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("CheckEachField(%q) = %v, want an error holding %q", c.field, err, c.err)
		}
	}
}

// TestEachSpecErrors: pipe validate refuses a fan-out written wrong,
// positioned, with the spelling that works.
func TestEachSpecErrors(t *testing.T) {
	head := "client: {base_url: \"https://api.test/\"}\nresources:\n  - name: status\n"
	cases := []struct{ name, resource, want string }{
		{"count", `
  - name: chunks
    endpoint: {path: "chunks/{resources.status.chunks.#}"}
`, `s.yml:6:22: resources[1].endpoint.path: {resources.status.chunks.#}: "chunks.#": gjson's # counts the items of a list (or collects them into one list), it does not run one request chain per item: write chunks[*]`},
		{"two lists", `
  - name: chunks
    endpoint: {path: "chunks/{resources.status.chunks[*]}", params: {part: "{resources.status.parts[*]}"}}
`, `s.yml:6:76: resources[1].endpoint.params.part: resource "chunks" runs one request chain per item of chunks[*] (at resources[1].endpoint.path) and cannot also fan out over parts[*]: a resource fans out over one list (a child resource of this one can fan out over another)`},
		{"resolve", `
  - name: chunks
    endpoint:
      path: "chunks/{id}"
      params: {id: {type: resolve, resource: status, field: "chunks[*][*]"}}
`, `resources[1].endpoint.params.id.field: {resources.status.chunks[*][*]}: "chunks[*][*]": one [*] per field (a resource fans out over one list; a list in each item is a child resource of its own)`},
		{"include without fan-out", `
  - name: chunks
    include_from_parent: ["chunks[*]"]
    endpoint: {path: "chunks/{resources.status.id}"}
`, `s.yml:6:27: resources[1].include_from_parent[0]: "chunks[*]" names each item of chunks, but the resource's requests do not fan out over it: write {resources.status.chunks[*]} in its endpoint for one request chain per item`},
		{"include another list", `
  - name: chunks
    include_from_parent: ["parts[*]"]
    endpoint: {path: "chunks/{resources.status.chunks[*]}"}
`, `s.yml:6:27: resources[1].include_from_parent[0]: "parts[*]" names each item of parts, but the resource's requests fan out over chunks[*]`},
		{"item and list", `
  - name: chunks
    include_from_parent: [chunks, "chunks[*]"]
    endpoint: {path: "chunks/{resources.status.chunks[*]}"}
`, `s.yml:6:35: resources[1].include_from_parent[1]: "chunks" and "chunks[*]" both fill the column _status_chunks (the item and the whole list): keep one`},
		{"add_field", `
  - name: chunks
    processing_steps: [{add_field: {name: part, from_parent: "parts[*]"}}]
    endpoint: {path: "chunks/{resources.status.chunks[*]}"}
`, `resources[1].processing_steps[0].add_field.from_parent: "parts[*]" names each item of parts, but the resource's requests fan out over chunks[*]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("s.yml", []byte(head+c.resource))
			if err == nil {
				t.Fatal("no error")
			}
			if got := strings.TrimSpace(err.Error()); !strings.Contains(got, c.want) {
				t.Errorf("err:\n%s\nwant it to hold:\n%s", got, c.want)
			}
		})
	}
}

// TestEachSpecOK: the forms pipe runs load without error.
func TestEachSpecOK(t *testing.T) {
	src := `client: {base_url: "https://api.test/"}
resources:
  - name: status
  - name: chunks
    include_from_parent: ["chunks_available[*]", uuid]
    endpoint: {path: "export/{resources.status.uuid}/chunks/{resources.status.chunks_available[*]}"}
  - name: issues
  - name: subtasks
    include_from_parent: [key, "fields.subtasks[*].id", "fields.subtasks[*].key"]
    processing_steps: [{add_field: {name: subtask_self, from_parent: "fields.subtasks[*].self"}}]
    endpoint:
      path: "issue/{key}"
      params: {key: {type: resolve, resource: issues, field: "fields.subtasks[*].key"}}
      json: {id: "{resources.issues.fields.subtasks[*].id}"}
      method: POST
`
	if _, err := Load("s.yml", []byte(src)); err != nil {
		t.Fatal(err)
	}
}
