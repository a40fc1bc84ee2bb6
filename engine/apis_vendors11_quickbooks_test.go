package engine_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const quickbooksToken = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..qbo.token"

func quickbooksEnv() map[string]string {
	return map[string]string{"QUICKBOOKS_ACCESS_TOKEN": quickbooksToken}
}

// quickbooksAPI serves GET /v3/company/{realmId}/query as QuickBooks
// Online documents it
// (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries,
// https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes):
// a bearer token (401 with a Fault of type AUTHENTICATION otherwise);
// query=select * from Customer [STARTPOSITION n] [MAXRESULTS m] (1 and
// 100 by default, MAXRESULTS at most 1000); {"QueryResponse":
// {"Customer": [...], "startPosition", "maxResults"}, "time"}, where
// maxResults is the number of entities returned, and "QueryResponse": {}
// when none is; a query it cannot parse is answered 200 with {"Fault":
// {"Error": [{"Message", "Detail", "code": "4000"}], "type":
// "ValidationFault"}, "time"} (as the API answers faults inside a
// QueryResponse call).
//
// n is the number of customers; max caps MAXRESULTS (1000, as the API).
type quickbooksAPI struct {
	mu        sync.Mutex
	requests  int
	max       int
	customers []map[string]any
	fault     bool
}

func newQuickBooksAPI(n int) *quickbooksAPI {
	a := &quickbooksAPI{max: 1000}
	for i := 1; i <= n; i++ {
		a.customers = append(a.customers, map[string]any{
			"Id": strconv.Itoa(i), "SyncToken": "0", "DisplayName": fmt.Sprintf("Amy's Bird Sanctuary %d", i), "Active": true,
			"Balance": 239.0 + float64(i), "PrimaryEmailAddr": map[string]any{"Address": fmt.Sprintf("Birds%d@Intuit.com", i)},
			"MetaData": map[string]any{"CreateTime": "2024-01-22T16:48:43-08:00", "LastUpdatedTime": fmt.Sprintf("2024-0%d-01T16:51:22-08:00", i)},
		})
	}
	return a
}

var qboQuery = regexp.MustCompile(`(?i)^select \* from customer(?: startposition (\d+))?(?: maxresults (\d+))?$`)

func (a *quickbooksAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if !curBearer(r, quickbooksToken) {
		curWrite(w, 401, `{"Fault": {"Error": [{"Message": "message=AuthenticationFailed; errorCode=003200; statusCode=401", "code": "3200"}], "type": "AUTHENTICATION"}, "time": "2024-07-01T10:00:00.000-07:00"}`)
		return
	}
	m := qboQuery.FindStringSubmatch(strings.TrimSpace(r.URL.Query().Get("query")))
	if r.URL.Path != "/v3/company/9130354999999999/query" || m == nil || a.fault {
		curWrite(w, 200, `{"Fault": {"Error": [{"Message": "Error parsing query", "Detail": "QueryParserError: Encountered \" <INTEGER> \"1000 \"\" at line 1, column 44.", "code": "4000"}], "type": "ValidationFault"}, "time": "2024-07-01T10:00:00.000-07:00"}`)
		return
	}
	start, max := 1, 100
	if m[1] != "" {
		start, _ = strconv.Atoi(m[1])
	}
	if m[2] != "" {
		max, _ = strconv.Atoi(m[2])
	}
	max = min(max, a.max)
	from := min(start-1, len(a.customers))
	to := min(from+max, len(a.customers))
	qr := map[string]any{}
	if to > from {
		qr = map[string]any{"Customer": a.customers[from:to], "startPosition": start, "maxResults": to - from}
	}
	curWrite(w, 200, curJSON(map[string]any{"QueryResponse": qr, "time": "2024-07-01T10:00:00.000-07:00"}))
}

const quickbooksQuery = `SELECT id, display_name, balance, primary_email_addr__address, meta_data__last_updated_time FROM customers ORDER BY CAST(id AS INTEGER)`

func (a *quickbooksAPI) want(n int) []string {
	var out []string
	for _, c := range a.customers[:n] {
		upd, _ := time.Parse(time.RFC3339, c["MetaData"].(map[string]any)["LastUpdatedTime"].(string))
		out = append(out, fmt.Sprintf("%v|%v|%v|%v|%s", c["Id"], c["DisplayName"], c["Balance"], c["PrimaryEmailAddr"].(map[string]any)["Address"], upd.UTC()))
	}
	return out
}

