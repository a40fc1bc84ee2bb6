package engine_test

import (
	"testing"
)

// TestPagerValuesQuickBooksFullLastPage: QuickBooks Online (the fake and
// spec of apis_vendors11_quickbooks_test.go, paged with
// {paginator.offset} and {paginator.limit} in the query text) answers a
// STARTPOSITION past the last customer with "QueryResponse": {}. With
// four customers by two, the third request gets it: the spec as shipped
// fails there naming empty_list_omitted, with nothing loaded; with
// empty_list_omitted the walk ends there and loads the four.
func TestPagerValuesQuickBooksFullLastPage(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		api := newQuickBooksAPI(4)
		api.max = 2
		text := curEdited(t, "quickbooks", "limit: 1000}", "limit: 2}")
		r, srvURL := curServe(t, api, "quickbooks", text, quickbooksEnv())
		r.failedClean(t, srvURL, nil, quickbooksToken, []string{"customers"}, `resource "customers": page 3`, "STARTPOSITION+5+MAXRESULTS+2", "QueryResponse.Customer", "empty_list_omitted")
		if api.requests != 3 {
			t.Errorf("%d requests, want 3", api.requests)
		}
	})
	t.Run("empty_list_omitted", func(t *testing.T) {
		api := newQuickBooksAPI(4)
		api.max = 2
		text := curEdited(t, "quickbooks", "limit: 1000}", "limit: 2}", "data_selector: QueryResponse.Customer", "data_selector: QueryResponse.Customer\n      empty_list_omitted: true")
		r, _ := curServe(t, api, "quickbooks", text, quickbooksEnv())
		r.mustLoad(t)
		r.checkTable(t, quickbooksQuery, api.want(4))
		r.noSecret(t, quickbooksToken)
		if api.requests != 3 {
			t.Errorf("%d requests, want 3", api.requests)
		}
	})
}
