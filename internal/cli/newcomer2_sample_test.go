package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// nc2SumoSampleAPI is a small Sumo Logic Search Job API after
// https://help.sumologic.com/docs/api/search-job/ (engine's nc2Sumo has
// the full fake): POST /api/v1/search/jobs answers 202 {"id", "link"};
// the job's status answers GATHERING RESULTS once, then DONE GATHERING
// RESULTS with messageCount 5; …/messages?offset=&limit= answers
// {"fields", "messages": [{"map": {…}}]}. It records each request.
type nc2SumoSampleAPI struct {
	mu       sync.Mutex
	polls    int
	requests []string
}

func (s *nc2SumoSampleAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI())
	w.Header().Set("Content-Type", "application/json")
	const job = "/api/v1/search/jobs/IUUQI-DJKS7-12ABX"
	switch {
	case r.Method == "POST" && r.URL.Path == "/api/v1/search/jobs":
		w.WriteHeader(202)
		fmt.Fprint(w, `{"id": "IUUQI-DJKS7-12ABX", "link": {"rel": "self", "href": "https://api.sumologic.com`+job+`"}}`)
	case r.URL.Path == job:
		state, count := "GATHERING RESULTS", 0
		if s.polls > 0 {
			state, count = "DONE GATHERING RESULTS", 5
		}
		s.polls++
		fmt.Fprintf(w, `{"state": %q, "messageCount": %d, "recordCount": 0, "pendingErrors": [], "pendingWarnings": [], "histogramBuckets": []}`, state, count)
	case r.URL.Path == job+"/messages":
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		lim, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		var msgs []string
		for i := off + 1; i <= min(off+lim, 5); i++ {
			msgs = append(msgs, fmt.Sprintf(`{"map": {"_messageid": "-9%017d", "_raw": "line %d"}}`, i, i))
		}
		fmt.Fprintf(w, `{"fields": [], "messages": [%s]}`, strings.Join(msgs, ","))
	default:
		w.WriteHeader(404)
		fmt.Fprint(w, `{"status": 404, "code": "not.found"}`)
	}
}

// TestNewcomer2SampleSumoPolls: `pipe run --sample 2` on the Sumo spec
// starts a search job (a POST), polls its status until it is ready, as
// a run does, and reads 2 pages of messages; it shows the requests with
// the access key nowhere. The README says --sample sends "a POST that
// starts a job on the API included"; it says nothing of poll under
// --sample, and this pins that the poll runs (one not-ready answer, then
// the ready one).
func TestNewcomer2SampleSumoPolls(t *testing.T) {
	api := &nc2SumoSampleAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	spec := nc2Spec(t, "newcomer2_sumo", "interval: 5s", "interval: 1s")
	env := map[string]string{"SUMO_ACCESS_ID": "suA1b2C3d4E5f6", "SUMO_ACCESS_KEY": "Kq9zR2vX7mP4wL8nT3yB6cJ1hF5dG0sA2eU7iO4pQ9rW3tY6"}
	code, stdout, stderr := run(t, env, "run", spec, "--var", "api_url="+srv.URL, "--sample", "2")
	api.mu.Lock()
	defer api.mu.Unlock()
	want := []string{
		"POST /api/v1/search/jobs",
		"GET /api/v1/search/jobs/IUUQI-DJKS7-12ABX",
		"GET /api/v1/search/jobs/IUUQI-DJKS7-12ABX",
		"GET /api/v1/search/jobs/IUUQI-DJKS7-12ABX/messages?limit=2&offset=0",
		"GET /api/v1/search/jobs/IUUQI-DJKS7-12ABX/messages?limit=2&offset=2",
	}
	if code != ExitOK || fmt.Sprint(api.requests) != fmt.Sprint(want) {
		t.Errorf("exit %d, requests\n%q\nwant\n%q\n%s%s", code, api.requests, want, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "Kq9zR2vX7mP4wL8nT3yB6cJ1hF5dG0sA2eU7iO4pQ9rW3tY6") {
		t.Errorf("the output holds the access key")
	}
	if !strings.Contains(stdout, "  table search_jobs\n    id          text  primary key\n") {
		t.Errorf("sample does not list search_jobs keyed by id:\n%s", stdout)
	}
}

// TestNewcomer2SampleParentKeyMarked (type 2): the job_status resource is
// keyed by the column it takes from its parent (primary_key:
// _search_jobs_id, with include_from_parent: [id]), and --sample lists
// its table without "primary key" beside that column, where it marks
// messages' map___messageid (a key read from the record). The README
// says --sample prints "the tables and column types pipe would create";
// the schema records the column as no key at all (pipe schema shows
// "keys" from the same flag).
func TestNewcomer2SampleParentKeyMarked(t *testing.T) {
	api := &nc2SumoSampleAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	spec := nc2Spec(t, "newcomer2_sumo", "interval: 5s", "interval: 1s")
	env := map[string]string{"SUMO_ACCESS_ID": "suA1b2C3d4E5f6", "SUMO_ACCESS_KEY": "Kq9zR2vX7mP4wL8nT3yB6cJ1hF5dG0sA2eU7iO4pQ9rW3tY6"}
	code, stdout, stderr := run(t, env, "run", spec, "--var", "api_url="+srv.URL, "--sample", "2")
	if code != ExitOK || !strings.Contains(stdout, "    _search_jobs_id  text  primary key\n") || !strings.Contains(stdout, "    map___messageid  text  primary key\n") {
		t.Errorf("exit %d, want both keys marked:\n%s%s", code, stdout, stderr)
	}
}
