package engine_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

const (
	nc2SumoID    = "suA1b2C3d4E5f6"
	nc2SumoKey   = "Kq9zR2vX7mP4wL8nT3yB6cJ1hF5dG0sA2eU7iO4pQ9rW3tY6"
	nc2SumoJobID = "IUUQI-DJKS7-12ABX"
)

// nc2Sumo serves Sumo Logic's Search Job API as
// https://help.sumologic.com/docs/api/search-job/ describes it: basic
// auth with an access id and key (else 401); POST /api/v1/search/jobs
// {"query", "from", "to", "timeZone"} answers 202 Accepted {"id",
// "link": {"rel": "self", "href"}} and sets a session cookie ("You must
// enable cookies for subsequent requests to the search job. A 404 status
// (Page Not Found) on a follow-up request may be due to a cookie not
// accompanying the request"); GET /api/v1/search/jobs/{id} answers
// {"state", "messageCount", "recordCount", "pendingErrors",
// "pendingWarnings", "histogramBuckets"}, state NOT STARTED, GATHERING
// RESULTS, then DONE GATHERING RESULTS (or CANCELLED, FORCE PAUSED);
// GET …/messages?offset=&limit= answers {"fields", "messages": [{"map":
// {"_messageid", "_messagetime", "_raw", …}}]} (every value a string, as
// Sumo writes them), limit at most 10000.
//
// Knobs: states (what the status requests answer in turn, the last one
// again and again), needCookie (requests after the POST without the
// job's cookie answer 404), served (when >= 0, messages past that many
// are not served: a result set that lost messages while messageCount
// still counts them).
type nc2Sumo struct {
	states     []string
	needCookie bool
	served     int

	mu       sync.Mutex
	polls    int
	requests []string
	bodies   []string
}

func newNc2Sumo(states ...string) *nc2Sumo { return &nc2Sumo{states: states, served: -1} }

const nc2SumoCount = 5

func nc2SumoMessage(i int) map[string]any {
	return map[string]any{"map": map[string]any{
		"_messageid":      fmt.Sprintf("-9%017d", i),
		"_messagetime":    fmt.Sprint(1714521600000 + i*1000),
		"_raw":            fmt.Sprintf("2024-05-01 00:00:0%d ERROR auth: login failed for user%d", i, i),
		"_sourcecategory": "prod/auth",
	}}
}

func (s *nc2Sumo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI())
	if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(nc2SumoID+":"+nc2SumoKey)) {
		curWrite(w, 401, `{"status": 401, "id": "XXXX", "code": "unauthorized", "message": "Credential could not be verified."}`)
		return
	}
	jobPath := "/api/v1/search/jobs/" + nc2SumoJobID
	switch {
	case r.Method == "POST" && r.URL.Path == "/api/v1/search/jobs":
		s.bodies = append(s.bodies, string(body))
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "node7-abc", Path: "/"})
		curWrite(w, 202, curJSON(map[string]any{"id": nc2SumoJobID, "link": map[string]any{"rel": "self", "href": "https://api.sumologic.com" + jobPath}}))
		return
	}
	if s.needCookie {
		if c, err := r.Cookie("JSESSIONID"); err != nil || c.Value != "node7-abc" {
			curWrite(w, 404, `{"status": 404, "id": "YYYY", "code": "searchjob.jobid.invalid", "message": "Job ID is invalid."}`)
			return
		}
	}
	switch r.URL.Path {
	case jobPath:
		state := s.states[min(s.polls, len(s.states)-1)]
		s.polls++
		count := 0
		if state == "DONE GATHERING RESULTS" || state == "FORCE PAUSED" {
			count = nc2SumoCount
		}
		curWrite(w, 200, curJSON(map[string]any{"state": state, "messageCount": count, "recordCount": 0,
			"pendingErrors": []string{}, "pendingWarnings": []string{},
			"histogramBuckets": []map[string]any{{"length": 60000, "count": count, "startTimestamp": 1714521600000}}}))
	case jobPath + "/messages":
		q := r.URL.Query()
		off, lim := curQueryInt(q, "offset", -1), curQueryInt(q, "limit", -1)
		if off < 0 || lim < 1 || lim > 10000 {
			curWrite(w, 400, `{"status": 400, "code": "searchjob.offset.missing", "message": "offset and limit are required"}`)
			return
		}
		total := nc2SumoCount
		if s.served >= 0 {
			total = s.served
		}
		msgs := []map[string]any{}
		for i := off + 1; i <= min(off+lim, total); i++ {
			msgs = append(msgs, nc2SumoMessage(i))
		}
		curWrite(w, 200, curJSON(map[string]any{"fields": []map[string]any{{"name": "_messageid", "fieldType": "long", "keyField": false}}, "messages": msgs}))
	default:
		curWrite(w, 404, `{"status": 404, "code": "not.found"}`)
	}
}

var nc2SumoEnv = map[string]string{"SUMO_ACCESS_ID": nc2SumoID, "SUMO_ACCESS_KEY": nc2SumoKey}

func nc2SumoWantMessages(n int) []string {
	var want []string
	for i := 1; i <= n; i++ {
		m := nc2SumoMessage(i)["map"].(map[string]any)
		want = append(want, fmt.Sprintf("%s|%s|%s", m["_messageid"], m["_messagetime"], m["_raw"]))
	}
	return want
}

