package engine_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pipe-etl/pipe/engine/rest"
)

const sonarToken = "squ_4b1d2e3f5a6c7b8d9e0f1a2b3c4d5e6f7a8b9c0d"

// sonarAPI serves GET /api/issues/search as SonarQube documents it
// (https://next.sonarqube.com/sonarqube/web_api/api/issues/search,
// https://docs.sonarsource.com/sonarqube-server/latest/extension-guide/web-api/):
// a user token as the basic-auth login with an empty password, else a 401;
// p (1-based, default 1) and ps (default 100, at most 500); {"total", "p",
// "ps", "paging": {"pageIndex", "pageSize", "total"}, "effortTotal",
// "issues": [...], "components": [...], "facets": []}, total counting
// issues; a page past the last holds no issues. Elasticsearch behind it
// pages no further than 10,000 results: p*ps above that is a 400
// {"errors": [{"msg": "Can return only the first 10000 results. 10500th
// result asked."}]} (the message SonarQube sends, quoted in
// SonarQubeCommunity/sonar-issues-report#9 and soprasteria/sonar-report#7).
// A p below 1 is a 400 as well.
//
// mode: "drop" (once page 1 is served, its first issue is closed and
// leaves the search, so later pages shift by one).
type sonarAPI struct {
	mode     string
	cap      int
	mu       sync.Mutex
	requests int
	badAuth  int
	issues   []map[string]any
	pages    []string // the p of each request served
	dropped  bool
}

func newSonarAPI(mode string, n int) *sonarAPI {
	a := &sonarAPI{mode: mode, cap: 10000}
	sev := []string{"BLOCKER", "CRITICAL", "MAJOR", "MINOR", "INFO"}
	for i := 1; i <= n; i++ {
		is := map[string]any{
			"key": fmt.Sprintf("AXm9MXk5pRRGNpF%05d", i), "rule": fmt.Sprintf("java:S%d", 1000+i%50),
			"severity": sev[i%len(sev)], "component": fmt.Sprintf("my-project:src/main/java/F%d.java", i%7),
			"project": "my-project", "line": 10 + i, "status": "OPEN", "type": "CODE_SMELL",
			"message": fmt.Sprintf("Fix issue %d", i), "creationDate": "2026-04-15T09:23:00+0000",
			"tags": []string{"cwe", fmt.Sprintf("t%d", i%3)},
		}
		if i%4 == 0 {
			delete(is, "line") // file-level issues have no line
		}
		a.issues = append(a.issues, is)
	}
	return a
}

func (a *sonarAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(sonarToken+":")) {
		a.badAuth++
		w.WriteHeader(401)
		return
	}
	if r.URL.Path != "/api/issues/search" || r.URL.Query().Get("componentKeys") != "my-project" {
		curWrite(w, 404, `{"errors":[{"msg":"Unknown url"}]}`)
		return
	}
	q := r.URL.Query()
	p, ps := 1, 100
	p = curQueryInt(q, "p", p)
	ps = curQueryInt(q, "ps", ps)
	a.pages = append(a.pages, q.Get("p"))
	switch {
	case ps > 500:
		curWrite(w, 400, fmt.Sprintf(`{"errors":[{"msg":"'ps' value (%d) must be less than 500"}]}`, ps))
		return
	case p < 1:
		curWrite(w, 400, fmt.Sprintf(`{"errors":[{"msg":"Page must be greater or equal to 1 (got %d)"}]}`, p))
		return
	case p*ps > a.cap:
		curWrite(w, 400, fmt.Sprintf(`{"errors":[{"msg":"Can return only the first %d results. %dth result asked."}]}`, a.cap, p*ps))
		return
	}
	from := min((p-1)*ps, len(a.issues))
	page := a.issues[from:min(from+ps, len(a.issues))]
	curWrite(w, 200, curJSON(map[string]any{
		"total": len(a.issues), "p": p, "ps": ps,
		"paging":      map[string]any{"pageIndex": p, "pageSize": ps, "total": len(a.issues)},
		"effortTotal": 30 * len(a.issues), "issues": page,
		"components": []map[string]any{{"key": "my-project", "qualifier": "TRK", "name": "My Project"}}, "facets": []any{},
	}))
	if a.mode == "drop" && p == 1 && !a.dropped {
		a.dropped = true
		a.issues = a.issues[1:]
	}
}

func (a *sonarAPI) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv
}

func sonarRows(issues []map[string]any) []string {
	var out []string
	for _, is := range issues {
		out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s", is["key"], is["rule"], is["severity"], curNullable(is["line"]), is["message"]))
	}
	return out
}

const sonarQuery = `SELECT key, rule, severity, line, message FROM issues ORDER BY key`

func sonarEnv() map[string]string { return map[string]string{"SONAR_TOKEN": sonarToken} }

// sonarSpec is the shipped spec with each old replaced by its new.
func sonarSpec(t *testing.T, oldNew ...string) string {
	t.Helper()
	return curEdited(t, "sonarqube", oldNew...)
}

// TestSonarQubeIssues: 250 issues in pages of 100 (p=1..3), the walk ending
// on the empty page 4; every issue, its line (absent on file-level
// issues) and its tags as served, the token only in the basic login.
func TestSonarQubeIssues(t *testing.T) {
	api := newSonarAPI("", 250)
	srv := api.server(t)
	r := curRunSpec(t, "sonarqube", srv.URL, filepath.Join(t.TempDir(), "sq.db"), sonarEnv())
	r.mustLoad(t)
	r.checkTable(t, sonarQuery, sonarRows(api.issues))
	r.checkTable(t, `SELECT count(*), count(DISTINCT _pipe_parent_id) FROM issues__tags`, []string{"500|250"})
	r.checkTable(t, `SELECT typeof(line) FROM issues WHERE line IS NOT NULL GROUP BY 1`, []string{"integer"})
	if got := strings.Join(api.pages, ","); got != "1,2,3,4" {
		t.Errorf("pages requested %s, want 1,2,3,4", got)
	}
	if api.badAuth != 0 {
		t.Errorf("%d requests without the token", api.badAuth)
	}
	r.noSecret(t, sonarToken)
}

