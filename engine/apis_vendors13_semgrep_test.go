package engine_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

const semgrepToken = "sgp_0123456789abcdef0123456789abcdef0123456789abcdef"

func semgrepEnv() map[string]string { return map[string]string{"SEMGREP_APP_TOKEN": semgrepToken} }

// semgrepAPI serves GET /api/v1/deployments and
// /api/v1/deployments/{slug}/findings as Semgrep documents them
// (https://semgrep.dev/docs/kb/integrations/pagination,
// https://semgrep.dev/docs/semgrep-appsec-platform/semgrep-api, the
// reference at https://semgrep.dev/api/v1/docs/): "Authorization: Bearer
// <token>" (401 {"error": "Invalid API token"} otherwise); findings paged
// by page ("Page numbering begins at 0. Default: 0") and page_size
// ("Default: 100"); {"findings": [...]} with no total, an empty list past
// the last page; each finding has a location object, a rule object with
// lists (cwe_names, owasp_names) and a categories list.
//
// mode: "nopage" (the page parameter is ignored: every request gets page
// 0), "cut" (page 1 of the first deployment is JSON cut mid-value, its
// Content-Length matching what is sent).
type semgrepAPI struct {
	mode     string
	mu       sync.Mutex
	findings map[string][]map[string]any
	requests []string
}

func newSemgrepAPI(mode string) *semgrepAPI {
	a := &semgrepAPI{mode: mode, findings: map[string][]map[string]any{}}
	n := 0
	for d, slug := range []string{"acme", "acme-labs"} {
		for i := 1; i <= 5-2*d; i++ {
			n++
			a.findings[slug] = append(a.findings[slug], map[string]any{
				"id": 71234500 + n, "ref": "refs/heads/main", "first_seen_scan_id": 900 + n, "syntactic_id": fmt.Sprintf("440eeb0f%024x", n), "match_based_id": fmt.Sprintf("5f1e%028x", n),
				"state": "unresolved", "triage_state": "untriaged", "status": "open", "confidence": []string{"high", "medium"}[n%2], "severity": []string{"high", "medium", "low"}[n%3],
				"repository": map[string]any{"name": slug + "/web", "url": "https://github.com/" + slug + "/web"}, "line_of_code_url": fmt.Sprintf("https://github.com/%s/web/blob/main/src/app.ts#L%d", slug, 10*n),
				"created_at": fmt.Sprintf("2024-05-0%dT12:00:00.391807Z", i), "relevant_since": fmt.Sprintf("2024-05-0%dT12:00:00.391807Z", i), "triaged_at": nil, "triage_comment": nil,
				"rule_name": fmt.Sprintf("typescript.react.security.audit.rule-%d", n), "rule_message": "Avoid dangerouslySetInnerHTML", "categories": []string{"security"},
				"location":        map[string]any{"file_path": fmt.Sprintf("src/app%d.ts", n), "line": 10 * n, "column": 8, "end_line": 10*n + 4, "end_column": 10},
				"sourcing_policy": map[string]any{"id": 120, "name": "Default Policy", "slug": "default-policy"},
				"rule": map[string]any{"name": fmt.Sprintf("rule-%d", n), "confidence": "HIGH", "category": "security", "subcategories": []string{"audit"},
					"vulnerability_classes": []string{"Cross-Site-Scripting (XSS)"}, "cwe_names": []string{"CWE-79: Improper Neutralization of Input During Web Page Generation"}, "owasp_names": []string{"A07:2017 - Cross-Site Scripting (XSS)", "A03:2021 - Injection"}},
			})
		}
	}
	return a
}