// TestNewcomer2SumoSearchJob: the job is created by a POST answered 202
// with its id (loaded: a POST's 202 with a record is a job started),
// polled through NOT STARTED and GATHERING RESULTS to DONE GATHERING
// RESULTS, and its 5 messages read 2 at a time by offset and limit.
func TestNewcomer2SumoSearchJob(t *testing.T) {
	api := newNc2Sumo("NOT STARTED", "GATHERING RESULTS", "GATHERING RESULTS", "DONE GATHERING RESULTS")
	var sl curSleeps
	r, _ := curServe(t, api, "newcomer2_sumo", "", nc2SumoEnv, sl.tune)
	r.mustLoad(t)
	r.checkTable(t, `SELECT id FROM search_jobs`, []string{nc2SumoJobID})
	r.checkTable(t, `SELECT _search_jobs_id, state, message_count FROM job_status`, []string{nc2SumoJobID + "|DONE GATHERING RESULTS|5"})
	r.checkTable(t, `SELECT map___messageid, map___messagetime, map___raw FROM messages ORDER BY map___messageid`, nc2SumoWantMessages(5))
	r.noSecret(t, nc2SumoKey)
	if got, want := fmt.Sprint(sl.all()), "[5s 5s 5s]"; got != want {
		t.Errorf("waits %s, want %s", got, want)
	}
	want := `{"from":"2024-05-01T00:00:00","query":"_sourceCategory=prod/auth error","timeZone":"UTC","to":"2024-05-01T01:00:00"}`
	if len(api.bodies) != 1 || api.bodies[0] != want {
		t.Errorf("POST bodies %q, want [%s]", api.bodies, want)
	}
	if got := strings.Join(api.requests[len(api.requests)-3:], "\n"); got != strings.Join([]string{
		"GET /api/v1/search/jobs/" + nc2SumoJobID + "/messages?limit=2&offset=0",
		"GET /api/v1/search/jobs/" + nc2SumoJobID + "/messages?limit=2&offset=2",
		"GET /api/v1/search/jobs/" + nc2SumoJobID + "/messages?limit=2&offset=4"}, "\n") {
		t.Errorf("message requests:\n%s", got)
	}
}

// TestNewcomer2SumoJobStops: a job Sumo cancels (inactivity) or pauses at
// its result limit fails the run naming the fail_if condition and the
// state; nothing is loaded.
func TestNewcomer2SumoJobStops(t *testing.T) {
	for _, state := range []string{"CANCELLED", "FORCE PAUSED"} {
		t.Run(state, func(t *testing.T) {
			api := newNc2Sumo("GATHERING RESULTS", state)
			r, srv := curServe(t, api, "newcomer2_sumo", "", nc2SumoEnv)
			r.failedClean(t, srv, nil, nc2SumoKey, []string{"search_jobs", "job_status", "messages"},
				"job_status", `state=="`+state+`"`, "fail_if")
		})
	}
}

// TestNewcomer2SumoLostMessagesLoaded pins what a newcomer cannot express
// (type 4): the number of messages is in the parent's status
// (messageCount 5), the messages pages hold no total, so a result set
// served short (3 of 5, the second page short) ends the offset walk at
// its short page and loads 3 messages with exit 0. Writing the parent's
// count as the walk's total is what the spec would need
// (total_path: "{resources.job_status.messageCount}", see
// TestNewcomer2SumoTotalPathPlaceholder).
func TestNewcomer2SumoLostMessagesLoaded(t *testing.T) {
	api := newNc2Sumo("DONE GATHERING RESULTS")
	api.served = 3
	r, _ := curServe(t, api, "newcomer2_sumo", "", nc2SumoEnv)
	r.mustLoad(t)
	r.checkTable(t, `SELECT message_count FROM job_status`, []string{"5"})
	if n := len(api.requests); n != 4 {
		t.Errorf("%d requests, want 4 (POST, status, 2 message pages): %q", n, api.requests)
	}
	r.checkTable(t, `SELECT map___messageid, map___messagetime, map___raw FROM messages ORDER BY map___messageid`, nc2SumoWantMessages(3))
}

// TestNewcomer2SumoCookieSession pins type 4: Sumo's docs require the
// job's session cookie on every request after the POST; pipe keeps no
// cookies between requests (the README names none), so the status poll
// gets Sumo's 404 "Job ID is invalid" and the run fails (exit 1, nothing
// loaded). The error names the status URL and the 404, not cookies.
func TestNewcomer2SumoCookieSession(t *testing.T) {
	api := newNc2Sumo("DONE GATHERING RESULTS")
	api.needCookie = true
	r, srv := curServe(t, api, "newcomer2_sumo", "", nc2SumoEnv)
	r.failedClean(t, srv, nil, nc2SumoKey, []string{"search_jobs", "job_status", "messages"},
		"http://api.test/api/v1/search/jobs/"+nc2SumoJobID, "404", "Job ID is invalid")
}

// TestNewcomer2SumoPrimaryKeyColumnName (type 3): primary_key written as
// the column name (map__messageid, as the table shows it and as column
// hints are written) passes `pipe validate` and fails the run with
// `table "messages": primary key "map__messageid": missing or null in
// record`, which reads as if the API left the id out. The message should
// say that primary_key is a path into the record, not a column name.
func TestNewcomer2SumoPrimaryKeyColumnName(t *testing.T) {
	t.Skip(`bug: primary_key written as a column name (map__messageid) fails the run as "missing or null in record" without saying primary_key is a field path, not a column name`)
	text := curEdited(t, "newcomer2_sumo", "primary_key: map._messageid", "primary_key: map__messageid")
	r, srv := curServe(t, newNc2Sumo("DONE GATHERING RESULTS"), "newcomer2_sumo", text, nc2SumoEnv)
	r.mustFail(t, srv, `primary key "map__messageid"`, "primary_key is a path into the record", "not a column name")
}
