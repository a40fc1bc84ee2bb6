package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const greenhouseKey = "9f2c7a1e5b3d4c6f8a0b1c2d3e4f5a6b-1"

// greenhouseAPI serves GET /v1/candidates as Greenhouse documents it
// (https://developers.greenhouse.io/harvest.html#authentication,
// #pagination, #get-list-candidates): HTTP Basic with the key as the user
// name and a blank password, else 401 {"message": "Invalid Basic Auth
// credentials"}; per_page (100, at most 500) and page (from 1); an array
// of candidates and a Link header with rel="next" (absent on the last
// page), "prev" and "last", each URL absolute with per_page kept.
//
// mode: "elsewhere" (page 1's next link is on other, another host),
// "nonext" (page 2 of 3 has rel="last" and no rel="next"), "selfnext"
// (page 2's next link is page 2 itself, rel="last" page 3).
type greenhouseAPI struct {
	mode       string
	other      string
	mu         sync.Mutex
	requests   int
	badAuth    int
	candidates []map[string]any
}

func newGreenhouseAPI(mode string) *greenhouseAPI {
	a := &greenhouseAPI{mode: mode}
	for i := 1; i <= 5; i++ {
		id := int64(53883394) + int64(i)
		a.candidates = append(a.candidates, map[string]any{
			"id": id, "first_name": fmt.Sprintf("Jane%d", i), "last_name": "Smith", "company": nil, "title": "Engineer",
			"created_at": fmt.Sprintf("2024-09-2%dT12:56:05.244Z", i), "updated_at": fmt.Sprintf("2024-10-2%dT12:56:05.244Z", i),
			"is_private": i == 4, "photo_url": nil, "application_ids": []int64{69306314 + int64(i)}, "tags": []string{"Python", "Ruby"}[:i%3],
			"email_addresses": []map[string]any{{"value": fmt.Sprintf("jane%d@example.com", i), "type": "personal"}},
			"applications": []map[string]any{{"id": 69306314 + int64(i), "candidate_id": id, "prospect": i == 5, "status": "active",
				"applied_at": "2024-09-29T12:56:05.244Z", "current_stage": map[string]any{"id": 5245804, "name": "Application Review"},
				"jobs": []map[string]any{{"id": 4690, "name": "Backend Engineer"}}}},
			"custom_fields":       map[string]any{"desired_salary": fmt.Sprint(1000 * i), "work_remotely": i%2 == 0},
			"keyed_custom_fields": map[string]any{"date_of_birth": map[string]any{"name": "Date of Birth", "type": "date", "value": "1980-01-0" + fmt.Sprint(i)}},
		})
	}
	return a
}

func (a *greenhouseAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if u, p, ok := r.BasicAuth(); !ok || u != greenhouseKey || p != "" {
		a.badAuth++
		curWrite(w, 401, `{"message": "Invalid Basic Auth credentials"}`)
		return
	}
	if r.URL.Path != "/v1/candidates" {
		curWrite(w, 404, `{"message": "Resource not found"}`)
		return
	}
	q := r.URL.Query()
	page, perPage := curQueryInt(q, "page", 1), min(curQueryInt(q, "per_page", 100), 500)
	last := max((len(a.candidates)+perPage-1)/perPage, 1)
	link := func(p int, rel string) string {
		return fmt.Sprintf(`<http://%s/v1/candidates?page=%d&per_page=%d>; rel="%s"`, r.Host, p, perPage, rel)
	}
	var links []string
	if page < last {
		next := link(page+1, "next")
		switch {
		case a.mode == "elsewhere" && page == 1:
			next = fmt.Sprintf(`<%s/v1/candidates?page=2&per_page=%d>; rel="next"`, a.other, perPage)
		case a.mode == "nonext" && page == 2:
			next = ""
		case a.mode == "selfnext" && page == 2:
			next = link(2, "next")
		}
		if next != "" {
			links = append(links, next)
		}
	}
	if page > 1 {
		links = append(links, link(page-1, "prev"))
	}
	links = append(links, link(last, "last"))
	w.Header().Set("Link", strings.Join(links, ","))
	from := min((page-1)*perPage, len(a.candidates))
	items := a.candidates[from:min(from+perPage, len(a.candidates))]
	if items == nil {
		items = []map[string]any{}
	}
	curWrite(w, 200, curJSON(items))
}

