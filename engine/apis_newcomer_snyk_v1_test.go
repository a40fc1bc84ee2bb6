package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

const newcomerSnykToken = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

// newcomerSnykV1 serves POST /v1/reporting/issues/latest as Snyk documents
// it (https://docs.snyk.io/snyk-api/reference/reporting-api-v1):
// Authorization: token KEY, else 401 {"code": 401, "error": "Invalid auth
// token provided"}; page (from 1) and perPage (1..1000, default 100) in the
// query, the filters in a JSON body whose filters.orgs is required (400
// otherwise); {"results": [{"issue": {...}, "projects": [...], "isFixed",
// "introducedDate"}], "total": N}, total counting every issue of the
// filters; 70 requests per minute, the 71st a 429.
//
// mode: "" as documented; "emptymid" (page 2 answers no results but the
// same total), "grow" (an issue is added to the total after page 1),
// "ratelimit" (the first request gets a 429 with Retry-After: 7).
type newcomerSnykV1 struct {
	mode     string
	prefix   string // a path before /v1 (escaped as sent), "" for none
	mu       sync.Mutex
	requests int
	bodies   []string
	pages    []string
	queries  []string // each request's raw query
	issues   []map[string]any
}

func newNewcomerSnykV1(mode string) *newcomerSnykV1 {
	a := &newcomerSnykV1{mode: mode}
	sev := []string{"critical", "high", "medium", "low", "high"}
	for i := 1; i <= 5; i++ {
		a.issues = append(a.issues, map[string]any{
			"issue": map[string]any{
				"id": fmt.Sprintf("SNYK-JS-LODASH-59010%d", i), "title": fmt.Sprintf("Prototype Pollution %d", i),
				"severity": sev[i-1], "package": "lodash", "version": "4.17.1" + fmt.Sprint(i), "cvssScore": 7.5 + float64(i)/10,
				"identifiers": map[string]any{"CVE": []string{fmt.Sprintf("CVE-2020-800%d", i)}, "CWE": []string{"CWE-400"}},
			},
			"projects":       []map[string]any{{"id": "6d5813be-7e6d-4ab8-80c2-1e3e2a454545", "name": "atokeneduser/goof", "source": "cli"}},
			"isFixed":        i%2 == 0,
			"introducedDate": fmt.Sprintf("2024-01-0%d", i),
		})
	}
	return a
}

func (a *newcomerSnykV1) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if a.mode == "ratelimit" && a.requests == 1 {
		w.Header().Set("Retry-After", "7")
		curWrite(w, 429, `{"code": 429, "error": "Too many requests"}`)
		return
	}
	if r.Header.Get("Authorization") != "token "+newcomerSnykToken {
		curWrite(w, 401, `{"code": 401, "error": "Invalid auth token provided"}`)
		return
	}
	if r.Method != http.MethodPost || r.URL.EscapedPath() != a.prefix+"/v1/reporting/issues/latest" {
		curWrite(w, 404, `{"code": 404, "error": "Not found"}`)
		return
	}
	var body struct {
		Filters struct {
			Orgs []string `json:"orgs"`
		} `json:"filters"`
	}
	raw := make([]byte, 0, 512)
	buf := make([]byte, 512)
	for {
		n, err := r.Body.Read(buf)
		raw = append(raw, buf[:n]...)
		if err != nil {
			break
		}
	}
	a.bodies = append(a.bodies, string(raw))
	if err := json.Unmarshal(raw, &body); err != nil || len(body.Filters.Orgs) == 0 {
		curWrite(w, 400, `{"code": 400, "error": "filters.orgs is required"}`)
		return
	}
	a.queries = append(a.queries, r.URL.RawQuery)
	q := r.URL.Query()
	page, per := curQueryInt(q, "page", 1), curQueryInt(q, "perPage", 100)
	a.pages = append(a.pages, q.Get("page"))
	if page < 1 || per < 1 || per > 1000 {
		curWrite(w, 400, `{"code": 400, "error": "Invalid page or perPage"}`)
		return
	}
	all := a.issues
	if a.mode == "grow" && a.requests > 1 {
		extra := map[string]any{"issue": map[string]any{"id": "SNYK-JS-AXIOS-1038255", "title": "Axios SSRF", "severity": "high"}, "projects": []any{}, "isFixed": false, "introducedDate": "2024-01-09"}
		all = append([]map[string]any{extra}, all...)
	}
	from := min((page-1)*per, len(all))
	to := min(from+per, len(all))
	results := all[from:to]
	if a.mode == "emptymid" && page == 2 {
		results = nil
	}
	curWrite(w, 200, curJSON(map[string]any{"results": append([]map[string]any{}, results...), "total": len(all)}))
}

