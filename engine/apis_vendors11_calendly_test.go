package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const calendlyToken = "eyJraWQiOiIxY2UxZTEzNjE3ZGNmNzY2YjNjZWJjY2Y4ZGM1YmFmYThhNjVlNjg0MDIzZjdjMzJiZTgzNDliMjM4MDEzNWI0IiwidHlwIjoiUEFUIiwiYWxnIjoiRVMyNTYifQ.calendly.sig"

func calendlyEnv() map[string]string { return map[string]string{"CALENDLY_TOKEN": calendlyToken} }

// calendlyAPI serves GET /scheduled_events and
// /scheduled_events/{uuid}/invitees as Calendly documents them
// (https://developer.calendly.com/api-docs,
// https://developer.calendly.com/api-docs/2d5ed9bbd2952-list-events,
// https://developer.calendly.com/api-docs/eb8ee72701f99-list-event-invitees,
// https://developer.calendly.com/api-docs/edca8074633f8-rate-limits): a
// bearer token (401 {"title": "Unauthenticated", "message": "The access
// token is invalid"} otherwise); user (a user URI), count (20, at most
// 100), page_token, sort; {"collection": [...], "pagination": {"count",
// "next_page", "previous_page", "next_page_token",
// "previous_page_token"}}, next_page the full URL with page_token and
// every parameter, null on the last page; records keyed by their uri;
// 429 with X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset
// (seconds to the reset).
//
// mode: "limit" (the first invitees request is 429 with
// X-RateLimit-Reset 11), "elsewhere" (the events' next_page names
// another host), "tokenonly" (the events' page 2 has next_page null but a
// next_page_token).
type calendlyAPI struct {
	mode     string
	other    string
	mu       sync.Mutex
	requests int
	limited  bool
	events   []map[string]any
	invitees map[string][]map[string]any
}

func newCalendlyAPI(mode string) *calendlyAPI {
	a := &calendlyAPI{mode: mode, invitees: map[string][]map[string]any{}}
	for i := 1; i <= 5; i++ {
		uuid := fmt.Sprintf("GBGBDCAADAEDCRZ%d", i)
		a.events = append(a.events, map[string]any{
			"uri": "BASE/scheduled_events/" + uuid, "name": "15 Minute Meeting", "status": []string{"active", "canceled"}[i%2],
			"start_time": fmt.Sprintf("2024-07-0%dT14:00:00.000000Z", i), "end_time": fmt.Sprintf("2024-07-0%dT14:15:00.000000Z", i),
			"event_type": "BASE/event_types/GBGBDCAADAEDCRZ2", "location": map[string]any{"type": "zoom", "join_url": "https://zoom.us/j/123"},
			"invitees_counter": map[string]any{"total": i % 3, "active": i % 3, "limit": 1}, "created_at": "2024-06-01T10:00:00.000000Z",
			"updated_at": "2024-06-01T10:00:00.000000Z", "event_memberships": []map[string]any{{"user": "BASE/users/AAAAAAAAAAAAAAAA"}},
		})
		for n := 1; n <= i%3; n++ {
			a.invitees[uuid] = append(a.invitees[uuid], map[string]any{
				"uri": fmt.Sprintf("BASE/scheduled_events/%s/invitees/AAAA%d", uuid, n), "email": fmt.Sprintf("test%d@example.com", n),
				"name": fmt.Sprintf("John Doe %d", n), "status": "active", "timezone": "America/New_York", "event": "BASE/scheduled_events/" + uuid,
				"questions_and_answers": []map[string]any{{"question": "Skype ID", "answer": "@johndoe", "position": 0}}, "created_at": "2024-06-02T10:00:00.000000Z",
			})
		}
	}
	return a
}

// calendlyFill returns v as JSON with base written for BASE in the
// records' URIs.
func calendlyFill(v any, base string) json.RawMessage {
	return json.RawMessage(strings.ReplaceAll(curJSON(v), "BASE/", base+"/"))
}

