package engine_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/state"
)

// stripeEvents serves Stripe's List all events
// (docs.stripe.com/api/events/list, docs.stripe.com/api/pagination,
// docs.stripe.com/api/errors): created[gte] (and gt, lt, lte) in Unix
// seconds, limit, starting_after; newest first (by created, then id);
// {"object": "list", "url", "has_more", "data"}; a 400 invalid_request_error
// for a created[gte] that is no integer, and for a starting_after that
// names no event.
type stripeEvents struct {
	mu     sync.Mutex
	events map[string]any // id -> created (a number, or a hostile value)
	// ignoreFilter answers as an API that does not read created[gte].
	ignoreFilter bool
	gte          []string // created[gte] of each first page
}

func newStripeEvents() *stripeEvents { return &stripeEvents{events: map[string]any{}} }

func (s *stripeEvents) add(id string, created any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events[id] = created
}

func stripeErr(w http.ResponseWriter, param, msg string) {
	curWrite(w, http.StatusBadRequest, fmt.Sprintf(`{"error":{"type":"invalid_request_error","code":"parameter_invalid_integer","param":%q,"message":%q}}`, param, msg))
}

// createdOf reads a created value as the fake orders it (seconds).
func createdOf(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

func (s *stripeEvents) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+stripeKey {
		curWrite(w, http.StatusUnauthorized, `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****"}}`)
		return
	}
	q := r.URL.Query()
	gte, err := strconv.ParseInt(q.Get("created[gte]"), 10, 64)
	if err != nil {
		stripeErr(w, "created[gte]", "Invalid integer: "+q.Get("created[gte]"))
		return
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit < 1 || limit > 100 {
		limit = 10
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q.Get("starting_after") == "" {
		s.gte = append(s.gte, q.Get("created[gte]"))
	}
	var ids []string
	for id, c := range s.events {
		if s.ignoreFilter || createdOf(c) >= gte {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		if ca, cb := createdOf(s.events[a]), createdOf(s.events[b]); ca != cb {
			return int(cb - ca) // newest first
		}
		return strings.Compare(b, a)
	})
	from := 0
	if after := q.Get("starting_after"); after != "" {
		i := slices.Index(ids, after)
		if i < 0 {
			curWrite(w, http.StatusBadRequest, fmt.Sprintf(`{"error":{"type":"invalid_request_error","code":"resource_missing","param":"starting_after","message":"No such event: '%s'"}}`, after))
			return
		}
		from = i + 1
	}
	page := ids[from:min(len(ids), from+limit)]
	var data []string
	for _, id := range page {
		data = append(data, fmt.Sprintf(`{"id":%q,"object":"event","api_version":"2024-06-20","created":%s,"data":{"object":{"id":"cus_%s","object":"customer","email":"jenny.rosen@example.com"}},"livemode":false,"pending_webhooks":0,"request":{"id":null,"idempotency_key":null},"type":"customer.created"}`,
			id, curJSON(s.events[id]), id))
	}
	curWrite(w, http.StatusOK, fmt.Sprintf(`{"object":"list","url":"/v1/events","has_more":%t,"data":[%s]}`, from+limit < len(ids), strings.Join(data, ",")))
}

// rows returns the fake's events as stripeEventsQuery reads them.
func (s *stripeEvents) rows() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, c := range s.events {
		out = append(out, fmt.Sprintf("%s|%v|cus_%s", id, c, id))
	}
	slices.Sort(out)
	return out
}

const stripeEventsQuery = `SELECT id, created, data__object__id FROM events ORDER BY id, _pipe_id`

func stripeEventsRun(t *testing.T, text, srvURL, db string) curRun {
	t.Helper()
	r := curRunText(t, "stripe_events", text, srvURL, db, map[string]string{"STRIPE_SECRET_KEY": stripeKey})
	r.noSecret(t, stripeKey)
	return r
}

// TestStripeEventsIncremental: three runs over events listed newest
// first, several in one second. Each later run sends created[gte] as the
// largest created loaded (a number, as Stripe writes it); the events of
// that second come again and are not appended twice, a new event in it
// is. With an API that ignores created[gte] (every event on every run)
// the table is the same: pipe keeps the window on its side.
func TestStripeEventsIncremental(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignoreFilter=%v", ignore), func(t *testing.T) {
			s := newStripeEvents()
			s.ignoreFilter = ignore
			for i, c := range []int64{1700000100, 1700000200, 1700000200, 1700000200, 1700000150} {
				s.add(fmt.Sprintf("evt_%02d", i+1), c)
			}
			srv := newVendorOrigin(t, s)
			db := filepath.Join(t.TempDir(), "stripe.db")
			r := stripeEventsRun(t, "", srv.srv.URL, db)
			r.mustLoad(t)
			r.checkTable(t, stripeEventsQuery, s.rows())

			s.add("evt_06", int64(1700000200)) // in the cursor's second
			s.add("evt_07", int64(1700000300))
			r = stripeEventsRun(t, "", srv.srv.URL, db)
			r.mustLoad(t)
			r.checkTable(t, stripeEventsQuery, s.rows())

			r = stripeEventsRun(t, "", srv.srv.URL, db)
			r.mustLoad(t)
			r.checkTable(t, stripeEventsQuery, s.rows())
			if want := []string{"1700000000", "1700000200", "1700000300"}; !slices.Equal(s.gte, want) {
				t.Errorf("created[gte] sent = %q, want %q", s.gte, want)
			}
			c := state.ParseCursor(queryStrings(t, openDB(t, db), `SELECT cursor FROM _pipe_state WHERE resource = 'events'`)[0])
			if c.Value != "1700000300" || len(c.Boundary) != 1 {
				t.Errorf("cursor = %+v, want 1700000300 with one event", c)
			}
		})
	}
}

// TestStripeEventsCreatedInMilliseconds: one event whose created is in
// milliseconds (a proxy or a data fix that wrote the wrong unit). As a
// number it is larger than every second since 1970, so the cursor would
// jump to it and every later run would ask for created[gte] far in the
// future and get nothing, each completing. The run must fail, naming
// the resource, the page and the cursor field.
func TestStripeEventsCreatedInMilliseconds(t *testing.T) {
	s := newStripeEvents()
	s.add("evt_01", int64(1700000100))
	s.add("evt_02", int64(1700000200))
	s.add("evt_03", int64(1700000150123))
	srv := newVendorOrigin(t, s)
	r := stripeEventsRun(t, "", srv.srv.URL, filepath.Join(t.TempDir(), "stripe.db"))
	r.mustFail(t, srv.srv.URL, `resource "events"`, "http://api.test/v1/events?", `"created"`)
	r.noRows(t, "events")
}
