package engine_test

import "testing"

// TestWireEnvelopeKeyTwice: a page whose envelope holds a key twice (a
// hand-rolled serializer that writes "next" as null first and sets it
// later, a records list written twice). RFC 8259 §4: "When the names
// within an object are not unique, the behavior of software that
// receives such an object is unpredictable"; JSON parsers in wide use
// (encoding/json, JSON.parse, Python's json) keep the last, as pipe does
// for a record's fields (TestHostileValues), but pipe's paginator and
// selector read the first: "next": null, "next": "/items?page=2" ends the
// walk after page 1 (2 of 4 items, exit 0), and {"items": [], "items":
// [...]} loads none of page 2's. Either way the API's answer is
// ambiguous: the run should fail naming the key.
func TestWireEnvelopeKeyTwice(t *testing.T) {
	for _, c := range []struct{ name, page1, page2, page, key string }{
		{"next twice, null first", `{"items": [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}], "next": null, "next": "/items?page=2"}`, bodiesPage2, "page 1", "next"},
		{"items twice, empty first", `{"items": [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}], "next": "/items?page=2"}`,
			`{"items": [], "items": [{"id": 3, "name": "three"}, {"id": 4, "name": "four"}], "next": null}`, "page 2", "items"},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, o := wireRun(t, &bodiesAPI{first: c.page1, second: servePage(c.page2)}, "")
			url := "{base}/items"
			if c.page == "page 2" {
				url += "?page=2"
			}
			run.failedAsWas(t, o.srv.URL, `resource "items": `+c.page+`: GET `+url+`: response body holds "`+c.key+`" twice at its top level`)
		})
	}
}
