package rest

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/tidwall/gjson"
)

// topArrayCases are bodies whose records topArray finds itself (ok) or
// leaves to gjson.
var topArrayCases = []struct {
	body, path string
	ok         bool
}{
	{`{"data":[{"id":1},{"id":2}]}`, "data", true},
	{` { "data" : [ {"id":1} , 2, "x", null, true, false, -1.5e3, [1,[2]] ] , "links":{"next":"/p?a=1"}}`, "data", true},
	{`{"links":{"next":"/p","self":"a\"b"},"meta":[1,{"a":"]"}],"n":-12,"t":true,"s":"x\\","data":[{"k":"v\\\"}"}]}`, "data", true},
	{`{"jsonapi":{"version":"1.0"},"data":[],"links":{}}`, "data", true},
	{`{"data":[{"id":1}],"data":[{"id":2}]}`, "data", true}, // the first, as gjson
	{`{"items":[3]}`, "data", false},
	{`{"data":{"id":1}}`, "data", false},
	{`{"data":null}`, "data", false},
	{`{"d\u0061ta":[1],"data":[2]}`, "data", false},
	{`[{"id":1}]`, "data", false},
	{`{"response":{"items":[1,2]}}`, "response.items", false},
	{`{"odd.key":[1]}`, `odd\.key`, false},
}

// TestTopArray checks that topArray gives the records gjson gives,
// every field of every Result alike.
func TestTopArray(t *testing.T) {
	for _, c := range topArrayCases {
		if !gjson.Valid(c.body) {
			t.Fatalf("case %s: not valid JSON", c.body)
		}
		got, ok := topArray(c.body, c.path)
		if ok != c.ok {
			t.Errorf("%s: ok = %v, want %v", c.body, ok, c.ok)
		}
		if !ok {
			continue
		}
		if want := gjson.Parse(c.body).Get(c.path).Array(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", c.body, got, want)
		}
	}
}

// FuzzTopArray compares topArray with gjson on valid JSON bodies.
func FuzzTopArray(f *testing.F) {
	for _, c := range topArrayCases {
		f.Add(c.body, c.path)
	}
	f.Fuzz(func(t *testing.T, body, path string) {
		if !gjson.Valid(body) {
			return
		}
		got, ok := topArray(body, path)
		if !ok {
			return
		}
		if want := gjson.Parse(body).Get(path).Array(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q %q:\n got %#v\nwant %#v", body, path, got, want)
		}
	})
}

// snykPage returns a page of 100 records shaped like Snyk's (about 1.5
// KB of nested JSON each), then its links.
func snykPage() []byte {
	rec := `{"id":"%03d","type":"issue","attributes":{"title":"Prototype Pollution in \"lodash\"","created_at":"2024-01-02T03:04:05Z","coordinates":[{"remedies":[{"type":"indeterminate","description":"Upgrade the package version to 4.17.21 to fix this vulnerability","details":{"upgrade_package":"4.17.21"}}],"representations":[{"dependency":{"package_name":"lodash","package_version":"4.17.15"}}]}],"problems":[{"id":"SNYK-JS-LODASH-567746","source":"SNYK","type":"vulnerability","url":"https://security.snyk.io/vuln/SNYK-JS-LODASH-567746"},{"id":"CVE-2020-8203","source":"NVD","type":"vulnerability"}],"severities":[{"level":"high","score":7.4,"source":"Snyk","vector":"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H"}],"effective_severity_level":"high","status":"open","ignored":false},"relationships":{"organization":{"data":{"id":"a3952187-0d8e-45d8-9aa2-036a2ac6ea5b","type":"organization"}},"scan_item":{"data":{"id":"b1c2","type":"project"}}}}`
	body := []byte(`{"jsonapi":{"version":"1.0"},"data":[`)
	for i := range 100 {
		if i > 0 {
			body = append(body, ',')
		}
		body = fmt.Appendf(body, rec, i)
	}
	return append(body, `],"links":{"self":"/rest/orgs/x/issues?limit=100","next":"/rest/orgs/x/issues?limit=100&starting_after=abc"}}`...)
}

// BenchmarkSelect selects the records of a Snyk page.
func BenchmarkSelect(b *testing.B) {
	body := snykPage()
	s := NewSelector("data", nil)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		recs, err := s.Select(body)
		if err != nil || len(recs) != 100 {
			b.Fatal(len(recs), err)
		}
	}
}

// getPathCases are page bodies, the path of their records and a path
// to look up.
var getPathCases = []struct{ body, records, path string }{
	{`{"data":[{"id":1},{"id":2}],"links":{"next":"/p?a=2","self":"/p"}}`, "data", "links.next"},
	{`{"links":{"next":"/first"},"data":[1,2],"links":{"next":"/second"}}`, "data", "links.next"},
	{` { "data" : [ {"a":"]"} , [1,[2]] ] , "links" : { "next" : { "href" : "/h" } } } `, "data", "links.next.href"},
	{`{"data":[{"id":1}],"meta":{"x":[1]},"links":{"next":null}}`, "data", "links.next"},
	{`{"data":[{"id":1}],"links":{"prev":"/p"}}`, "data", "links.next"},
	{`{"data":[{"id":1}]}`, "data", "links.next"},
	{`{"page":{"items":[1,2]},"links":{"next":"/n"}}`, "page.items", "links.next"},
	{`{"data":[[1,2],3],"links":{"next":"/n"}}`, "data.0", "links.next"},
	{`{"data":[1],"links":"x"}`, "data", "links.next"},
	{`{"data":[1],"l\u0069nks":{"next":"/e"},"links":{"next":"/n"}}`, "data", "links.next"},
	{`{"data":[1],"links":{"next":"/n"}}`, "data", "links"},
}

// TestGetPath checks getPath against gjson.GetBytes, with the records
// Select finds.
func TestGetPath(t *testing.T) {
	for _, c := range getPathCases {
		body := []byte(c.body)
		recs, err := NewSelector(c.records, nil).Select(body)
		if err != nil {
			t.Fatalf("%s: %v", c.body, err)
		}
		if got, want := getPath(body, c.path, recs), gjson.GetBytes(body, c.path); !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s:\n got %#v\nwant %#v", c.body, c.path, got, want)
		}
	}
}

// FuzzGetPath compares getPath with gjson.GetBytes on valid JSON, with
// the records of any path of the same body, or of a copy of it.
func FuzzGetPath(f *testing.F) {
	for _, c := range getPathCases {
		f.Add(c.body, c.records, c.path, false)
	}
	f.Fuzz(func(t *testing.T, body, records, path string, copied bool) {
		if !gjson.Valid(body) {
			return
		}
		b := []byte(body)
		src := b
		if copied {
			src = []byte(body)
		}
		recs := gjson.Parse(bodyString(src)).Get(records).Array()
		if got, want := getPath(b, path, recs), gjson.GetBytes(b, path); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q %q %q:\n got %#v\nwant %#v", body, records, path, got, want)
		}
	})
}

// BenchmarkGetPath finds the next link of a Snyk page, after its
// records, with gjson and with getPath.
func BenchmarkGetPath(b *testing.B) {
	body := snykPage()
	recs, err := NewSelector("data", nil).Select(body)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		get  func() gjson.Result
	}{
		{"gjson", func() gjson.Result { return gjson.GetBytes(body, "links.next") }},
		{"getPath", func() gjson.Result { return getPath(body, "links.next", recs) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if bc.get().Str == "" {
					b.Fatal("no link")
				}
			}
		})
	}
}
