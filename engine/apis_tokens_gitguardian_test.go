package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

// ggIncidents serves GET /v1/incidents/secrets as GitGuardian documents it
// (https://docs.gitguardian.com/api-docs/pagination,
// https://docs.gitguardian.com/api-docs/authentication): "Authorization:
// Token <key>", else 401 {"detail": "Invalid API key."}; per_page; a JSON
// array as the body; the next page in a lower-case link header,
// <https://…/v1/incidents/secrets?cursor=cD0yMDIz&per_page=2>; rel="next",
// beside rel="prev" after the first page, and only rel="prev" on the last.
// The cursor is base64 ("p=<position>") URL-encoded (%3D): the fake reads
// the raw query and answers 400 {"detail": "Invalid cursor"} to a cursor
// that was decoded or encoded again.
//
// mode: "repeat" (page 3 links page 2 again), "otherhost" (the links are
// absolute on api.gitguardian.com's real host, another origin than the
// spec's base_url, as when the spec runs against a proxy).
type ggIncidents struct {
	total    int
	mode     string
	origin   string // the origin the links name
	requests atomic.Int32
}

const ggKey = "ggAPIkey0123456789abcdefABCDEFghijklmnopqrstuvwxyz0123"

func ggCursor(n int) string {
	return strings.ReplaceAll(base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("p=%d", n))), "=", "%3D")
}

func ggIncident(n int) string {
	return fmt.Sprintf(`{"id":%d,"date":"2024-05-%02dT10:20:30.123456Z","detector":{"name":"aws_iam","display_name":"AWS Keys","nature":"specific","family":"Api","detector_group_name":"aws_iam"},"secret_hash":"Ri9FjVgdOlPnBmujoxP4XPJcbe82BhJXB%d","status":"%s","severity":"%s","validity":"%s","occurrences_count":%d,"ignore_reason":null,"share_url":null,"tags":["PUBLIC","FROM_HISTORICAL_SCAN"]}`,
		n, n, n, map[bool]string{true: "RESOLVED", false: "TRIGGERED"}[n%3 == 0], map[bool]string{true: "high", false: "unknown"}[n%2 == 0], map[bool]string{true: "valid", false: "invalid"}[n%2 == 1], n*2)
}

func (g *ggIncidents) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.requests.Add(1)
	if r.Header.Get("Authorization") != "Token "+ggKey {
		curWrite(w, http.StatusUnauthorized, `{"detail":"Invalid API key."}`)
		return
	}
	if r.URL.Path != "/v1/incidents/secrets" || r.URL.Query().Get("per_page") != "2" {
		curWrite(w, http.StatusBadRequest, `{"detail":"Invalid request"}`)
		return
	}
	start := 0
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		if c, ok := strings.CutPrefix(kv, "cursor="); ok {
			start = -1
			for n := 0; n < g.total; n += 2 {
				if ggCursor(n) == c {
					start = n
				}
			}
			if start < 0 {
				curWrite(w, http.StatusBadRequest, `{"detail":"Invalid cursor"}`)
				return
			}
		}
	}
	end := min(start+2, g.total)
	link := func(n int, rel string) string {
		return fmt.Sprintf(`<%s/v1/incidents/secrets?cursor=%s&per_page=2>; rel="%s"`, g.origin, ggCursor(n), rel)
	}
	var links []string
	if start > 0 {
		links = append(links, link(start-2, "prev"))
	}
	switch {
	case g.mode == "repeat" && start == 4:
		links = append(links, link(2, "next"))
	case end < g.total:
		links = append(links, link(end, "next"))
	}
	if len(links) > 0 {
		w.Header()["link"] = []string{strings.Join(links, ", ")}
	}
	var items []string
	for n := start; n < end; n++ {
		items = append(items, ggIncident(n+1))
	}
	curWrite(w, http.StatusOK, "["+strings.Join(items, ",")+"]")
}

func ggRun(t *testing.T, api *ggIncidents) (curRun, string, *vendorOrigin) {
	t.Helper()
	other := newVendorOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { curWrite(w, http.StatusOK, `[]`) }))
	srv := newVendorOrigin(t, api)
	api.origin = srv.srv.URL
	if api.mode == "otherhost" {
		api.origin = other.srv.URL
	}
	env := map[string]string{"GITGUARDIAN_API_KEY": ggKey}
	return curRunText(t, "gitguardian", "", srv.srv.URL, filepath.Join(t.TempDir(), "gg.db"), env), srv.srv.URL, other
}

// TestGitGuardianIncidentsLoadsExactly: every incident of a top-level JSON
// array, through the lower-case link header's rel="next", its cursor sent
// as the link holds it (%3D kept), to the last page that links only
// rel="prev"; tags as a child table (ignore_reason, null in every incident, makes no column).
func TestGitGuardianIncidentsLoadsExactly(t *testing.T) {
	api := &ggIncidents{total: 7}
	r, _, _ := ggRun(t, api)
	r.mustLoad(t)
	var want []string
	for n := 1; n <= 7; n++ {
		want = append(want, fmt.Sprintf("%d|2024-05-%02dT10:20:30.123456000Z|AWS Keys|%s|%d|2", n, n,
			map[bool]string{true: "RESOLVED", false: "TRIGGERED"}[n%3 == 0], n*2))
	}
	r.checkTable(t, `SELECT i.id, CAST(i.date AS TEXT), i.detector__display_name, i.status, i.occurrences_count, (SELECT count(*) FROM incidents__tags c WHERE c._pipe_parent_id = i._pipe_id) FROM incidents i ORDER BY i.id`, want)
	if n := api.requests.Load(); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
	r.noSecret(t, ggKey)
}

// TestGitGuardianIncidentsHostile: a link back to a page already read
// fails as a loop; links on another origin than base_url fail before any
// request goes there, naming the host and client.allowed_hosts.
func TestGitGuardianIncidentsHostile(t *testing.T) {
	for _, c := range []struct {
		mode     string
		sentinel error
		parts    []string
	}{
		{"repeat", rest.ErrLoop, []string{`resource "incidents": page 3: GET http://api.test/v1/incidents/secrets?cursor=` + ggCursor(4) + `&per_page=2`, `header_link: next link http://api.test/v1/incidents/secrets?cursor=` + ggCursor(2) + `&per_page=2 seen before: pagination loop`}},
		{"otherhost", nil, []string{`resource "incidents": page 2: GET http://127.0.0.1:`, "origin not allowed", "client.allowed_hosts"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			r, url, other := ggRun(t, &ggIncidents{total: 7, mode: c.mode})
			r.failedClean(t, url, c.sentinel, ggKey, []string{"incidents", "incidents__tags"}, c.parts...)
			if n := other.requests(); n != 0 {
				t.Errorf("%d requests went to the other origin", n)
			}
		})
	}
}
