package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// acmeAPI is a small three-level API (orgs -> projects -> deps) that pages
// the way real APIs do: orgs through a next link in the body, projects
// through an RFC 8288 Link header, deps in one plain array. It checks
// its api key on every request.
type acmeAPI struct {
	orgs, projectsPerOrg, depsPerProject int
	requests                             atomic.Int64
	// rename changes every org name, so a rerun has something to merge.
	rename string
	// failOrgsAfter makes orgs pages after the first answer 500 (when > 0).
	failOrgsAfter int
	// plan adds a new field "plan" to every org when set.
	plan any
	// gone is a project whose deps answer 404, as if deleted meanwhile.
	gone string
	// changedOwner is a project whose second owner has another email.
	changedOwner string
	// renamedProject is a project with another name.
	renamedProject string
}

func (a *acmeAPI) server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/orgs", a.listOrgs)
	mux.HandleFunc("GET /api/orgs/{org}/projects", a.listProjects)
	mux.HandleFunc("GET /api/projects/{project}/deps", a.listDeps)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.requests.Add(1)
		if r.Header.Get("X-Api-Key") != "token s3cret" {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func pageOf(r *http.Request, total int) (from, to int, next int) {
	size, _ := strconv.Atoi(r.URL.Query().Get("page_size"))
	if size <= 0 {
		size = 10
	}
	from, _ = strconv.Atoi(r.URL.Query().Get("cursor"))
	to = min(from+size, total)
	if to < total {
		next = to
	}
	return from, to, next
}

func (a *acmeAPI) listOrgs(w http.ResponseWriter, r *http.Request) {
	from, to, next := pageOf(r, a.orgs)
	if a.failOrgsAfter > 0 && from >= a.failOrgsAfter {
		http.Error(w, `{"error":"backend down"}`, http.StatusBadGateway)
		return
	}
	var items []map[string]any
	for i := from; i < to; i++ {
		items = append(items, map[string]any{
			"id":         fmt.Sprintf("org-%d", i),
			"attributes": map[string]any{"name": fmt.Sprintf("Org %d%s", i, a.rename), "created_at": "2024-01-02T03:04:05Z", "seats": i * 10},
			"tags":       []string{"a", "b"},
			// Hostile keys: they must load as columns and harm nothing.
			"drop table orgs; --": i,
			`we"ird`:              "quoted",
		})
		if a.plan != nil {
			items[len(items)-1]["plan"] = a.plan
		}
	}
	body := map[string]any{"items": items}
	if next > 0 {
		body["next"] = fmt.Sprintf("/api/orgs?page_size=%s&cursor=%d", r.URL.Query().Get("page_size"), next)
	}
	writeJSON(w, body)
}

func (a *acmeAPI) listProjects(w http.ResponseWriter, r *http.Request) {
	org := r.PathValue("org")
	from, to, next := pageOf(r, a.projectsPerOrg)
	var items []map[string]any
	for i := from; i < to; i++ {
		items = append(items, map[string]any{
			"id":       fmt.Sprintf("%s-p%d", org, i),
			"name":     fmt.Sprintf("project %d", i),
			"settings": map[string]any{"recurring": map[string]any{"frequency": "daily"}},
			"owners":   []map[string]any{{"email": "a@example.com"}, {"email": "b@example.com"}},
		})
		if items[len(items)-1]["id"] == a.changedOwner {
			items[len(items)-1]["owners"] = []map[string]any{{"email": "a@example.com"}, {"email": "c@example.com"}}
		}
		if items[len(items)-1]["id"] == a.renamedProject {
			items[len(items)-1]["name"] = "renamed"
		}
	}
	if next > 0 {
		w.Header().Set("Link", fmt.Sprintf(`<%s?page_size=%s&cursor=%d>; rel="next"`, r.URL.Path, r.URL.Query().Get("page_size"), next))
	}
	writeJSON(w, map[string]any{"items": items})
}

func (a *acmeAPI) listDeps(w http.ResponseWriter, r *http.Request) {
	project := r.PathValue("project")
	if project == a.gone {
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
		return
	}
	if !strings.HasPrefix(project, r.URL.Query().Get("org")+"-") {
		http.Error(w, `{"error":"org param does not match project"}`, http.StatusBadRequest)
		return
	}
	var items []map[string]any
	for i := 0; i < a.depsPerProject; i++ {
		items = append(items, map[string]any{"name": fmt.Sprintf("%s-lib%d", project, i), "version": "1.0." + strconv.Itoa(i), "score": 1.5})
	}
	writeJSON(w, items)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
