package rest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestPagingFields checks that the paging fields read in one pass give
// what gjson.GetBytes gives for every name the end check and detection
// ask for, in bodies with repeated keys, escaped keys, paging objects
// that are not objects, and records before and after them.
func TestPagingFields(t *testing.T) {
	records := `[` + strings.Repeat(`{"id":"x","has_more":true,"meta":{"total":9}},`, 3) + `{"id":"y"}]`
	bodies := map[string]string{
		"top level":             `{"data":` + records + `,"has_more":false,"total":12,"next":null}`,
		"meta":                  `{"data":` + records + `,"meta":{"has_more":true,"total_count":40,"is_last":false}}`,
		"after records":         `{"meta":{"hasMore":false},"data":` + records + `,"pagination":{"totalItems":7,"last":true}}`,
		"repeated keys":         `{"has_more":true,"has_more":false,"meta":{"total":1},"meta":{"total":99,"more":true}}`,
		"escaped keys":          `{"has\u005fmore":true,"pag\u0069ng":{"end_of_stream":true},"page_info":{"has\"Next":true}}`,
		"not objects":           `{"meta":[{"has_more":true}],"paging":"x","page":7,"pageInfo":null,"response_metadata":{"total":"3"}}`,
		"repeated, not objects": `{"meta":"x","meta":[1],"meta":{"has_more":true},"paging":{"total":1},"paging":5}`,
		"array":                 `[{"has_more":true}]`,
		"scalar":                `12`,
		"empty":                 `{}`,
		"nested depth 2":        `{"meta":{"page":{"has_more":true}},"page":{"meta":{"total":5}}}`,
	}
	names := append(append(append([]string{}, moreFlags...), doneFlags...), totalNames...)
	for name, body := range bodies {
		f := readPagingFields([]byte(body))
		for _, p := range pagingObjects {
			for _, n := range names {
				want := gjson.GetBytes([]byte(body), p+n)
				if got := f.get(p, n); got.Type != want.Type || got.Raw != want.Raw {
					t.Errorf("%s: %q = %s %q, gjson.GetBytes gives %s %q", name, p+n, got.Type, got.Raw, want.Type, want.Raw)
				}
			}
		}
	}
}

// BenchmarkMoreSign is the end check of a json_link walk on a last page
// of 50 records of about 1.5 KB, as scenario (g) of make bench ends each
// org's walk.
func BenchmarkMoreSign(b *testing.B) {
	rec := `{"id":"4a18d42f-0706-4ad0-b127-24078731fbed","type":"issue","attributes":{"title":"` + strings.Repeat("x", 1400) + `","problems":[{"id":"SNYK-1"}]}}`
	body := []byte(`{"data":[` + strings.Repeat(rec+",", 49) + rec + `],"links":{"self":"/rest/orgs/o/issues?page=3"},"meta":{"count":50}}`)
	u, _ := url.Parse("http://127.0.0.1/rest/orgs/o/issues?page=3")
	req, resp := &Request{URL: u}, &Response{Body: body, Header: http.Header{}}
	for b.Loop() {
		if s := moreSign(req, resp, 50, -1, []string{"links.next"}); s != nil {
			b.Fatal(s.detail)
		}
	}
	b.SetBytes(int64(len(body)))
}
