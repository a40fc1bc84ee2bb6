package engine_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

// hubspotContacts serves GET /crm/v3/objects/contacts as HubSpot documents
// it (https://developers.hubspot.com/docs/api/crm/contacts,
// https://developers.hubspot.com/docs/api/crm/understanding-the-crm#paging
// and https://developers.hubspot.com/docs/api/usage-details#rate-limits):
// a private app token as Bearer; limit (default 10, at most 100) and
// after; the default properties and those asked for (phone), every value
// a string ("hs_object_id": "51");
// {"results": [...], "paging": {"next": {"after": "...", "link": "..."}}},
// the link absolute on api.hubapi.com (mode "querylink": a query alone,
// "?after=54", as the reference's examples show it), and no paging key on
// the last page;
// errors as {"status": "error", "message", "correlationId", "category"};
// a 429 with {"errorType": "RATE_LIMIT", "policyName": "SECONDLY"} and no
// Retry-After.
//
// mode makes page 2 hostile: "linkonly" (paging.next with a link but no
// after), "repeat" (the after that asked for it again), "number" (every
// after a JSON number), "empty" (no results but a paging.next, before the
// rest), "ratelimit" (a 429 first).
type hubspotContacts struct {
	total    int
	mode     string
	link     string      // the origin of paging.next.link
	limited  atomic.Bool // the 429 was sent
	requests atomic.Int32
}

const hubspotToken = "pat-na1-11111111-2222-3333-4444-555555555555"

// hubspotContact is contact n with HubSpot's default properties, and its
// phone when the request asked for it.
func hubspotContact(n int, phone bool) string {
	extra := ""
	if phone {
		extra = fmt.Sprintf(`,"phone":"+1-555-01%02d"`, n)
	}
	return fmt.Sprintf(`{"id":"%d","properties":{"createdate":"2024-01-%02dT17:27:50.380Z","email":"contact%d@example.com","firstname":"First%d","hs_object_id":"%d","lastmodifieddate":"2024-02-%02dT08:00:00.000Z","lastname":"Last%d"%s},"createdAt":"2024-01-%02dT17:27:50.380Z","updatedAt":"2024-02-%02dT08:00:00.000Z","archived":false}`,
		50+n, n, n, n, 50+n, n, n, extra, n, n)
}

func (h *hubspotContacts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	if !curBearer(r, hubspotToken) {
		curWrite(w, http.StatusUnauthorized, `{"status":"error","message":"Authentication credentials not found.","correlationId":"a43683b0-5717-4ceb-80b4-104d02915d8c","category":"INVALID_AUTHENTICATION"}`)
		return
	}
	q := r.URL.Query()
	limit, err := 10, error(nil) // HubSpot's default page size
	if l := q.Get("limit"); l != "" {
		limit, err = strconv.Atoi(l)
	}
	if r.URL.Path != "/crm/v3/objects/contacts" || err != nil || limit < 1 || limit > 100 {
		curWrite(w, http.StatusBadRequest, `{"status":"error","message":"Invalid input JSON on line 1","correlationId":"b8b47229-1b5d-4c3d-9c1f-3e7f4f4c0000","category":"VALIDATION_ERROR"}`)
		return
	}
	start, empty := 0, false
	if a := q.Get("after"); a != "" {
		// "54e" is the after an empty page hands out: the same start.
		n, err := strconv.Atoi(strings.TrimSuffix(a, "e"))
		if err != nil {
			curWrite(w, http.StatusBadRequest, `{"status":"error","message":"after must be a valid paging cursor","category":"VALIDATION_ERROR"}`)
			return
		}
		start, empty = n-51, h.mode == "empty" && a == strconv.Itoa(n)
	}
	page2 := start > 0 && start <= limit
	if page2 && h.mode == "ratelimit" && !h.limited.Swap(true) {
		curWrite(w, http.StatusTooManyRequests, `{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","correlationId":"c1d2","policyName":"SECONDLY","groupName":"publicapi:private-app:secondly:1234"}`)
		return
	}
	if page2 && empty {
		curWrite(w, http.StatusOK, fmt.Sprintf(`{"results":[],"paging":{"next":{"after":"%de","link":"%s/crm/v3/objects/contacts?after=%de"}}}`, 51+start, h.link, 51+start))
		return
	}
	end := min(start+limit, h.total)
	var items []string
	for n := start; n < end; n++ {
		items = append(items, hubspotContact(n+1, strings.Contains(q.Get("properties"), "phone")))
	}
	body := `{"results":[` + strings.Join(items, ",") + `]`
	after := strconv.Quote(strconv.Itoa(51 + end))
	if h.mode == "number" {
		after = strconv.Itoa(51 + end)
	}
	link := fmt.Sprintf(`"link":"%s/crm/v3/objects/contacts?after=%d&limit=%d&properties=email%%2Cfirstname%%2Clastname%%2Cphone"`, h.link, 51+end, limit)
	if h.mode == "querylink" {
		link = fmt.Sprintf(`"link":"?after=%d"`, 51+end)
	}
	switch {
	case page2 && h.mode == "linkonly":
		body += `,"paging":{"next":{` + link + `}}`
	case page2 && h.mode == "repeat":
		body += fmt.Sprintf(`,"paging":{"next":{"after":"%d",%s}}`, 51+start, link)
	case end < h.total:
		body += `,"paging":{"next":{"after":` + after + `,` + link + `}}`
	}
	curWrite(w, http.StatusOK, body+"}")
}

