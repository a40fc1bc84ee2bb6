package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
)

const (
	insightvmUser     = "nxadmin"
	insightvmPassword = "R7-c0ns0le-Pa55w0rd-9f3e"
)

// insightvmAPI serves GET /api/3/assets and
// /api/3/assets/{id}/vulnerabilities as Rapid7 documents API v3
// (https://help.rapid7.com/insightvm/en-us/api/index.html: "Pagination",
// "Responses", "Assets"): basic auth, else a 401 {"status": 401,
// "message": "..."}; page (0-based, default 0) and size (default 10, at
// most 500); {"resources": [...], "page": {"number", "size",
// "totalResources", "totalPages"}, "links": [{"href", "rel"}]}, a page past
// the last holding no resources.
//
// mode: "cap_size" (the server sends at most 2 per page whatever size
// asks, and counts totalPages in pages of 2), "clamp" (a page past the
// last answers the last page again, page.number included), "string_total"
// (totalPages as a string), "ratelimit" (page 1 of assets is a 429 with
// Retry-After: 5 once), "shrink1" / "shrink2" (once page 0 of assets is
// served, the first one or two assets are deleted, so later pages shift).
type insightvmAPI struct {
	mode     string
	mu       sync.Mutex
	requests int
	badAuth  int
	limited  bool
	changed  bool
	assets   []map[string]any
	all      []map[string]any // every asset as first served
	vulns    map[int][]map[string]any
	pages    []string // the page of each assets request
}

func newInsightvmAPI(mode string) *insightvmAPI {
	a := &insightvmAPI{mode: mode, vulns: map[int][]map[string]any{}}
	for i := 1; i <= 8; i++ {
		id := 280 + i
		a.assets = append(a.assets, map[string]any{
			"id": id, "ip": fmt.Sprintf("10.4.0.%d", i), "hostName": fmt.Sprintf("host-%d.corp.example", i),
			"os": []string{"Ubuntu Linux 22.04", "Microsoft Windows Server 2019"}[i%2], "riskScore": float64(i) * 1234.5,
			"vulnerabilities": map[string]any{"critical": i % 3, "severe": i % 5, "moderate": 2, "total": i%3 + i%5 + 2},
			"links":           []map[string]any{{"href": fmt.Sprintf("https://insightvm.example.com:3780/api/3/assets/%d", id), "rel": "self"}},
		})
		for j := 0; j < i%4; j++ {
			a.vulns[id] = append(a.vulns[id], map[string]any{
				"id": fmt.Sprintf("ssh-weak-cipher-%d", j), "status": "vulnerable", "since": "2026-11-02T08:10:00.000Z",
				"instances": j + 1, "results": []map[string]any{{"port": 22, "protocol": "tcp", "proof": "<p>weak</p>"}},
			})
		}
	}
	a.all = a.assets
	return a
}