// TestSonarQubeTenThousandCap: 12,000 issues in pages of 500, the most
// SonarQube pages. Pages 1 to 20 hold the first 10,000; page 21 is
// SonarQube's 400. The run must fail, naming the page, the URL and
// SonarQube's own message, and load nothing: exit 0 with 10,000 of
// 12,000 would be a quiet loss.
func TestSonarQubeTenThousandCap(t *testing.T) {
	api := newSonarAPI("", 12000)
	srv := api.server(t)
	r := curRunText(t, "sonarqube", sonarSpec(t, "ps: 100", "ps: 500"), srv.URL, filepath.Join(t.TempDir(), "sq.db"), sonarEnv())
	r.failedClean(t, srv.URL, nil, sonarToken, []string{"issues", "issues__tags"},
		`resource "issues": page 21: GET http://api.test/api/issues/search?componentKeys=***&p=21&ps=500`, "400",
		"Can return only the first 10000 results. 10500th result asked.")
}

// TestSonarQubeMaximumPageAtCap: a user who read about the cap stops the
// walk before page 21 with maximum_page (as hygieia/hygieia#2650 did with
// "max pages to 20"). With 12,000 issues the walk then ends at 10,000
// while paging.total says 12,000: the run must fail (ErrMorePages) naming
// the total and the records read, not exit 0 with five sixths of them.
func TestSonarQubeMaximumPageAtCap(t *testing.T) {
	api := newSonarAPI("", 12000)
	srv := api.server(t)
	spec := sonarSpec(t, "ps: 100", "ps: 500", "base_page: 1}", "base_page: 1, maximum_page: 21}")
	r := curRunText(t, "sonarqube", spec, srv.URL, filepath.Join(t.TempDir(), "sq.db"), sonarEnv())
	r.failedClean(t, srv.URL, rest.ErrMorePages, sonarToken, []string{"issues", "issues__tags"},
		`resource "issues": page 20: GET http://api.test/api/issues/search?componentKeys=***&p=20&ps=500`,
		`maximum_page 21 reached`, `body "total" is 12000 and 10000 records were read`)

	// Below the cap the same spec loads everything: the walk ends on the
	// empty page before maximum_page.
	api = newSonarAPI("", 1200)
	srv = api.server(t)
	r = curRunText(t, "sonarqube", spec, srv.URL, filepath.Join(t.TempDir(), "sq.db"), sonarEnv())
	r.mustLoad(t)
	r.checkTable(t, `SELECT count(*), count(DISTINCT key) FROM issues`, []string{"1200|1200"})
}

// TestSonarQubeBasePageZero: a spec that leaves base_page at its default
// of 0 asks SonarQube for p=0, which it refuses with a 400 the run names.
func TestSonarQubeBasePageZero(t *testing.T) {
	api := newSonarAPI("", 250)
	srv := api.server(t)
	r := curRunText(t, "sonarqube", sonarSpec(t, "base_page: 1", "base_page: 0"), srv.URL, filepath.Join(t.TempDir(), "sq.db"), sonarEnv())
	r.failedClean(t, srv.URL, nil, sonarToken, []string{"issues"},
		`resource "issues": page 1: GET http://api.test/api/issues/search?componentKeys=***&p=0&ps=100`, "400", "Page must be greater or equal to 1 (got 0)")
}

// TestSonarQubeTotalPathOfIssues: paging.total counts issues, but
// page_number's total_path counts pages. A spec that names it there
// must not page to p=250: the empty page 4 fails the run, saying that
// the total equals the records read and that total_path counts pages.
func TestSonarQubeTotalPathOfIssues(t *testing.T) {
	api := newSonarAPI("", 250)
	srv := api.server(t)
	r := curRunText(t, "sonarqube", sonarSpec(t, "base_page: 1}", "base_page: 1, total_path: paging.total}"), srv.URL, filepath.Join(t.TempDir(), "sq.db"), sonarEnv())
	r.failedClean(t, srv.URL, rest.ErrMorePages, sonarToken, []string{"issues"},
		`resource "issues": page 4: GET http://api.test/api/issues/search?componentKeys=***&p=4&ps=100`,
		`total_path "paging.total" is 250 pages`, "250 records were read", "counts pages")
	if len(api.pages) != 4 {
		t.Errorf("%d requests, want 4", len(api.pages))
	}
}

// TestSonarQubeShiftUnseen: an issue closed after page 1 shifts the later
// pages by one, so the issue that moved onto page 1 would never be read.
// The spec names no total (paging.total counts issues; total_path of
// page_number counts pages), and page_number follows the total of
// records it finds on the first page: the fall from 250 to 249 fails the
// run.
func TestSonarQubeShiftUnseen(t *testing.T) {
	api := newSonarAPI("drop", 250)
	srv := api.server(t)
	r := curRunText(t, "sonarqube", "", srv.URL, filepath.Join(t.TempDir(), "sq.db"), sonarEnv())
	r.failedClean(t, srv.URL, rest.ErrShifted, sonarToken, []string{"issues"}, `body "total" was 250 and is 249 at page 2`)
}
