package engine_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const freshdeskKey = "Fr3shD3skK3yAbCdEfGh"

// freshdeskAPI serves GET /api/v2/tickets and
// /api/v2/tickets/{id}/conversations as Freshdesk documents them
// (https://developers.freshdesk.com/api/#authentication, #pagination,
// #list_all_tickets, #list_all_ticket_notes, #ratelimit): HTTP Basic with
// the key and the password X, else 401 {"code": "invalid_credentials",
// "message": "You have to be logged in to perform this action."}; page
// (from 1) and per_page (30, at most 100, else 400); a page past the
// tickets' limit (300, here 2) a 400 {"description": "Validation failed",
// "errors": [{"field": "page", …}]}; an array, and a lower-case link
// header `<…?page=2>;rel="next"` while more pages exist.
//
// mode: "limit" (the page limit is 2 where the tickets need 3), "429"
// (the second tickets page is refused once with Retry-After: 30; with
// -5 in "429-negative", an HTTP date long past in "429-past",
// 99999999999 in "429-huge"),
// "elsewhere" (the first tickets page links to other).
type freshdeskAPI struct {
	mode          string
	other         string
	mu            sync.Mutex
	requests      int
	badAuth       int
	limited       int
	tickets       []map[string]any
	conversations map[int][]map[string]any
}

func newFreshdeskAPI(mode string) *freshdeskAPI {
	a := &freshdeskAPI{mode: mode, conversations: map[int][]map[string]any{}}
	for i := 1; i <= 5; i++ {
		a.tickets = append(a.tickets, map[string]any{
			"id": i, "subject": fmt.Sprintf("Printer %d is on fire", i), "status": 2 + i%3, "priority": 1 + i%4, "source": 2,
			"requester_id": int64(103000000000) + int64(i), "responder_id": nil, "group_id": nil, "fr_escalated": i == 3, "spam": false,
			"tags": []string{"hardware", "urgent"}[:i%3], "cc_emails": []string{}, "created_at": fmt.Sprintf("2024-02-0%dT09:00:00Z", i),
			"updated_at": fmt.Sprintf("2024-03-0%dT09:00:00Z", i), "due_by": fmt.Sprintf("2024-02-0%dT17:00:00Z", i+1),
			"custom_fields": map[string]any{"cf_order_id": fmt.Sprintf("ORD-%d", 1000+i), "cf_refund_amount": []any{12.5, nil, "12.50", 0, 99}[i-1]},
		})
		for c := 1; c <= i%4; c++ {
			a.conversations[i] = append(a.conversations[i], map[string]any{
				"id": 5000 + 10*i + c, "ticket_id": i, "body_text": fmt.Sprintf("reply %d", c), "incoming": c%2 == 1, "private": false,
				"user_id": int64(103000000000) + int64(i), "created_at": fmt.Sprintf("2024-02-0%dT1%d:00:00Z", i, c), "attachments": []any{},
			})
		}
	}
	return a
}

func (a *freshdeskAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if u, p, ok := r.BasicAuth(); !ok || u != freshdeskKey || p != "X" {
		a.badAuth++
		curWrite(w, 401, `{"code": "invalid_credentials", "message": "You have to be logged in to perform this action."}`)
		return
	}
	q := r.URL.Query()
	page, perPage := curQueryInt(q, "page", 1), curQueryInt(q, "per_page", 30)
	if perPage > 100 {
		curWrite(w, 400, `{"description": "Validation failed", "errors": [{"field": "per_page", "message": "Has to be less than or equal to 100", "code": "invalid_value"}]}`)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v2/")
	var list []map[string]any
	switch {
	case path == "tickets":
		if q.Get("updated_since") == "" {
			curWrite(w, 400, `{"description": "Validation failed", "errors": [{"field": "updated_since", "message": "required here", "code": "missing_field"}]}`)
			return
		}
		if a.mode == "limit" && page > 2 {
			curWrite(w, 400, `{"description": "Validation failed", "errors": [{"field": "page", "message": "You cannot access tickets beyond the 300th page. Please provide a smaller page number.", "code": "invalid_value"}]}`)
			return
		}
		if strings.HasPrefix(a.mode, "429") && page == 2 && a.limited == 0 {
			a.limited++
			w.Header().Set("Retry-After", map[string]string{"429": "30", "429-negative": "-5", "429-past": "Wed, 21 Oct 2015 07:28:00 GMT", "429-huge": "99999999999"}[a.mode])
			w.Header().Set("X-RateLimit-Total", "200")
			w.Header().Set("X-RateLimit-Remaining", "0")
			curWrite(w, 429, `{"code": "rate_limit_exceeded", "message": "You have exceeded the limit of requests per minute"}`)
			return
		}
		list = a.tickets
	case strings.HasPrefix(path, "tickets/") && strings.HasSuffix(path, "/conversations"):
		id, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(path, "tickets/"), "/conversations"))
		list = a.conversations[id]
	default:
		curWrite(w, 404, `{"code": "invalid_url", "message": "There is no resource at this URL"}`)
		return
	}
	from := min((page-1)*perPage, len(list))
	to := min(from+perPage, len(list))
	if to < len(list) {
		q.Set("page", strconv.Itoa(page+1))
		next := "http://" + r.Host + r.URL.Path + "?" + q.Encode()
		if a.mode == "elsewhere" && path == "tickets" {
			next = a.other + r.URL.Path + "?" + q.Encode()
		}
		w.Header()["link"] = []string{"<" + next + `>;rel="next"`} // lower-case, as Freshdesk sends it
	}
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	curWrite(w, 200, curJSON(items))
}

