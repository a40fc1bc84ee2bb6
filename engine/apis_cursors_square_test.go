package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const squareToken = "EAAAEOuLQObrVwJvCvoio2Bd0UVWn4pUwcr2FcGnhJf_LZm4mt_jMQ2brHCgRtR4"

// squareAPI serves GET /v2/customers as Square documents it
// (https://developer.squareup.com/docs/working-with-apis/pagination,
// https://developer.squareup.com/reference/square/customers-api/list-customers):
// the token as Bearer, limit (1 to 100) and cursor, {"customers": [...],
// "cursor": "…"} with no cursor on the last page, and, as Square's staff
// say of an account with no customers, a bare {} with neither
// (https://developer.squareup.com/forums/t/pagination-question-for-customer-api/8501);
// errors as {"errors": [{"category", "code", "detail"}]}.
type squareAPI struct {
	mode      string // "gap": page 2 is {} although page 1 gave a cursor
	mu        sync.Mutex
	requests  int
	badAuth   int
	customers []map[string]any
}

func newSquareAPI(n int) *squareAPI {
	a := &squareAPI{}
	for i := 1; i <= n; i++ {
		c := map[string]any{
			"id": fmt.Sprintf("JDKYHBWT1D4F8MFH63DBMEN8Y%d", i), "created_at": fmt.Sprintf("2016-03-23T20:21:5%d.859Z", i),
			"updated_at": "2016-03-23T20:21:55Z", "given_name": fmt.Sprintf("Amelia %d", i), "family_name": "Earhart",
			"email_address": fmt.Sprintf("Amelia%d.Earhart@example.com", i), "phone_number": "+1-212-555-4240",
			"address":         map[string]any{"address_line_1": "500 Electric Ave", "locality": "New York", "postal_code": "10003", "country": "US"},
			"preferences":     map[string]any{"email_unsubscribed": i == 2},
			"creation_source": "THIRD_PARTY", "version": int64(1) << (10 * i),
			"segment_ids": []string{"MLV7TKGZQD7D1.CHANNEL"},
		}
		if i == 3 {
			c["note"] = "a note"
		}
		a.customers = append(a.customers, c)
	}
	return a
}

func (a *squareAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if !curBearer(r, squareToken) {
		a.badAuth++
		curWrite(w, 401, `{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"This request could not be authorized."}]}`)
		return
	}
	if r.URL.Path != "/v2/customers" || r.Header.Get("Square-Version") == "" {
		curWrite(w, 404, `{"errors":[{"category":"INVALID_REQUEST_ERROR","code":"NOT_FOUND"}]}`)
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit < 1 || limit > 100 {
		curWrite(w, 400, `{"errors":[{"category":"INVALID_REQUEST_ERROR","code":"INVALID_VALUE","field":"limit"}]}`)
		return
	}
	start := 0
	if c := q.Get("cursor"); c != "" {
		raw, _ := base64.StdEncoding.DecodeString(c)
		if start, _ = strconv.Atoi(string(raw)); start <= 0 || start >= len(a.customers) {
			curWrite(w, 400, `{"errors":[{"category":"INVALID_REQUEST_ERROR","code":"INVALID_CURSOR"}]}`)
			return
		}
	}
	if len(a.customers) == 0 || (a.mode == "gap" && start > 0) {
		curWrite(w, 200, `{}`)
		return
	}
	end := min(start+limit, len(a.customers))
	page := map[string]any{"customers": a.customers[start:end]}
	if end < len(a.customers) {
		page["cursor"] = base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	curWrite(w, 200, curJSON(page))
}

// TestSquareCustomers: five customers in pages of two with the cursor at
// the top level, with the spec's paginator and with none; timestamps with
// milliseconds, large integers and optional fields land as sent.
func TestSquareCustomers(t *testing.T) {
	for _, variant := range []string{"cursor", "auto"} {
		t.Run(variant, func(t *testing.T) {
			api := newSquareAPI(5)
			srv := httptest.NewServer(api)
			defer srv.Close()
			text := ""
			if variant == "auto" {
				text = strings.Replace(curTestdata(t, "square"), "  paginator: {type: cursor, cursor_path: cursor, cursor_param: cursor}\n", "", 1)
			}
			r := curRunText(t, "square", text, srv.URL, filepath.Join(t.TempDir(), "square.db"), map[string]string{"SQUARE_ACCESS_TOKEN": squareToken})
			r.mustLoad(t)
			var want []string
			for _, c := range api.customers {
				created, _ := time.Parse(time.RFC3339Nano, c["created_at"].(string))
				note := "-"
				if n, ok := c["note"]; ok {
					note = n.(string)
				}
				want = append(want, fmt.Sprintf("%s|%s|%s|%v|%d|%s|%s", c["id"], created.Format(time.RFC3339Nano), c["given_name"], c["preferences"].(map[string]any)["email_unsubscribed"], c["version"], c["address"].(map[string]any)["locality"], note))
			}
			r.checkTable(t, `SELECT id, strftime('%Y-%m-%dT%H:%M:%fZ', created_at), given_name, preferences__email_unsubscribed, version, address__locality, coalesce(note, '-') FROM customers ORDER BY id`, want)
			r.checkTable(t, `SELECT count(*) FROM customers__segment_ids WHERE value = 'MLV7TKGZQD7D1.CHANNEL'`, []string{"5"})
			if api.requests != 3 || api.badAuth != 0 {
				t.Errorf("requests = %d (%d without the token), want 3", api.requests, api.badAuth)
			}
			r.noSecret(t, squareToken)
		})
	}
}

// TestSquareNoCustomers: an account with no customers answers {}; the run
// completes with an empty table instead of failing on a data_selector the
// body leaves out.
func TestSquareNoCustomers(t *testing.T) {
	api := newSquareAPI(0)
	srv := httptest.NewServer(api)
	defer srv.Close()
	r := curRunSpec(t, "square", srv.URL, filepath.Join(t.TempDir(), "square.db"), map[string]string{"SQUARE_ACCESS_TOKEN": squareToken})
	r.mustLoad(t)
	if n := r.rep.Resources["customers"].Records; n != 0 || api.requests != 1 {
		t.Errorf("records = %d, requests = %d; want 0 and 1", n, api.requests)
	}
}

// TestSquareBadToken: a 401 names Square's error code and the URL, never
// the token.
func TestSquareBadToken(t *testing.T) {
	api := newSquareAPI(3)
	srv := httptest.NewServer(api)
	defer srv.Close()
	r := curRunSpec(t, "square", srv.URL, filepath.Join(t.TempDir(), "square.db"), map[string]string{"SQUARE_ACCESS_TOKEN": "EAAAwrong"})
	r.mustFail(t, srv.URL, `resource "customers": page 1: GET http://api.test/v2/customers?limit=2&sort_field=CREATED_AT`, "401", "UNAUTHORIZED")
	r.noSecret(t, "EAAAwrong")
}

// TestSquareEmptyPageAfterCursor: {} right after a cursor is no end Square
// would send (its last page carries the last customers); the run fails
// rather than keep the first page as all there is.
func TestSquareEmptyPageAfterCursor(t *testing.T) {
	api := newSquareAPI(5)
	api.mode = "gap"
	srv := httptest.NewServer(api)
	defer srv.Close()
	r := curRunSpec(t, "square", srv.URL, filepath.Join(t.TempDir(), "square.db"), map[string]string{"SQUARE_ACCESS_TOKEN": squareToken})
	r.mustFail(t, srv.URL, `resource "customers": page 2: GET http://api.test/v2/customers?cursor=`, "page 2 is {} after a cursor that promised more")
	r.noRows(t, "customers")
}
