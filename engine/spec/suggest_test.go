package spec

import "testing"

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"cursr_path", "cursor_path", 1},
		{"nmae", "name", 1},
		{"kitten", "sitting", 3},
		{"var", "vars", 1},
		{"token", "name", 4},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"cursor_path", "cursor_param", "cursor_body_path", "type"}
	tests := []struct{ in, want string }{
		{"cursr_path", "cursor_path"},
		{"CURSOR_PARAM", "cursor_param"},
		{"typ", "type"},
		{"token", ""},
		{"limit", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, names); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