func newcomerSnykEnv() map[string]string { return map[string]string{"SNYK_TOKEN": newcomerSnykToken} }

const newcomerSnykQuery = `SELECT issue__id, issue__severity, issue__cvss_score, is_fixed, introduced_date FROM reported_issues ORDER BY issue__id`

func (a *newcomerSnykV1) want() []string {
	var want []string
	for _, it := range a.issues {
		is := it["issue"].(map[string]any)
		want = append(want, fmt.Sprintf("%v|%v|%v|%v|%v", is["id"], is["severity"], is["cvssScore"], it["isFixed"], it["introducedDate"]))
	}
	return want
}

// TestNewcomerSnykV1ReportingIssues: five issues in pages of two, page
// from 1 in the query, the filters sent in the body of every page, the
// projects a child table; the walk ends on the empty fourth page
// (page_number's stop_after_empty_page), the short third page not being an
// end without a limit.
func TestNewcomerSnykV1ReportingIssues(t *testing.T) {
	api := newNewcomerSnykV1("")
	r, _ := curServe(t, api, "newcomer_snyk_v1", "", newcomerSnykEnv())
	r.mustLoad(t)
	r.checkTable(t, newcomerSnykQuery, api.want())
	r.checkTable(t, `SELECT count(*), min(name) FROM reported_issues__projects`, []string{"5|atokeneduser/goof"})
	r.noSecret(t, newcomerSnykToken)
	if fmt.Sprint(api.pages) != "[1 2 3 4]" {
		t.Errorf("pages requested %v, want [1 2 3 4]", api.pages)
	}
	for i, b := range api.bodies {
		if b != `{"filters":{"orgs":["4a18d42f-0706-4ad0-b127-24078731fbed"],"severity":["critical","high","medium","low"]}}` {
			t.Errorf("body %d = %s", i, b)
		}
	}
}

// TestNewcomerSnykV1Hostile: an empty page 2 under a total of 5, and a
// total that grows mid-walk, fail the run naming what it saw; a 429 with
// Retry-After is waited out and asked again.
func TestNewcomerSnykV1Hostile(t *testing.T) {
	t.Run("emptymid", func(t *testing.T) {
		api := newNewcomerSnykV1("emptymid")
		r, srvURL := curServe(t, api, "newcomer_snyk_v1", "", newcomerSnykEnv())
		r.failedClean(t, srvURL, nil, newcomerSnykToken, []string{"reported_issues"}, `resource "reported_issues"`, "page=2", "total")
		t.Log(r.err)
	})
	t.Run("grow", func(t *testing.T) {
		api := newNewcomerSnykV1("grow")
		r, srvURL := curServe(t, api, "newcomer_snyk_v1", "", newcomerSnykEnv())
		r.failedClean(t, srvURL, nil, newcomerSnykToken, []string{"reported_issues"}, `resource "reported_issues"`, "total")
		t.Log(r.err)
	})
	t.Run("ratelimit", func(t *testing.T) {
		api := newNewcomerSnykV1("ratelimit")
		var s curSleeps
		r, _ := curServe(t, api, "newcomer_snyk_v1", "", newcomerSnykEnv(), s.tune)
		r.mustLoad(t)
		r.checkTable(t, newcomerSnykQuery, api.want())
		t.Logf("waits %v, requests %d", s.all(), api.requests)
	})
}

// TestNewcomerSnykV1TotalPathAsTheErrorSays: the error of an empty page
// under a total says "set total_path "total" on offset or page_number";
// written on this page_number paginator, as a newcomer does, Snyk's total
// of issues is read as a number of pages and the run fails at the empty
// fourth page, now telling to drop the setting the first error asked for.
func TestNewcomerSnykV1TotalPathAsTheErrorSays(t *testing.T) {
	api := newNewcomerSnykV1("")
	text := curEdited(t, "newcomer_snyk_v1", "page_param: page}", "page_param: page, total_path: total}")
	r, srvURL := curServe(t, api, "newcomer_snyk_v1", text, newcomerSnykEnv())
	r.failedClean(t, srvURL, nil, newcomerSnykToken, []string{"reported_issues"}, "page=4", `total_path "total" is 5 pages`, "drop it")
}