func hubspotRun(t *testing.T, api *hubspotContacts, text string) (curRun, string, *vendorOrigin) {
	t.Helper()
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { curWrite(w, http.StatusOK, `{"results":[]}`) }))
	api.link = other.srv.URL
	srv := newVendorOrigin(t, api)
	env := map[string]string{"HUBSPOT_ACCESS_TOKEN": hubspotToken}
	return curRunText(t, "hubspot", text, srv.srv.URL, filepath.Join(t.TempDir(), "hubspot.db"), env), srv.srv.URL, other
}

// TestHubSpotContactsLoadsExactly: every contact through paging.next.after
// until the page without paging, property values kept as the strings
// HubSpot sends; an after that is a JSON number, a page with no results
// that still pages on, and a 429 waited out change nothing.
func TestHubSpotContactsLoadsExactly(t *testing.T) {
	for _, c := range []struct {
		mode     string
		requests int32
	}{{"", 3}, {"number", 3}, {"empty", 4}, {"ratelimit", 4}, {"querylink", 3}} {
		t.Run("mode="+c.mode, func(t *testing.T) {
			api := &hubspotContacts{total: 8, mode: c.mode}
			r, _, other := hubspotRun(t, api, "")
			r.mustLoad(t)
			var want []string
			for n := 1; n <= 8; n++ {
				want = append(want, fmt.Sprintf("%d|contact%d@example.com|First%d|Last%d|+1-555-01%02d|%d|text|2024-01-%02dT17:27:50.380000000Z|false", 50+n, n, n, n, n, 50+n, n))
			}
			r.checkTable(t, `SELECT id, properties__email, properties__firstname, properties__lastname, properties__phone, properties__hs_object_id, typeof(properties__hs_object_id), CAST(properties__createdate AS TEXT), archived FROM contacts ORDER BY id`, want)
			if n := api.requests.Load(); n != c.requests {
				t.Errorf("%d requests, want %d", n, c.requests)
			}
			if n := other.requests(); n != 0 {
				t.Errorf("%d requests to the paging.next.link origin", n)
			}
			r.noSecret(t, hubspotToken)
		})
	}
}

// TestHubSpotContactsHostile: a paging.next that holds a link but no after
// fails naming paging.next.link; an after handed out twice fails as a
// loop; a spec that follows paging.next.link (json_link), whose links are
// absolute on another origin than base_url, fails naming the host and
// client.allowed_hosts before any request goes there. A link that is a
// query alone ("?after=54") would ask page 2 without properties and
// limit, so HubSpot would answer its default properties: followed by
// json_link or by detection, it fails naming them.
func TestHubSpotContactsHostile(t *testing.T) {
	page2 := `resource "contacts": page 2: GET http://api.test/crm/v3/objects/contacts?after=54&limit=3&properties=email%2Cfirstname%2Clastname%2Cphone`
	for _, c := range []struct {
		mode, text string
		sentinel   error
		parts      []string
	}{
		{mode: "linkonly", sentinel: rest.ErrMorePages, parts: []string{page2, `cursor: no cursor at cursor_path "paging.next.after", but body "paging.next.link" still holds the link http://`, `set json_link with next_url_path "paging.next.link"`}},
		{mode: "repeat", sentinel: rest.ErrLoop, parts: []string{page2, `cursor "54" seen before`, `cursor_param "after"`}},
		{mode: "querylink", text: "json_link", parts: []string{`resource "contacts": page 1: GET http://api.test/crm/v3/objects/contacts?limit=3&properties=email%2Cfirstname%2Clastname%2Cphone`,
			`json_link: the next link "?after=54" at next_url_path "paging.next.link" is a query alone`, "would be asked without limit, properties", "set cursor with the cursor_path"}},
		{mode: "querylink", text: "no paginator", parts: []string{`resource "contacts": page 1: GET http://api.test/crm/v3/objects/contacts?limit=3&properties=email%2Cfirstname%2Clastname%2Cphone`,
			`the next link "?after=54" at next_url_path "paging.next.link" is a query alone`, "would be asked without limit, properties"}},
		{mode: "", text: "json_link", parts: []string{`resource "contacts": page 2: GET http://127.0.0.1:`, "origin not allowed: host 127.0.0.1:", "is not base_url's (http://api.test)", "list it in client.allowed_hosts"}},
	} {
		t.Run(c.mode+c.text, func(t *testing.T) {
			text := ""
			switch c.text {
			case "json_link":
				text = strings.Replace(curTestdata(t, "hubspot"), "{type: cursor, cursor_path: paging.next.after, cursor_param: after}", "{type: json_link, next_url_path: paging.next.link}", 1)
			case "no paginator":
				text = strings.Replace(curTestdata(t, "hubspot"), "      paginator: {type: cursor, cursor_path: paging.next.after, cursor_param: after}\n", "", 1)
			}
			r, url, other := hubspotRun(t, &hubspotContacts{total: 8, mode: c.mode}, text)
			r.failedClean(t, url, c.sentinel, hubspotToken, []string{"contacts"}, c.parts...)
			if n := other.requests(); n != 0 {
				t.Errorf("%d requests went to the paging.next.link origin", n)
			}
		})
	}
}