func (a *insightvmAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if u, p, ok := r.BasicAuth(); !ok || u != insightvmUser || p != insightvmPassword {
		a.badAuth++
		curWrite(w, 401, `{"status":401,"message":"Authentication required.","links":[]}`)
		return
	}
	q := r.URL.Query()
	page, size := 0, 10
	page = curQueryInt(q, "page", page)
	size = curQueryInt(q, "size", size)
	if a.mode == "cap_size" {
		size = min(size, 2)
	}
	var list []map[string]any
	path := strings.TrimPrefix(r.URL.Path, "/api/3/")
	switch {
	case path == "assets":
		a.pages = append(a.pages, q.Get("page"))
		if a.mode == "ratelimit" && page == 1 && !a.limited {
			a.limited = true
			w.Header().Set("Retry-After", "5")
			curWrite(w, 429, `{"status":429,"message":"Too many requests.","links":[]}`)
			return
		}
		list = a.assets
	case strings.HasPrefix(path, "assets/") && strings.HasSuffix(path, "/vulnerabilities"):
		id, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(path, "assets/"), "/vulnerabilities"))
		list = a.vulns[id]
	default:
		curWrite(w, 404, `{"status":404,"message":"Not found.","links":[]}`)
		return
	}
	totalPages := (len(list) + size - 1) / size
	if a.mode == "clamp" && page >= totalPages && totalPages > 0 {
		page = totalPages - 1
	}
	from := min(page*size, len(list))
	res := list[from:min(from+size, len(list))]
	link := func(p int, rel string) map[string]any {
		return map[string]any{"href": fmt.Sprintf("https://insightvm.example.com:3780/api/3/%s?page=%d&size=%d", path, p, size), "rel": rel}
	}
	links := []map[string]any{link(0, "first"), link(page, "self")}
	if page+1 < totalPages {
		links = append(links, link(page+1, "next"))
	}
	links = append(links, link(max(totalPages-1, 0), "last"))
	var tp any = totalPages
	if a.mode == "string_total" {
		tp = strconv.Itoa(totalPages)
	}
	curWrite(w, 200, curJSON(map[string]any{
		"resources": res, "links": links,
		"page": map[string]any{"number": page, "size": size, "totalResources": len(list), "totalPages": tp},
	}))
	if path == "assets" && page == 0 && !a.changed && strings.HasPrefix(a.mode, "shrink") {
		a.changed = true
		a.assets = a.assets[int(a.mode[len(a.mode)-1]-'0'):]
	}
}

func (a *insightvmAPI) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv
}

func insightvmEnv() map[string]string {
	return map[string]string{"INSIGHTVM_USER": insightvmUser, "INSIGHTVM_PASSWORD": insightvmPassword}
}

const (
	insightvmAssetQuery = `SELECT id, ip, host_name, risk_score, typeof(risk_score), vulnerabilities__critical, vulnerabilities__total FROM assets ORDER BY id`
	insightvmVulnQuery  = `SELECT _assets_id, id, instances, status FROM asset_vulnerabilities ORDER BY _assets_id, id`
)

func insightvmAssetRows(assets []map[string]any) []string {
	var out []string
	for _, as := range assets {
		v := as["vulnerabilities"].(map[string]any)
		out = append(out, fmt.Sprintf("%d|%s|%s|%v|real|%d|%d", as["id"], as["ip"], as["hostName"], as["riskScore"], v["critical"], v["total"]))
	}
	return out
}

func (a *insightvmAPI) vulnRows() []string {
	var out []string
	for _, as := range a.all {
		id := as["id"].(int)
		for _, v := range a.vulns[id] {
			out = append(out, fmt.Sprintf("%d|%s|%d|%s", id, v["id"], v["instances"], v["status"]))
		}
	}
	return out
}

// insightvmSpec is the shipped spec with each old replaced by its new.
func insightvmSpec(t *testing.T, oldNew ...string) string {
	t.Helper()
	return curEdited(t, "insightvm", oldNew...)
}

// TestInsightVMAssets: eight assets in 0-based pages of three (0, 1, 2),
// each asset's vulnerabilities in pages of two (an asset with none has
// totalPages 0 and ends on page 0); every value as served, riskScore a
// double, the credentials only in the basic auth header. The same load
// when the server sends two per page whatever size asks (its totalPages
// then counts pages of two), and when totalPages is a string.
func TestInsightVMAssets(t *testing.T) {
	for _, tt := range []struct{ mode, pages string }{{"", "0,1,2"}, {"cap_size", "0,1,2,3"}, {"string_total", "0,1,2"}} {
		t.Run("mode="+tt.mode, func(t *testing.T) {
			api := newInsightvmAPI(tt.mode)
			srv := api.server(t)
			r := curRunSpec(t, "insightvm", srv.URL, filepath.Join(t.TempDir(), "r7.db"), insightvmEnv())
			r.mustLoad(t)
			r.checkTable(t, insightvmAssetQuery, insightvmAssetRows(api.assets))
			r.checkTable(t, insightvmVulnQuery, api.vulnRows())
			r.checkTable(t, `SELECT count(*) FROM asset_vulnerabilities__results`, []string{"12"})
			if got := strings.Join(api.pages, ","); got != tt.pages {
				t.Errorf("asset pages requested %s, want %s", got, tt.pages)
			}
			if api.badAuth != 0 {
				t.Errorf("%d requests without the credentials", api.badAuth)
			}
			r.noSecret(t, insightvmPassword)
		})
	}
}

