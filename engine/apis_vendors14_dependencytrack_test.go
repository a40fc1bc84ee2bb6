package engine_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

const dtrackKey = "odt_KTJ3bHtw5Yq8mN2pR6sV9xZ1cE4gH7jL"

func dtrackEnv() map[string]string { return map[string]string{"DTRACK_API_KEY": dtrackKey} }

// dtrackAPI serves GET /api/v1/project as Dependency-Track v4 does
// (https://docs.dependencytrack.org/integrations/rest-api/ and the API's
// ProjectResourceTest): X-Api-Key (401 with a plain-text body otherwise);
// pageNumber (from 1) and pageSize (default 100); a bare array of projects
// by name, an empty one past the last page; X-Total-Count on every
// answer.
//
// mode: "deleted" (a project is deleted once page 1 was served).
type dtrackAPI struct {
	mode     string
	mu       sync.Mutex
	projects []map[string]any
	requests []string
	done     bool
}

func newDtrackAPI(mode string, n int) *dtrackAPI {
	a := &dtrackAPI{mode: mode}
	for i := 1; i <= n; i++ {
		a.projects = append(a.projects, map[string]any{
			"name": fmt.Sprintf("acme-app-%d", i), "version": fmt.Sprintf("1.%d.0", i), "uuid": fmt.Sprintf("b3a1a4c2-0000-4000-8000-%012d", i),
			"classifier": "APPLICATION", "purl": fmt.Sprintf("pkg:maven/acme/app-%d@1.%d.0", i, i), "lastBomImport": 1717000000000 + int64(i),
			"lastInheritedRiskScore": 7.7 * float64(i), "active": i != 2, "isLatest": true, "tags": []map[string]any{{"name": "team-a"}},
		})
	}
	return a
}

func (a *dtrackAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.RawQuery)
	if r.Header.Get("X-Api-Key") != dtrackKey {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(401)
		fmt.Fprint(w, "Not authorized")
		return
	}
	if r.URL.Path != "/api/v1/project" {
		w.WriteHeader(404)
		return
	}
	q := r.URL.Query()
	size := curQueryInt(q, "pageSize", 100)
	page := max(curQueryInt(q, "pageNumber", 1), 1)
	from, to := min((page-1)*size, len(a.projects)), min(page*size, len(a.projects))
	list := a.projects[from:to]
	if list == nil {
		list = []map[string]any{}
	}
	w.Header().Set("X-Total-Count", fmt.Sprint(len(a.projects)))
	curWrite(w, 200, curJSON(list))
	if a.mode == "deleted" && page == 1 && !a.done {
		a.done = true
		a.projects = a.projects[1:]
	}
}

func (a *dtrackAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var want []string
	for _, p := range a.projects {
		want = append(want, fmt.Sprintf("%s|%s|%s|%v|%v|%v", p["uuid"], p["name"], p["version"], p["lastBomImport"], p["lastInheritedRiskScore"], p["active"]))
	}
	r.checkTable(t, `SELECT uuid, name, version, last_bom_import, last_inherited_risk_score, active FROM projects ORDER BY name`, want)
	r.noSecret(t, dtrackKey)
}

// TestDependencyTrackProjects: five projects two a page by pageNumber
// from 1; the empty page 4 ends the walk.
func TestDependencyTrackProjects(t *testing.T) {
	api := newDtrackAPI("", 5)
	r, _ := v14Serve(t, api, "dependencytrack", "", dtrackEnv())
	r.mustLoad(t)
	api.check(t, r)
	curSameRows(t, "requests", v13Locked(&api.mu, func() []string { return api.requests }), []string{"pageNumber=1&pageSize=2", "pageNumber=2&pageSize=2", "pageNumber=3&pageSize=2", "pageNumber=4&pageSize=2"})
}

// TestDependencyTrackDeletedMidWalk: with six projects, one deleted after
// page 1 moves acme-app-3 onto page 1, read already; the page count stays
// 3 and only X-Total-Count shows it (6, then 5). The README holds a
// page_number walk to "a total of records the end check finds on the
// first page", and the end check reads X-Total-Count when the body has
// none: the run must fail naming it rather than load five of six.
func TestDependencyTrackDeletedMidWalk(t *testing.T) {
	api := newDtrackAPI("deleted", 6)
	r, srvURL := v14Serve(t, api, "dependencytrack", "", dtrackEnv())
	r.failedClean(t, srvURL, nil, dtrackKey, []string{"projects"}, `resource "projects"`, "X-Total-Count")
	t.Log(r.err)
}