func greenhouseEnv() map[string]string { return map[string]string{"GREENHOUSE_API_KEY": greenhouseKey} }

const (
	greenhouseCandidateQuery = `SELECT id, first_name, is_private, created_at, custom_fields__desired_salary, typeof(custom_fields__desired_salary), custom_fields__work_remotely, keyed_custom_fields__date_of_birth__value FROM candidates ORDER BY id`
	greenhouseAppQuery       = `SELECT c.id, a.id, a.status, a.current_stage__name, a.prospect FROM candidates c JOIN candidates__applications a ON a._pipe_parent_id = c._pipe_id ORDER BY c.id`
	greenhouseJobQuery       = `SELECT a.id, j.id, j.name FROM candidates__applications a JOIN candidates__applications__jobs j ON j._pipe_parent_id = a._pipe_id ORDER BY a.id`
)

// check compares the tables with what the fake served.
func (a *greenhouseAPI) check(t *testing.T, r curRun) {
	t.Helper()
	var cands, apps, jobs []string
	for _, c := range a.candidates {
		cf := c["custom_fields"].(map[string]any)
		dob := c["keyed_custom_fields"].(map[string]any)["date_of_birth"].(map[string]any)["value"]
		cands = append(cands, fmt.Sprintf("%v|%v|%v|%s +0000 UTC|%v|text|%v|%v", c["id"], c["first_name"], c["is_private"],
			strings.Replace(strings.TrimSuffix(c["created_at"].(string), "Z"), "T", " ", 1), cf["desired_salary"], cf["work_remotely"], dob))
		for _, ap := range c["applications"].([]map[string]any) {
			apps = append(apps, fmt.Sprintf("%v|%v|active|Application Review|%v", c["id"], ap["id"], ap["prospect"]))
			jobs = append(jobs, fmt.Sprintf("%v|4690|Backend Engineer", ap["id"]))
		}
	}
	r.checkTable(t, greenhouseCandidateQuery, cands)
	r.checkTable(t, greenhouseAppQuery, apps)
	r.checkTable(t, greenhouseJobQuery, jobs)
	r.noSecret(t, greenhouseKey)
}

// TestGreenhouseCandidates: five candidates in pages of two by the Link
// header's rel="next" (absolute URLs), the key sent as the basic user
// name with an empty password on every request; applications and their
// jobs as child tables, custom fields flattened, a desired_salary sent as
// a string kept text, a date (no time) kept as its text.
func TestGreenhouseCandidates(t *testing.T) {
	api := newGreenhouseAPI("")
	r, _ := curServe(t, api, "greenhouse", "", greenhouseEnv())
	r.mustLoad(t)
	api.check(t, r)
	if api.requests != 3 || api.badAuth != 0 {
		t.Errorf("%d requests (%d without the key), want 3 (0)", api.requests, api.badAuth)
	}
}

// TestGreenhouseHostile: a next link on another host fails naming it and
// client.allowed_hosts, that host getting nothing; a page with rel="last"
// elsewhere but no rel="next", and a next link to the page itself, fail
// with nothing loaded.
func TestGreenhouseHostile(t *testing.T) {
	t.Run("elsewhere", func(t *testing.T) {
		other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { curWrite(w, 200, `[]`) }))
		api := newGreenhouseAPI("elsewhere")
		api.other = other.srv.URL
		r, srvURL := curServe(t, api, "greenhouse", "", greenhouseEnv())
		r.failedClean(t, srvURL, rest.ErrOutOfScope, greenhouseKey, []string{"candidates"}, `resource "candidates"`, strings.TrimPrefix(other.srv.URL, "http://"), "client.allowed_hosts")
		if n := other.requests(); n != 0 {
			t.Errorf("the other host got %d requests (%d with the key)", n, other.carrying(greenhouseKey))
		}
	})
	for _, c := range []struct {
		mode  string
		parts []string
	}{
		{"nonext", []string{`resource "candidates": page 2`, "page=2&per_page=2", "last"}},
		{"selfnext", []string{`resource "candidates": page 2`, "page=2&per_page=2", "last"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newGreenhouseAPI(c.mode)
			r, srvURL := curServe(t, api, "greenhouse", "", greenhouseEnv())
			r.failedClean(t, srvURL, nil, greenhouseKey, []string{"candidates"}, c.parts...)
			t.Log(r.err)
		})
	}
}