func (a *semgrepAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.URL.Path+"?"+r.URL.RawQuery)
	if !curBearer(r, semgrepToken) {
		curWrite(w, 401, `{"error": "Invalid API token"}`)
		return
	}
	if r.URL.Path == "/api/v1/deployments" {
		curWrite(w, 200, `{"deployments": [{"id": 7, "name": "Acme", "slug": "acme", "findings": {"url": "https://semgrep.dev/api/v1/deployments/acme/findings"}}, {"id": 8, "name": "Acme Labs", "slug": "acme-labs", "findings": {"url": "https://semgrep.dev/api/v1/deployments/acme-labs/findings"}}]}`)
		return
	}
	slug, ok := strings.CutPrefix(r.URL.Path, "/api/v1/deployments/")
	slug, ok2 := strings.CutSuffix(slug, "/findings")
	list, ok3 := a.findings[slug]
	if !ok || !ok2 || !ok3 {
		curWrite(w, 404, `{"error": "Not found"}`)
		return
	}
	q := r.URL.Query()
	if since := q.Get("since"); since != "" {
		var sec float64
		if _, err := fmt.Sscan(since, &sec); err != nil {
			curWrite(w, 422, `{"error": "since: must be a Unix timestamp"}`)
			return
		}
		var kept []map[string]any
		for _, f := range list {
			at, _ := time.Parse(time.RFC3339Nano, f["relevant_since"].(string))
			if float64(at.UnixMicro())/1e6 >= sec {
				kept = append(kept, f)
			}
		}
		list = kept
	}
	size, page := curQueryInt(q, "page_size", 100), curQueryInt(q, "page", 0)
	if a.mode == "nopage" {
		page = 0
	}
	from, to := min(page*size, len(list)), min(page*size+size, len(list))
	items := list[from:to]
	if items == nil {
		items = []map[string]any{}
	}
	body := curJSON(map[string]any{"findings": items})
	if a.mode == "cut" && slug == "acme" && page == 1 {
		body = body[:len(body)/2]
	}
	curWrite(w, 200, body)
}

func (a *semgrepAPI) check(t *testing.T, r curRun) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var findings, cwes, owasp []string
	for slug, list := range a.findings {
		for _, f := range list {
			loc, rule := f["location"].(map[string]any), f["rule"].(map[string]any)
			findings = append(findings, fmt.Sprintf("%v|%s|%v|%v|%v|%v|%v|%v", f["id"], slug, f["severity"], f["confidence"], loc["file_path"], loc["line"], rule["name"], f["repository"].(map[string]any)["name"]))
			for _, c := range rule["cwe_names"].([]string) {
				cwes = append(cwes, fmt.Sprintf("%v|%s", f["id"], c))
			}
			for _, o := range rule["owasp_names"].([]string) {
				owasp = append(owasp, fmt.Sprintf("%v|%s", f["id"], o))
			}
		}
	}
	sort.Strings(findings)
	sort.Strings(cwes)
	sort.Strings(owasp)
	r.checkTable(t, `SELECT id, _deployments_slug, severity, confidence, location__file_path, location__line, rule__name, repository__name FROM findings ORDER BY CAST(id AS TEXT)`, findings)
	r.checkTable(t, `SELECT f.id, c.value FROM findings f JOIN findings__rule__cwe_names c ON c._pipe_parent_id = f._pipe_id ORDER BY CAST(f.id AS TEXT), c.value`, cwes)
	r.checkTable(t, `SELECT f.id, o.value FROM findings f JOIN findings__rule__owasp_names o ON o._pipe_parent_id = f._pipe_id ORDER BY CAST(f.id AS TEXT), o.value`, owasp)
	r.checkTable(t, `SELECT id, slug, name FROM deployments ORDER BY id`, []string{"7|acme|Acme", "8|acme-labs|Acme Labs"})
	r.noSecret(t, semgrepToken)
}

