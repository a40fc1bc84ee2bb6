package openapi

import (
	"slices"
	"testing"
)

// A document whose lowest 2xx answer is a CSV export with a Link header
// and whose JSON list is the 206 answer, without one: the pages pipe
// reads carry no Link header, so none must count. Written once as
// OpenAPI 3 and once as Swagger 2, which must agree.
const (
	headersV3 = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    get:
      responses:
        "200":
          description: CSV export
          headers: {Link: {schema: {type: string}}}
          content: {text/csv: {schema: {type: string}}}
        "206":
          description: a page
          headers: {X-Total-Count: {schema: {type: integer}}}
          content:
            application/json:
              schema: {type: array, items: {type: object, properties: {id: {type: string}}}}
`
	headersV2 = `swagger: "2.0"
info: {title: t, version: "1"}
paths:
  /items:
    get:
      produces: [text/csv, application/json]
      responses:
        "200":
          description: CSV export
          headers: {Link: {type: string}}
        "206":
          description: a page
          headers: {X-Total-Count: {type: integer}}
          schema: {type: array, items: {type: object, properties: {id: {type: string}}}}
`
)

func TestHeadersOfTheResponseRead(t *testing.T) {
	for name, doc := range map[string]string{"openapi 3": headersV3, "swagger 2": headersV2} {
		t.Run(name, func(t *testing.T) {
			d, err := Parse([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Ops) != 1 {
				t.Fatalf("operations %d, want 1", len(d.Ops))
			}
			if got := d.Ops[0].Headers; !slices.Equal(got, []string{"X-Total-Count"}) {
				t.Errorf("headers %v, want [X-Total-Count] (the 206 answer's: its body is the one read)", got)
			}
		})
	}
}
