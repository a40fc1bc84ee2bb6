package spec

import "testing"

const positioned = `name: pos
client:
  base_url: https://example.com/
  headers: {"X.Dotted": a, X-Plain: b}
  paginator: &p {type: cursor, cursor_path: next}
resources:
  - users
  - name: groups
    endpoint:
      path: groups
      paginator: *p
  - <<: {name: merged, table_name: old}
    table_name: new
`

func TestSourcePositions(t *testing.T) {
	s, err := Load("pos.yml", []byte(positioned))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path      string
		line, col int
	}{
		{"", 1, 1},
		{"name", 1, 7},
		{"client", 3, 3},
		{"client.base_url", 3, 13},
		{`client.headers["X.Dotted"]`, 4, 25},
		{"client.headers.X-Plain", 4, 37},
		{"client.paginator.type", 5, 24},
		{"resources[0]", 7, 5},
		{"resources[0].endpoint.path", 7, 5},        // string form: falls back to the item
		{"resources[1].endpoint.paginator", 11, 18}, // the alias, not the anchor
		{"resources[1].endpoint.paginator.cursor_path", 5, 45},
		{"resources[1].endpoint.nope.deeper", 10, 7}, // the endpoint mapping starts at its first key
		{"resources[2].table_name", 13, 17},
		{"resources[2].name", 12, 16},
		{"resources[7]", 7, 3},
		{"nothing", 1, 1},
	}
	for _, tt := range tests {
		line, col := s.Pos(tt.path)
		if line != tt.line || col != tt.col {
			t.Errorf("Pos(%q) = %d:%d, want %d:%d", tt.path, line, col, tt.line, tt.col)
		}
	}
	if line, col := s.Source.KeyPos("resources[1].endpoint.path"); line != 10 || col != 7 {
		t.Errorf("KeyPos(path) = %d:%d, want 10:7", line, col)
	}
	if line, col := s.Source.KeyPos("resources[0]"); line != 7 || col != 5 {
		t.Errorf("KeyPos(list item) = %d:%d, want its value 7:5", line, col)
	}
	if !s.Source.Has("resources[2].table_name") || s.Source.Has("resources[0].name") {
		t.Error("Has disagrees with the file")
	}
	if got := s.Resources[2]; got.Name != "merged" || got.TableName != "new" {
		t.Errorf("merged resource = %q/%q, want merged/new", got.Name, got.TableName)
	}
	var none *Source
	if line, col := none.Pos("name"); line != 0 || col != 0 {
		t.Errorf("nil Source Pos = %d:%d, want 0:0", line, col)
	}
}

func TestParentPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"name", ""},
		{"resources[2]", "resources"},
		{"resources[2].endpoint.paginator.type", "resources[2].endpoint.paginator"},
		{`client.headers["X.Dotted"]`, "client.headers"},
		{`columns["a]b"].data_type`, `columns["a]b"]`},
		{`m["q\"]"]`, "m"},
	}
	for _, tt := range tests {
		if got := parentPath(tt.in); got != tt.want {
			t.Errorf("parentPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJoinKey(t *testing.T) {
	tests := []struct{ parent, key, want string }{
		{"", "name", "name"},
		{"client", "headers", "client.headers"},
		{"client.headers", "X.Dotted", `client.headers["X.Dotted"]`},
		{"m", "", `m[""]`},
	}
	for _, tt := range tests {
		if got := joinKey(tt.parent, tt.key); got != tt.want {
			t.Errorf("joinKey(%q, %q) = %q, want %q", tt.parent, tt.key, got, tt.want)
		}
		if got := parentPath(joinKey(tt.parent, tt.key)); got != tt.parent {
			t.Errorf("parentPath(joinKey(%q, %q)) = %q", tt.parent, tt.key, got)
		}
	}
}