func freshdeskEnv() map[string]string { return map[string]string{"FRESHDESK_API_KEY": freshdeskKey} }

const (
	freshdeskTicketQuery = `SELECT id, subject, status, requester_id, fr_escalated, custom_fields__cf_order_id, custom_fields__cf_refund_amount, typeof(custom_fields__cf_refund_amount) FROM tickets ORDER BY id`
	freshdeskConvQuery   = `SELECT _tickets_id, id, body_text, incoming, created_at FROM conversations ORDER BY id`
)

// check compares the tables with what the fake served.
func (a *freshdeskAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var tickets, convs []string
	for _, tk := range a.tickets {
		cf := tk["custom_fields"].(map[string]any)
		// cf_refund_amount: 12.5, null, "12.50", 0, 99: a number and a
		// string make the column text, each value as sent
		amount, typ := fmt.Sprint(cf["cf_refund_amount"]), "text"
		if cf["cf_refund_amount"] == nil {
			amount, typ = "<nil>", "null"
		}
		tickets = append(tickets, fmt.Sprintf("%v|%v|%v|%v|%v|%v|%s|%s", tk["id"], tk["subject"], tk["status"], tk["requester_id"], tk["fr_escalated"], cf["cf_order_id"], amount, typ))
		for _, c := range a.conversations[tk["id"].(int)] {
			convs = append(convs, fmt.Sprintf("%v|%v|%v|%v|%s +0000 UTC", tk["id"], c["id"], c["body_text"], c["incoming"],
				strings.Replace(strings.TrimSuffix(c["created_at"].(string), "Z"), "T", " ", 1)))
		}
	}
	r.checkTable(t, freshdeskTicketQuery, tickets)
	r.checkTable(t, freshdeskConvQuery, convs)
	r.noSecret(t, freshdeskKey)
}

// TestFreshdeskTickets: five tickets in pages of two by the lower-case
// link header (`>;rel="next"`, no space), each ticket's 0 to 3
// conversations; the key as the basic user name with X as password;
// a custom field that is a number in one ticket and a string in another
// kept as each was sent.
func TestFreshdeskTickets(t *testing.T) {
	api := newFreshdeskAPI("")
	r, _ := curServe(t, api, "freshdesk", "", freshdeskEnv())
	r.mustLoad(t)
	api.check(t, r)
	// tickets: 3 pages; conversations (1, 2, 3, 0, 1 of them): 1, 1, 2, 1, 1
	if api.requests != 3+6 || api.badAuth != 0 {
		t.Errorf("%d requests (%d without the key), want 9 (0)", api.requests, api.badAuth)
	}
}

// TestFreshdeskRateLimit: a 429 with Retry-After: 30 is waited out once
// and the load is complete; a negative Retry-After or a date long past
// asks no wait of its own (the backoff's, at most 1 s, applies) and the
// load is complete; one too large for a duration fails at once naming
// Retry-After and client.retry.max_backoff.
func TestFreshdeskRateLimit(t *testing.T) {
	api := newFreshdeskAPI("429")
	var s curSleeps
	r, _ := curServe(t, api, "freshdesk", "", freshdeskEnv(), s.tune)
	r.mustLoad(t)
	api.check(t, r)
	s.check(t, int32(api.requests), 1+3+6, "[30s]")
	for _, mode := range []string{"429-negative", "429-past"} {
		t.Run(mode, func(t *testing.T) {
			api := newFreshdeskAPI(mode)
			var s curSleeps
			r, _ := curServe(t, api, "freshdesk", "", freshdeskEnv(), s.tune)
			r.mustLoad(t)
			api.check(t, r)
			if w := s.all(); len(w) != 1 || w[0] < 0 || w[0] > time.Second {
				t.Errorf("waits %v, want one of at most 1s", w)
			}
		})
	}
	t.Run("429-huge", func(t *testing.T) {
		api := newFreshdeskAPI("429-huge")
		var s curSleeps
		r, srvURL := curServe(t, api, "freshdesk", "", freshdeskEnv(), s.tune)
		r.failedClean(t, srvURL, nil, freshdeskKey, []string{"tickets", "conversations"}, `resource "tickets": page 2`, "Retry-After", "client.retry.max_backoff")
		if len(s.all()) != 0 || api.limited != 1 {
			t.Errorf("waits %v after %d refusals, want none after 1", s.all(), api.limited)
		}
	})
}

// TestFreshdeskHostile: the page limit's 400 fails the run naming the
// page and Freshdesk's message (narrow updated_since to stay within it);
// a link to another host fails naming it, that host getting nothing.
func TestFreshdeskHostile(t *testing.T) {
	t.Run("limit", func(t *testing.T) {
		api := newFreshdeskAPI("limit")
		r, srvURL := curServe(t, api, "freshdesk", "", freshdeskEnv())
		r.failedClean(t, srvURL, nil, freshdeskKey, []string{"tickets", "conversations"}, `resource "tickets": page 3`, "page=3", "400", "beyond the 300th page")
		t.Log(r.err)
	})
	t.Run("elsewhere", func(t *testing.T) {
		other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { curWrite(w, 200, `[]`) }))
		api := newFreshdeskAPI("elsewhere")
		api.other = other.srv.URL
		r, srvURL := curServe(t, api, "freshdesk", "", freshdeskEnv())
		r.failedClean(t, srvURL, rest.ErrOutOfScope, freshdeskKey, []string{"tickets", "conversations"}, `resource "tickets"`, strings.TrimPrefix(other.srv.URL, "http://"), "client.allowed_hosts")
		if n := other.requests(); n != 0 {
			t.Errorf("the other host got %d requests (%d with the key)", n, other.carrying(freshdeskKey))
		}
	})
}