// TestInsightVMRateLimited: a 429 with Retry-After: 5 on page 1 is waited
// out as the header says and the page asked again; the data is exact.
func TestInsightVMRateLimited(t *testing.T) {
	api := newInsightvmAPI("ratelimit")
	srv := api.server(t)
	var sleeps curSleeps
	r := curRunText(t, "insightvm", "", srv.URL, filepath.Join(t.TempDir(), "r7.db"), insightvmEnv(), sleeps.tune)
	r.mustLoad(t)
	waits := sleeps.all()
	if len(waits) != 1 || waits[0] != 5*time.Second {
		t.Errorf("waits = %v, want the 5s of Retry-After", waits)
	}
	r.checkTable(t, insightvmAssetQuery, insightvmAssetRows(api.assets))
	if got := strings.Join(api.pages, ","); got != "0,1,1,2" {
		t.Errorf("asset pages requested %s, want 0,1,1,2", got)
	}
}

// TestInsightVMHostile: each variant, run on assets alone, must fail with
// a specific error and load nothing.
//   - base_page 1 (a 1-based reading of a 0-based API): page 0 is never
//     asked and page 3, the last of totalPages 3 counted from 1, is
//     empty; the run names base_page.
//   - a page past the last that answers the last page again, with no
//     total_path (the walk waits for an empty page): the repeat is caught.
//   - two assets deleted after page 0, so totalPages falls from 3 to 2:
//     offsets shifted (ErrShifted).
func TestInsightVMHostile(t *testing.T) {
	tests := []struct {
		name, mode string
		oldNew     []string
		err        error
		parts      []string
	}{
		{"base_page 1", "", []string{"base_page: 0", "base_page: 1"}, rest.ErrMorePages, []string{
			`resource "assets": page 3: GET http://api.test/api/3/assets?page=3&size=3&sort=id%2CASC`,
			`page 3, the last of total_path "page.totalPages"'s 3 pages counted from base_page 1, held no records`, "set base_page: 0"}},
		{"clamped past the end", "clamp", []string{", total_path: page.totalPages}", "}"}, nil, []string{
			`resource "assets": page 4: GET http://api.test/api/3/assets?page=3&size=3&sort=id%2CASC: response identical to page 3: pagination loop`}},
		{"shrinks by a page", "shrink2", nil, rest.ErrShifted, []string{
			`resource "assets": page 2: GET http://api.test/api/3/assets?page=1&size=3&sort=id%2CASC`, `total_path "page.totalPages" was 3 pages and is 2 at page 1`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newInsightvmAPI(tt.mode)
			srv := api.server(t)
			spec := insightvmSpec(t, tt.oldNew...)
			spec = spec[:strings.Index(spec, "  - name: asset_vulnerabilities")] // assets alone: which chain fails first is no matter of chance
			r := curRunText(t, "insightvm", spec, srv.URL, filepath.Join(t.TempDir(), "r7.db"), insightvmEnv())
			r.failedClean(t, srv.URL, tt.err, insightvmPassword, []string{"assets", "asset_vulnerabilities"}, tt.parts...)
		})
	}
}

// TestInsightVMShiftWithinAPage: one asset deleted after page 0 shifts
// the later pages by one, so asset 4 moves onto page 0 and is never read,
// while totalPages stays 3: only page.totalResources (8, then 7) shows
// it, and page_number follows that total of records on every page.
func TestInsightVMShiftWithinAPage(t *testing.T) {
	api := newInsightvmAPI("shrink1")
	srv := api.server(t)
	r := curRunSpec(t, "insightvm", srv.URL, filepath.Join(t.TempDir(), "r7.db"), insightvmEnv())
	r.failedClean(t, srv.URL, rest.ErrShifted, insightvmPassword, []string{"assets"}, `body "page.totalResources" was 8 and is 7 at page 1`)
}