// TestSemgrepFindings: two deployments; five and three findings two a
// page from page=0, each walk ending on its first empty page; rule lists
// as child tables, the deployment's slug on every finding.
func TestSemgrepFindings(t *testing.T) {
	api := newSemgrepAPI("")
	r, _ := v13Serve(t, api, "semgrep", "", semgrepEnv())
	r.mustLoad(t)
	api.check(t, r)
	reqs := v13Locked(&api.mu, func() []string { return api.requests })
	sort.Strings(reqs)
	curSameRows(t, "requests", reqs, []string{
		"/api/v1/deployments/acme-labs/findings?issue_type=sast&page=0&page_size=2",
		"/api/v1/deployments/acme-labs/findings?issue_type=sast&page=1&page_size=2",
		"/api/v1/deployments/acme-labs/findings?issue_type=sast&page=2&page_size=2",
		"/api/v1/deployments/acme/findings?issue_type=sast&page=0&page_size=2",
		"/api/v1/deployments/acme/findings?issue_type=sast&page=1&page_size=2",
		"/api/v1/deployments/acme/findings?issue_type=sast&page=2&page_size=2",
		"/api/v1/deployments/acme/findings?issue_type=sast&page=3&page_size=2",
		"/api/v1/deployments?",
	})
}

// TestSemgrepHostile: an API that ignores page answers page 0 again, which
// fails naming page_param; a body cut mid-value (whole by its
// Content-Length) fails the run; each with nothing loaded.
func TestSemgrepHostile(t *testing.T) {
	for _, c := range []struct {
		mode  string
		parts []string
	}{
		{"nopage", []string{`resource "findings"`, "page_param"}},
		{"cut", []string{`resource "findings"`, "page=1"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			api := newSemgrepAPI(c.mode)
			r, srvURL := v13Serve(t, api, "semgrep", "", semgrepEnv())
			r.failedClean(t, srvURL, nil, semgrepToken, []string{"findings", "deployments"}, c.parts...)
			t.Log(r.err)
		})
	}
}

// TestSemgrepFindingsSincePerDeployment: findings incremental on
// relevant_since, sent as since in Unix seconds (param_format: unix),
// one cursor per deployment: the second run asks each deployment from
// its own latest finding (its second, the boundary finding read again and
// skipped) and loads the one finding new in acme.
func TestSemgrepFindingsSincePerDeployment(t *testing.T) {
	text := v13Spec(t, "semgrep", "params: {page_size: 2, issue_type: sast}", `params: {page_size: 2, issue_type: sast, since: "{incremental.start_value}"}
      incremental: {cursor_path: relevant_since, initial_value: "2024-01-01T00:00:00Z", param_format: unix}`)
	api := newSemgrepAPI("")
	r, srvURL := v13Serve(t, api, "semgrep", text, semgrepEnv())
	r.mustLoad(t)
	api.check(t, r)
	api.mu.Lock()
	nf := map[string]any{}
	for k, v := range api.findings["acme"][4] {
		nf[k] = v
	}
	nf["id"], nf["relevant_since"], nf["rule_name"] = 71234599, "2024-05-09T08:00:00.000001Z", "python.flask.security.injection"
	api.findings["acme"] = append(api.findings["acme"], nf)
	api.requests = nil
	api.mu.Unlock()
	r2 := v13Run(t, "semgrep", text, srvURL, r.db, semgrepEnv())
	r2.mustLoad(t)
	api.check(t, r2)
	unix := func(s string) string { at, _ := time.Parse(time.RFC3339, s); return fmt.Sprint(at.Unix()) }
	reqs := v13Locked(&api.mu, func() []string { return api.requests })
	sort.Strings(reqs)
	curSameRows(t, "second run requests", reqs, []string{
		"/api/v1/deployments/acme-labs/findings?issue_type=sast&page=0&page_size=2&since=" + unix("2024-05-03T12:00:00Z"),
		"/api/v1/deployments/acme-labs/findings?issue_type=sast&page=1&page_size=2&since=" + unix("2024-05-03T12:00:00Z"),
		"/api/v1/deployments/acme/findings?issue_type=sast&page=0&page_size=2&since=" + unix("2024-05-05T12:00:00Z"),
		"/api/v1/deployments/acme/findings?issue_type=sast&page=1&page_size=2&since=" + unix("2024-05-05T12:00:00Z"),
		"/api/v1/deployments?",
	})
	if c := r2.rep.Changes["findings"]; c.Inserted != 1 || c.Updated != 0 {
		t.Errorf("second run findings %+v, want 1 inserted", c)
	}
}
