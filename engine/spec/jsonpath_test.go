package spec

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestGJSONPath translates the JSONPath that dlt configs write and reads
// the translation on a body: what it selects must be what JSONPath
// selects there (a trailing wildcard: the list, as dlt takes it).
func TestGJSONPath(t *testing.T) {
	body := `{"count":3,"next":"https://api.test/items?page=2","results":[{"id":1},{"id":2},{"id":3}],
		"meta":{"total.count":3,"page":{"after":"c2"}},"a*b":true}`
	cases := []struct {
		path, want, selects string
	}{
		{"results", "results", ""},                                  // plain: as written
		{"meta.page.after", "meta.page.after", `"c2"`},              // plain dotted
		{"$", "@this", ""},                                          // the whole body
		{"$[*]", "@this", ""},                                       // the whole body's items
		{"$.results", "results", `[{"id":1},{"id":2},{"id":3}]`},    //
		{"$.results[*]", "results", `[{"id":1},{"id":2},{"id":3}]`}, // the list itself
		{"results[*]", "results", `[{"id":1},{"id":2},{"id":3}]`},   // no $
		{"$.results.*", "results", `[{"id":1},{"id":2},{"id":3}]`},  //
		{"$.results[0].id", "results.0.id", "1"},                    //
		{"$.results[-1].id", "results.@reverse.0.id", "3"},          // the last
		{"$.results[-2].id", "results.@reverse.1.id", "2"},          //
		{"$['meta']['total.count']", `meta.total\.count`, "3"},      // quoted, with a dot
		{`$["a*b"]`, `a\*b`, "true"},                                // gjson's wildcard escaped
		{"$.next", "next", `"https://api.test/items?page=2"`},       //
	}
	for _, c := range cases {
		got, err := GJSONPath(c.path)
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s = %q, want %q", c.path, got, c.want)
		}
		if c.selects != "" {
			if v := gjson.Get(body, got).Raw; v != c.selects {
				t.Errorf("%s (%s) selects %s, want %s", c.path, got, v, c.selects)
			}
		}
	}
	if v := gjson.Get(`[{"id":7},{"id":9}]`, "@this").Raw; v != `[{"id":7},{"id":9}]` {
		t.Errorf("@this on an array = %s", v)
	}
	if v, _ := GJSONPath("$[-1].id"); gjson.Get(`[{"id":7},{"id":9}]`, v).Raw != "9" {
		t.Errorf("$[-1].id (%s) does not select the last id", v)
	}
}

func TestGJSONPathRefused(t *testing.T) {
	for path, want := range map[string]string{
		"$..id":               "recursive descent",
		"$.data[*].id":        "only as the last step",
		"$.data[?(@.a)]":      "is not supported",
		"$.data[0:2]":         "is not supported",
		"$.data['a','b']":     "is not supported",
		"$.data['a":           "unterminated quoted name",
		"$.data[0":            "unterminated bracket",
		"$.data.":             "empty member name",
		"$x":                  "unexpected",
		"$.results[*].nested": "only as the last step",
	} {
		_, err := GJSONPath(path)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "gjson path") {
			t.Errorf("%s: err = %v, want one saying %q and naming gjson paths", path, err, want)
		}
	}
}

// TestJSONPathErrors: a JSONPath pipe cannot translate is a spec error at
// the field that writes it, found before any request (pipe validate).
func TestJSONPathErrors(t *testing.T) {
	src := `client:
  base_url: https://api.test/
  paginator: {type: json_link, next_url_path: "$..next"}
resources:
  - name: items
    endpoint:
      path: items
      data_selector: "$.data[*].items"
      params:
        since: {type: incremental, cursor_path: "$.updated[0:1]"}
  - name: ok
    endpoint: {path: ok, data_selector: "$.results[*]"}
`
	_, err := Load("s.yml", []byte(src))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v, want spec errors", err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, fmt.Sprintf("%d:%d %s", e.Line, e.Col, e.Path))
	}
	want := []string{
		"3:47 client.paginator.next_url_path",
		"8:22 resources[0].endpoint.data_selector",
		"10:49 resources[0].endpoint.params.since.cursor_path",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors at\n%s\nwant\n%s\n(%v)", strings.Join(got, "\n"), strings.Join(want, "\n"), err)
	}
}