func (a *calendlyAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	base := "http://" + r.Host
	if !curBearer(r, calendlyToken) {
		curWrite(w, 401, `{"title": "Unauthenticated", "message": "The access token is invalid"}`)
		return
	}
	q := r.URL.Query()
	var list []map[string]any
	switch {
	case r.URL.Path == "/scheduled_events":
		if q.Get("user") != base+"/users/AAAAAAAAAAAAAAAA" {
			curWrite(w, 400, `{"title": "Invalid Argument", "message": "The supplied parameters are invalid.", "details": [{"parameter": "user", "message": "must be a valid URI"}]}`)
			return
		}
		list = a.events
	case strings.HasPrefix(r.URL.Path, "/scheduled_events/") && strings.HasSuffix(r.URL.Path, "/invitees"):
		if a.mode == "limit" && !a.limited {
			a.limited = true
			w.Header().Set("X-RateLimit-Limit", "100")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "11")
			curWrite(w, 429, `{"title": "Too Many Requests", "message": "You have exceeded the rate limit"}`)
			return
		}
		list = a.invitees[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/scheduled_events/"), "/invitees")]
	default:
		curWrite(w, 404, `{"title": "Resource Not Found", "message": "The server could not find the requested resource."}`)
		return
	}
	at := 0
	if tok := q.Get("page_token"); tok != "" {
		fmt.Sscanf(strings.TrimPrefix(tok, "sNjq4TvMDfUHEl7z"), "%d", &at)
	}
	count := min(curQueryInt(q, "count", 20), 100)
	from := min(at, len(list))
	to := min(from+count, len(list))
	pag := map[string]any{"count": to - from, "next_page": nil, "previous_page": nil, "next_page_token": nil, "previous_page_token": nil}
	if to < len(list) {
		tok := fmt.Sprintf("sNjq4TvMDfUHEl7z%d", to)
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("page_token", tok)
		pag["next_page"], pag["next_page_token"] = base+r.URL.Path+"?"+nq.Encode(), tok
		if a.mode == "elsewhere" && r.URL.Path == "/scheduled_events" {
			pag["next_page"] = a.other + "/scheduled_events?" + nq.Encode()
		}
		if a.mode == "tokenonly" && r.URL.Path == "/scheduled_events" && at > 0 {
			pag["next_page"] = nil
		}
	}
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	curWrite(w, 200, curJSON(map[string]any{"collection": calendlyFill(items, base), "pagination": pag}))
}

const (
	calendlyEventQuery   = `SELECT uri, status, start_time, location__type, invitees_counter__total FROM events ORDER BY uri`
	calendlyInviteeQuery = `SELECT _events_uri, uri, email, name FROM invitees ORDER BY uri`
	calendlyQAQuery      = `SELECT i.email, q.question, q.answer FROM invitees i JOIN invitees__questions_and_answers q ON q._pipe_parent_id = i._pipe_id ORDER BY i.email, i.uri`
)

func (a *calendlyAPI) check(t *testing.T, r curRun, base string) {
	t.Helper()
	var events, invitees, qa []string
	for _, e := range a.events {
		uri := strings.Replace(e["uri"].(string), "BASE", base, 1)
		st := e["start_time"].(string)
		events = append(events, fmt.Sprintf("%s|%v|%s %s +0000 UTC|zoom|%v", uri, e["status"], st[:10], st[11:19], e["invitees_counter"].(map[string]any)["total"]))
		for _, v := range a.invitees[strings.TrimPrefix(e["uri"].(string), "BASE/scheduled_events/")] {
			invitees = append(invitees, fmt.Sprintf("%s|%s|%v|%v", uri, strings.Replace(v["uri"].(string), "BASE", base, 1), v["email"], v["name"]))
			qa = append(qa, fmt.Sprintf("%v|Skype ID|@johndoe", v["email"]))
		}
	}
	sort.Strings(invitees)
	sort.Strings(qa)
	r.checkTable(t, calendlyEventQuery, events)
	r.checkTable(t, calendlyInviteeQuery, invitees)
	r.checkTable(t, calendlyQAQuery, qa)
	r.noSecret(t, calendlyToken)
}

// TestCalendlyEventsAndInvitees: five events two a page by
// pagination.next_page, each event's invitees from the event's own uri
// (an absolute URL on the API's origin) plus /invitees; questions and
// answers as a child table.
func TestCalendlyEventsAndInvitees(t *testing.T) {
	api := newCalendlyAPI("")
	r, srvURL := curServe(t, api, "calendly", "", calendlyEnv())
	r.mustLoad(t)
	api.check(t, r, srvURL)
	if api.requests != 3+5 {
		t.Errorf("%d requests, want 8", api.requests)
	}
}

// TestCalendlyRateLimitReset: a 429 with X-RateLimit-Reset 11 (seconds)
// is waited out for 11 s.
func TestCalendlyRateLimitReset(t *testing.T) {
	api := newCalendlyAPI("limit")
	var sleeps curSleeps
	r, srvURL := curServe(t, api, "calendly", "", calendlyEnv(), sleeps.tune)
	r.mustLoad(t)
	api.check(t, r, srvURL)
	sleeps.check(t, int32(api.requests), 9, "[11s]")
}

// TestCalendlyHostile: a next_page on another host fails naming it, the
// other host getting nothing; a page whose next_page is null while its
// next_page_token holds a token fails naming next_page_token rather than
// end at 4 of 5 events; each with nothing loaded.
func TestCalendlyHostile(t *testing.T) {
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		curWrite(w, 200, `{"collection": [], "pagination": {"next_page": null}}`)
	}))
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"elsewhere", rest.ErrOutOfScope, []string{`resource "events"`, strings.TrimPrefix(other.srv.URL, "http://"), "client.allowed_hosts"}},
		{"tokenonly", rest.ErrMorePages, []string{`resource "events"`, "next_page_token"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newCalendlyAPI(c.mode)
			api.other = other.srv.URL
			r, srvURL := curServe(t, api, "calendly", "", calendlyEnv())
			r.failedClean(t, srvURL, c.sentinel, calendlyToken, []string{"events", "invitees"}, c.parts...)
			t.Log(r.err)
		})
	}
	if n := other.requests(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}
