package spec

import (
	"strings"
	"testing"
)

// TestPagerValuesValidate: {paginator.NAME} is accepted where the
// resource's paginator fills it (params, headers, json, data) and
// refused, with a positioned error naming the fix, where it does not:
// another kind, auto, an auth block, the path, an unknown name, or beside
// the paginator's own parameter for the same value.
func TestPagerValuesValidate(t *testing.T) {
	ok := `client: {base_url: "https://api.test/"}
resources:
  - name: customers
    endpoint:
      path: query
      params: {query: "select * from Customer STARTPOSITION {paginator.offset} MAXRESULTS {paginator.limit}"}
      headers: {X-Offset: "{paginator.offset}"}
      paginator: {type: offset, offset: 1, limit: 1000}
  - name: accounts
    endpoint:
      path: accounts
      params: {fetchXml: "<fetch page=\"{paginator.page}\" count=\"50\"><entity name=\"account\"/></fetch>"}
      paginator: {type: page_number, base_page: 1, has_more_path: "more"}
  - name: search
    endpoint:
      path: _search
      method: POST
      json: {from: "{paginator.offset}", size: "{paginator.limit}"}
      paginator: {type: offset, limit: 50}
  - name: apps
    endpoint:
      path: apps
      headers: {Range: "{paginator.cursor}"}
      paginator: {type: header_cursor, cursor_key: Next-Range}
  - name: docs
    endpoint:
      path: docs
      method: POST
      json: {continuation: "{paginator.cursor}"}
      paginator: {type: cursor, cursor_path: continuation}
`
	if _, err := Load("s.yml", []byte(ok)); err != nil {
		t.Fatalf("valid spec refused: %v", err)
	}
	for _, c := range []struct{ name, src, want string }{
		{"other kind", `client: {base_url: "https://api.test/", paginator: {type: offset, limit: 10}}
resources:
  - name: accounts
    endpoint: {path: accounts, params: {fetchXml: "<fetch page=\"{paginator.page}\"/>"}}
`, `s.yml:4:51: resources[0].endpoint.params.fetchXml: {paginator.page} is filled by the page_number paginator, but the paginator at client.paginator is offset (write type: page_number there, with base_page: 1 for an API whose first page is 1)`},
		{"auto", `client: {base_url: "https://api.test/"}
resources:
  - name: customers
    endpoint: {path: query, params: {q: "STARTPOSITION {paginator.offset}"}}
`, `s.yml:4:41: resources[0].endpoint.params.q: {paginator.offset} is filled by the offset paginator, but resource "customers" has none written (auto detects its kind from the first response and fills no placeholder): write paginator: {type: offset, …}`},
		{"auto written", `client: {base_url: "https://api.test/"}
resources:
  - name: customers
    endpoint: {path: query, params: {q: "{paginator.limit}"}, paginator: auto}
`, `{paginator.limit} is filled by the offset paginator, but resource "customers" has none written`},
		{"auth", `client: {base_url: "https://api.test/"}
resources:
  - name: a
    endpoint: {path: a, auth: {type: bearer, token: "t{paginator.page}"}, paginator: {type: page_number}}
`, `resources[0].endpoint.auth.token: {paginator.page} is not allowed in auth (only in a resource's endpoint params, headers, json or data, which its paginator fills for each page)`},
		{"path", `client: {base_url: "https://api.test/"}
resources:
  - name: a
    endpoint: {path: "pages/{paginator.page}", paginator: {type: page_number}}
`, `resources[0].endpoint.path: {paginator.page} is not allowed in the endpoint's path (only in params, headers, json or data)`},
		{"cursor", `client: {base_url: "https://api.test/"}
resources:
  - name: a
    endpoint: {path: a, params: {q: "after {paginator.cursor}"}, paginator: {type: cursor}}
`, `{paginator.cursor} must be the whole value (the first request, which has no cursor, leaves the parameter or header out)`},
		{"cursor kind", `client: {base_url: "https://api.test/"}
resources:
  - name: a
    endpoint: {path: a, headers: {Range: "{paginator.cursor}"}, paginator: {type: offset, limit: 10}}
`, `{paginator.cursor} is filled by the cursor or header_cursor paginator, but the paginator at resources[0].endpoint.paginator is offset (write type: cursor there, with cursor_path, or header_cursor with cursor_key for a cursor in a response header)`},
		{"cursor param beside", `client: {base_url: "https://api.test/"}
resources:
  - name: a
    endpoint: {path: a, headers: {Range: "{paginator.cursor}"}, paginator: {type: header_cursor, cursor_key: Next-Range, cursor_param: range}}
`, `resources[0].endpoint.paginator.cursor_param: "range" is not sent: {paginator.cursor} is written at resources[0].endpoint.headers.Range, which carries the value instead (remove cursor_param)`},
		{"typo", `client: {base_url: "https://api.test/"}
resources:
  - name: a
    endpoint: {path: a, params: {q: "{paginator.ofset}"}, paginator: {type: offset, limit: 5}}
`, `unknown placeholder {paginator.ofset} (did you mean "offset"?)`},
		{"own param too", `client: {base_url: "https://api.test/"}
resources:
  - name: a
    endpoint: {path: a, params: {q: "LIMIT {paginator.limit}"}, paginator: {type: offset, limit: 5, limit_param: max}}
`, `resources[0].endpoint.paginator.limit_param: "max" is not sent: {paginator.limit} is written at resources[0].endpoint.params.q, which carries the value instead (remove limit_param)`},
		{"one-based total", `client: {base_url: "https://api.test/"}
resources:
  - name: a
    endpoint: {path: a, params: {q: "STARTPOSITION {paginator.offset}"}, paginator: {type: offset, offset: 1, limit: 5, total_path: total}}
`, `resources[0].endpoint.paginator.total_path: total_path with offset 1 and {paginator.offset}: the walk ends once offset + records read reach the total, so an API that counts positions from 1 (QuickBooks' STARTPOSITION) would lose its last records; remove total_path (a page shorter than limit ends the walk)`},
		{"namespace typo", `client: {base_url: "https://api.test/"}
resources:
  - name: a
    endpoint: {path: a, params: {q: "{pagintor.page}"}}
`, `unknown placeholder namespace "pagintor" in {pagintor.page} (did you mean "paginator"?)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("s.yml", []byte(c.src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err:\n%v\nwant it to hold:\n%s", err, c.want)
			}
		})
	}
}

// TestPagerValuesNoReplaceWarning: a param named as the paginator's own
// parameter that holds the placeholder is not replaced on every page (the
// paginator sends no parameter for a placed value), so validate does not
// warn; the value that is not placed still warns.
func TestPagerValuesNoReplaceWarning(t *testing.T) {
	src := `client: {base_url: "https://api.test/"}
resources:
  - name: a
    endpoint:
      path: a
      params: {offset: "{paginator.offset}", limit: 20}
      paginator: {type: offset, limit: 20}
`
	s, err := Load("s.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := Warnings(s).Error()
	if strings.Contains(got, `"offset"`) || !strings.Contains(got, `resources[0].endpoint.params.limit: warning: the offset paginator (resources[0].endpoint.paginator) sets query parameter "limit" on every page, replacing this value`) {
		t.Errorf("warnings:\n%s", got)
	}
}