// TestQuickBooksCustomers: three customers in one answer to
// MAXRESULTS 1000, every field exact; the -08:00 times stored as UTC.
func TestQuickBooksCustomers(t *testing.T) {
	api := newQuickBooksAPI(3)
	r, _ := curServe(t, api, "quickbooks", "", quickbooksEnv())
	r.mustLoad(t)
	r.checkTable(t, quickbooksQuery, api.want(3))
	r.noSecret(t, quickbooksToken)
}

// TestQuickBooksHostile: a Fault in a 200 body fails naming it; a
// company with no customers answers "QueryResponse": {}, a body without
// QueryResponse.Customer, which fails naming the keys and
// endpoint.empty_list_omitted (the setting that reads it as none); each
// with nothing loaded.
func TestQuickBooksHostile(t *testing.T) {
	t.Run("fault", func(t *testing.T) {
		api := newQuickBooksAPI(3)
		api.fault = true
		r, srvURL := curServe(t, api, "quickbooks", "", quickbooksEnv())
		r.failedClean(t, srvURL, nil, quickbooksToken, []string{"customers"}, `resource "customers"`, `(it holds keys "Fault", "time")`)
		t.Log(r.err)
	})
	t.Run("empty", func(t *testing.T) {
		api := newQuickBooksAPI(0)
		r, srvURL := curServe(t, api, "quickbooks", "", quickbooksEnv())
		r.failedClean(t, srvURL, nil, quickbooksToken, []string{"customers"}, `resource "customers"`, "QueryResponse.Customer", "empty_list_omitted")
		t.Log(r.err)
	})
}

// TestQuickBooksFaultNamed: QuickBooks writes its faults under "Fault",
// capitalized. pipe reads error, errors and fault (lower case) as the
// keys of an error body, whose value its message shows with the
// response_actions rule that handles it (README, data_selector: Slack's
// invalid_auth); "Fault" is not among them, so the error names the key
// alone and the user does not see "Error parsing query".
func TestQuickBooksFaultNamed(t *testing.T) {
	api := newQuickBooksAPI(3)
	api.fault = true
	r, srvURL := curServe(t, api, "quickbooks", "", quickbooksEnv())
	r.failedClean(t, srvURL, nil, quickbooksToken, []string{"customers"}, `resource "customers"`, `body "Fault" is object`, "Error parsing qu", `{condition: "Fault", action: fail}`)
}

// TestQuickBooksEmptyListOmitted: with endpoint.empty_list_omitted, a
// company with no customers loads none and the run completes.
func TestQuickBooksEmptyListOmitted(t *testing.T) {
	text := curEdited(t, "quickbooks", "data_selector: QueryResponse.Customer", "data_selector: QueryResponse.Customer\n      empty_list_omitted: true")
	api := newQuickBooksAPI(0)
	r, _ := curServe(t, api, "quickbooks", text, quickbooksEnv())
	r.mustLoad(t)
	if n := r.rep.Tables["customers"]; n != 0 {
		t.Errorf("%d customer rows, want 0", n)
	}
}

// TestQuickBooksMoreThanMaxResults: a company with more customers than
// one answer holds (here 5 with MAXRESULTS capped at 2, as 2,500 against
// QuickBooks' cap of 1000). STARTPOSITION lives inside the query text;
// the spec writes the offset paginator's values there
// ({paginator.offset}, {paginator.limit}) with the limit at the cap (2
// here, 1000 in the spec), and the walk reads STARTPOSITION 1, 3 and 5,
// the last page short.
func TestQuickBooksMoreThanMaxResults(t *testing.T) {
	api := newQuickBooksAPI(5)
	api.max = 2
	text := curEdited(t, "quickbooks", "limit: 1000}", "limit: 2}")
	r, srvURL := curServe(t, api, "quickbooks", text, quickbooksEnv())
	if r.err == nil {
		r.checkTable(t, quickbooksQuery, api.want(5))
		return
	}
	r.failedClean(t, srvURL, nil, quickbooksToken, []string{"customers"}, `resource "customers"`, "maxResults")
}