// TestNewcomerSnykV1EmptyPageMessage: an empty page 2 below Snyk's total of
// records on a page_number walk must not advise total_path "total" on
// page_number, whose total_path counts pages (following it fails the run
// at the end of every complete walk, above); it should name the empty
// page below the total and, for a total of records, offset's total_path.
func TestNewcomerSnykV1EmptyPageMessage(t *testing.T) {
	api := newNewcomerSnykV1("emptymid")
	r, srvURL := curServe(t, api, "newcomer_snyk_v1", "", newcomerSnykEnv())
	r.failedClean(t, srvURL, nil, newcomerSnykToken, []string{"reported_issues"}, "page=2", `body "total" is 5`)
	if strings.Contains(r.err.Error(), "on offset or page_number") {
		t.Errorf("the error advises total_path on page_number, which counts pages: %v", r.err)
	}
}

// newcomerServer serves h on a test server closed with t and returns its
// URL.
func newcomerServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestNewcomerBaseURLSecretNotQuoted: a base URL kept as a secret because
// it holds a key (base_url: "{secrets.snyk_base_url}/v1/", the secret
// "api.snyk.io/<key>", its scheme forgotten): pipe fails with
// `base_url "api.snyk.io/<the key>/v1/" is not an absolute URL`, the key in
// clear, in the error and the logs. The error must name base_url as the
// spec writes it, never the secret.
func TestNewcomerBaseURLSecretNotQuoted(t *testing.T) {
	text := curEdited(t, "newcomer_snyk_v1", `base_url: "{vars.api_url}/v1/"`, `base_url: "{secrets.snyk_base_url}/v1/"`)
	env := newcomerSnykEnv()
	env["SNYK_BASE_URL"] = "api.snyk.io/" + newcomerSnykToken
	r := curRunText(t, "newcomer_snyk_v1", text, "http://127.0.0.1:1", t.TempDir()+"/snyk.db", env)
	r.mustFail(t, "http://127.0.0.1:1", "base_url", "{secrets.snyk_base_url}")
	r.noSecret(t, newcomerSnykToken)
}

// TestNewcomerBaseURLSecretEscaped: a secret in base_url's path whose value
// holds "#" or "?" (a key such as "k3y#p4rt?x"). Path placeholders are
// path-escaped, but a secret in base_url is not: the request goes to
// /k3y with the rest of the key as query and fragment, and the error and
// _pipe_loads hold "k3y" and "p4rt" unredacted (the redactor looks for the
// whole key). The secret must be sent path-escaped (/k3y%23p4rt%3Fx/v1/…).
func TestNewcomerBaseURLSecretEscaped(t *testing.T) {
	const key = "k3yS3CRET#p4rtTWO?x"
	api := newNewcomerSnykV1("")
	api.prefix = "/" + url.PathEscape(key)
	text := curEdited(t, "newcomer_snyk_v1", `base_url: "{vars.api_url}/v1/"`, `base_url: "{vars.api_url}/{secrets.snyk_path_key}/v1/"`)
	env := newcomerSnykEnv()
	env["SNYK_PATH_KEY"] = key
	r, _ := curServe(t, api, "newcomer_snyk_v1", text, env)
	for _, piece := range []string{"k3yS3CRET", "p4rtTWO"} {
		r.noSecret(t, piece)
	}
	r.mustLoad(t)
	r.checkTable(t, newcomerSnykQuery, api.want())
}

// TestNewcomerEmptyVarParamLeftOut: README: "A param written as "" is sent
// empty (locale=), as dlt sends it; one whose placeholders expand to
// nothing (a variable whose default is "") is left out". pipe init writes
// such variables for required params without a documented value (Tenable's
// exclude_rollover), and pipe plan prints the request with the parameter
// sent empty (`?exclude_rollover=`). This pins what a run sends.
func TestNewcomerEmptyVarParamLeftOut(t *testing.T) {
	api := newNewcomerSnykV1("")
	text := curEdited(t, "newcomer_snyk_v1",
		"vars:\n", "vars:\n  group_by: {default: \"\"}\n",
		"params: {perPage: 2, sortBy: issueTitle, order: asc}", "params: {perPage: 2, sortBy: issueTitle, order: asc, groupBy: \"{vars.group_by}\"}")
	r, _ := curServe(t, api, "newcomer_snyk_v1", text, newcomerSnykEnv())
	r.mustLoad(t)
	for _, q := range api.queries {
		if strings.Contains(q, "groupBy") {
			t.Errorf("query %q holds groupBy, which the README says is left out", q)
		}
	}
}
