package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hubSearch serves HubSpot's CRM search for contacts
// (https://developers.hubspot.com/docs/api/crm/search): POST
// /crm/v3/objects/contacts/search, one GTE filter on lastmodifieddate
// whose value is Unix milliseconds (a number or its text; HubSpot's
// timestamps FAQ), sorted ascending, limit and an offset-like after;
// {"total", "results", "paging": {"next": {"after", "link"}}}, no paging
// on the last page; a 400 VALIDATION_ERROR for a value that is no
// millisecond timestamp, and for an after at or past the cap of results
// one query may page through (10,000; smaller here).
type hubSearch struct {
	mu       sync.Mutex
	modified map[int]time.Time // contact id -> lastmodifieddate
	cap      int
	values   []any // the filter value of each first page
}

// newHubSearch returns a search of contacts first to last, each modified
// its id's seconds after base, paging through at most limit results.
func newHubSearch(limit int, base time.Time, first, last int) *hubSearch {
	h := &hubSearch{cap: limit, modified: map[int]time.Time{}}
	for id := first; id <= last; id++ {
		h.modified[id] = base.Add(time.Duration(id) * time.Second)
	}
	return h
}

func hubError(w http.ResponseWriter, msg string) {
	curWrite(w, http.StatusBadRequest, fmt.Sprintf(`{"status":"error","message":%q,"correlationId":"aeb5f871-7f07-4993-9211-075dc63e7cbf","category":"VALIDATION_ERROR"}`, msg))
}

func (h *hubSearch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !curBearer(r, hubspotToken) {
		curWrite(w, http.StatusUnauthorized, `{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}`)
		return
	}
	var body struct {
		FilterGroups []struct {
			Filters []struct {
				PropertyName, Operator string
				Value                  any
			}
		}
		Limit int
		After string
	}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber() // a filter value of milliseconds is past float64's exact integers' printing
	if r.Method != http.MethodPost || dec.Decode(&body) != nil || len(body.FilterGroups) != 1 || len(body.FilterGroups[0].Filters) != 1 {
		hubError(w, "Invalid input JSON on line 1")
		return
	}
	f := body.FilterGroups[0].Filters[0]
	h.mu.Lock()
	defer h.mu.Unlock()
	if body.After == "" {
		h.values = append(h.values, f.Value)
	}
	ms, err := strconv.ParseInt(strings.Trim(fmt.Sprint(f.Value), `"`), 10, 64)
	if f.PropertyName != "lastmodifieddate" || f.Operator != "GTE" || err != nil {
		hubError(w, fmt.Sprintf("%v is not a valid long value for property lastmodifieddate", f.Value))
		return
	}
	after, _ := strconv.Atoi(body.After)
	if after >= h.cap {
		hubError(w, fmt.Sprintf("after must be less than %d: a search returns at most %d results", h.cap, h.cap))
		return
	}
	var ids []int
	for id, at := range h.modified {
		if at.UnixMilli() >= ms {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int) int {
		if c := h.modified[a].Compare(h.modified[b]); c != 0 {
			return c
		}
		return a - b
	})
	var out []string
	for _, id := range ids[min(after, len(ids)):min(after+body.Limit, len(ids))] {
		at := h.modified[id].Format("2006-01-02T15:04:05.000Z")
		out = append(out, fmt.Sprintf(`{"id":"%d","properties":{"createdate":"2024-01-01T00:00:00.000Z","email":"c%d@example.com","hs_object_id":"%d","lastmodifieddate":%q},"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":%q,"archived":false}`, id, id, id, at, at))
	}
	resp := fmt.Sprintf(`{"total":%d,"results":[%s]`, len(ids), strings.Join(out, ","))
	if after+body.Limit < len(ids) {
		next := after + body.Limit
		resp += fmt.Sprintf(`,"paging":{"next":{"after":"%d","link":"?after=%d"}}`, next, next)
	}
	curWrite(w, http.StatusOK, resp+"}")
}

func (h *hubSearch) rows() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for id, at := range h.modified {
		out = append(out, fmt.Sprintf("%d|c%d@example.com|%s", id, id, at.Format("2006-01-02T15:04:05.000000000Z")))
	}
	slices.Sort(out)
	return out
}

const hubSearchQuery = `SELECT id, properties__email, CAST(properties__lastmodifieddate AS TEXT) FROM contacts ORDER BY id`

func hubRun(t *testing.T, srvURL, db string) curRun {
	t.Helper()
	r := curRunText(t, "hubspot_search", "", srvURL, db, map[string]string{"HUBSPOT_ACCESS_TOKEN": hubspotToken})
	r.noSecret(t, hubspotToken)
	return r
}

