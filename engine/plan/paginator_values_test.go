package plan_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// TestPlacedValues: the values a resource writes as {paginator.NAME} are
// recorded in its paginator, and pipe plan shows where they go instead of
// offset_param and limit_param; a placeholder inherited from
// resource_defaults that the resource's own paginator lacks fails the
// plan, naming the kind that has it.
func TestPlacedValues(t *testing.T) {
	src := `client: {base_url: "https://quickbooks.api.intuit.com/v3/company/1/"}
resources:
  - name: customers
    endpoint:
      path: query
      params: {query: "select * from Customer STARTPOSITION {paginator.offset} MAXRESULTS {paginator.limit}"}
      paginator: {type: offset, offset: 1, limit: 1000}
`
	s, err := spec.Load("qbo.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(s, plan.Options{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Resource("customers").Paginator.Placed; !reflect.DeepEqual(got, []string{"limit", "offset"}) {
		t.Errorf("placed %q", got)
	}
	var out bytes.Buffer
	if err := p.Describe(&out); err != nil {
		t.Fatal(err)
	}
	if want := "paginator: offset (limit 1000, offset 1, offset_sent_as {paginator.offset}, limit_sent_as {paginator.limit}, stop_after_empty_page true, max_pages 100000)"; !strings.Contains(out.String(), want) {
		t.Errorf("plan:\n%s\nwant it to hold %s", out.String(), want)
	}

	src = `client: {base_url: "https://org.crm.dynamics.com/api/data/v9.2/"}
resource_defaults:
  endpoint:
    params: {fetchXml: "<fetch page=\"{paginator.page}\" count=\"50\"><entity name=\"account\"/></fetch>"}
    paginator: {type: page_number, base_page: 1}
resources:
  - name: accounts
  - name: contacts
    endpoint: {path: contacts, paginator: {type: offset, limit: 50}}
`
	s, err = spec.Load("dv.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = plan.Build(s, plan.Options{LookupEnv: env(nil)})
	want := `resources[1].endpoint.paginator: resource "contacts": {paginator.page}: offset has no such value (it is page_number's)`
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), `"accounts"`) {
		t.Errorf("err = %v, want only %s", err, want)
	}
}