// TestHubSpotSearchCursorUnits: the first run filters from 0 (a number
// of milliseconds, sent as a number) and loads every contact; the cursor
// it saves is lastmodifieddate as the results write it, ISO 8601 text,
// which the second run sends back as the filter value. HubSpot wants
// milliseconds there and answers 400: the run fails naming the resource,
// the URL and HubSpot's message, and changes nothing; with
// incremental.param_format: unix_ms it goes on (TestHubSpotSearchParamFormat).
func TestHubSpotSearchCursorUnits(t *testing.T) {
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	h := newHubSearch(10000, base, 51, 55)
	srv := newVendorOrigin(t, h)
	db := filepath.Join(t.TempDir(), "hubspot.db")
	r := hubRun(t, srv.srv.URL, db)
	r.mustLoad(t)
	r.checkTable(t, hubSearchQuery, h.rows())

	r = hubRun(t, srv.srv.URL, db)
	r.mustFail(t, srv.srv.URL, `resource "contacts"`, "http://api.test/crm/v3/objects/contacts/search", "400", "2024-03-01T10:00:55.000Z is not a valid long value for property lastmodifieddate")
	r.checkTable(t, hubSearchQuery, h.rows())
	if got := fmt.Sprint(h.values); got != "[0 2024-03-01T10:00:55.000Z]" {
		t.Errorf("filter values sent = %s, want 0 (a number) then the saved cursor", got)
	}
}

// TestHubSpotSearchResultCap: more contacts match than one search may
// page through (the cap, 10,000 in HubSpot, 4 here): the page past the
// cap is a 400, and the run fails naming it rather than completing with
// the contacts before the cap.
func TestHubSpotSearchResultCap(t *testing.T) {
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	h := newHubSearch(4, base, 51, 56)
	srv := newVendorOrigin(t, h)
	r := hubRun(t, srv.srv.URL, filepath.Join(t.TempDir(), "hubspot.db"))
	r.mustFail(t, srv.srv.URL, `resource "contacts"`, "http://api.test/crm/v3/objects/contacts/search", "400", "after must be less than 4")
	r.noRows(t, "contacts")
}

// TestHubSpotSearchParamFormat: with param_format: unix_ms the cursor,
// saved as the results write it (ISO 8601 text), goes back to HubSpot as
// the milliseconds its filter wants, a JSON number: the second run asks
// from the last contact's time and merges the contact changed since.
func TestHubSpotSearchParamFormat(t *testing.T) {
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	h := newHubSearch(10000, base, 51, 55)
	srv := newVendorOrigin(t, h)
	db := filepath.Join(t.TempDir(), "hubspot.db")
	text := strings.Replace(curTestdata(t, "hubspot_search"), "initial_value: 0}", "initial_value: 0, param_format: unix_ms}", 1)
	run := func() {
		t.Helper()
		r := curRunText(t, "hubspot_search", text, srv.srv.URL, db, map[string]string{"HUBSPOT_ACCESS_TOKEN": hubspotToken})
		r.mustLoad(t)
		r.checkTable(t, hubSearchQuery, h.rows())
		r.noSecret(t, hubspotToken)
	}
	run()
	h.mu.Lock()
	h.modified[52] = base.Add(90 * time.Second)
	h.mu.Unlock()
	run()
	if got, want := fmt.Sprint(h.values), fmt.Sprintf("[0 %d]", base.Add(55*time.Second).UnixMilli()); got != want {
		t.Errorf("filter values sent = %s, want %s", got, want)
	}
	if _, isNum := h.values[1].(json.Number); !isNum {
		t.Errorf("the second filter value is %T, want a JSON number", h.values[1])
	}
}

// TestHubSpotSearchContactModifiedMidWalk: HubSpot's search pages by an
// offset in the body's "after", sorted by lastmodifieddate. A contact of
// page 1 modified while page 2 is asked for moves to the end, every
// contact after it one place up, and the one that crosses into page 1 is
// on no page read; the cursor would pass it. The run fails before saving
// its cursor, naming the contact that came twice.
func TestHubSpotSearchContactModifiedMidWalk(t *testing.T) {
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	h := newHubSearch(10000, base, 51, 56)
	var calls atomic.Int32
	srv := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			h.mu.Lock()
			h.modified[51] = base.Add(10 * time.Minute)
			h.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	db := filepath.Join(t.TempDir(), "hubspot.db")
	text := strings.Replace(curTestdata(t, "hubspot_search"), "initial_value: 0}", "initial_value: 0, param_format: unix_ms}", 1)
	r := curRunText(t, "hubspot_search", text, srv.srv.URL, db, map[string]string{"HUBSPOT_ACCESS_TOKEN": hubspotToken})
	r.mustFail(t, srv.srv.URL, `resource "contacts"`, "http://api.test/crm/v3/objects/contacts/search", `the record id="51" came twice in this walk`)
	r.noRows(t, "contacts")
	r.noSecret(t, hubspotToken)
}
