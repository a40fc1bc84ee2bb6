package fakeapi

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the fake's answers")

// goldenCase is one request whose whole answer (status, headers, body)
// is kept in testdata/golden/<name>.txt.
type goldenCase struct {
	name, method, path, auth string
	form                     url.Values
}

// TestGoldenResponses pins the bytes the fake answers for a few requests
// of every API family (data, paging links, each error shape, faults and
// rate limits), so moving code between packages is proven not to change
// what clients see. Only the per-response snyk-request-id is masked.
func TestGoldenResponses(t *testing.T) {
	s, ts := start(t, smallConfig())
	snap := s.Snapshot()
	org, grp, proj := snap.Orgs[0].ID, snap.Groups[0].ID, snap.Projects[0].ID
	purl := url.PathEscape(snap.Purls[9])
	cxProj, cxScan := snap.Checkmarx.Projects[0].ID, snap.Checkmarx.Scans[1].ScanID
	cx := "Bearer " + cxLogin(t, ts.URL)
	const v = "?version=2024-10-15"
	cases := []goldenCase{
		{name: "rest_self", path: "/rest/self" + v, auth: demoAuth},
		{name: "rest_orgs", path: "/rest/orgs" + v + "&limit=10&expand=member_role", auth: demoAuth},
		{name: "rest_groups_beta", path: "/rest/groups?version=2024-01-01~beta", auth: demoAuth},
		{name: "rest_group_orgs", path: "/rest/groups/" + grp + "/orgs" + v + "&expand=count", auth: demoAuth},
		{name: "rest_projects", path: "/rest/orgs/" + org + "/projects" + v + "&meta.latest_issue_counts=true&meta.latest_dependency_total=true", auth: demoAuth},
		{name: "rest_issues_page2", path: "/rest/orgs/" + org + "/issues" + v + "&limit=20&starting_after=v1.eyJpZCI6IjE5In0%3D", auth: demoAuth},
		{name: "rest_policies", path: "/rest/orgs/" + org + "/policies" + v, auth: demoAuth},
		{name: "rest_package_issues", path: "/rest/orgs/" + org + "/packages/" + purl + "/issues" + v + "&limit=1", auth: demoAuth},
		{name: "rest_err_version", path: "/rest/orgs", auth: demoAuth},
		{name: "rest_err_param", path: "/rest/orgs" + v + "&colour=red", auth: demoAuth},
		{name: "rest_err_auth", path: "/rest/orgs" + v, auth: "token wrong"},
		{name: "rest_err_404", path: "/rest/nothing-here" + v, auth: demoAuth},
		{name: "v1_dep_graph", path: "/v1/org/" + org + "/project/" + proj + "/dep-graph", auth: demoAuth},
		{name: "v1_err_404", path: "/v1/org/" + org + "/project/nope/dep-graph", auth: demoAuth},
		{name: "oauth_err_grant", method: http.MethodPost, path: "/oauth2/token", form: url.Values{"grant_type": {"password"}}},
		{name: "cx_err_login", method: http.MethodPost, path: "/identity/connect/token", form: url.Values{"grant_type": {"password"}, "client_id": {"sca_resource_owner"}, "scope": {"sca_api"}, "username": {"demo"}, "password": {"wrong"}, "acr_values": {"Tenant:demo"}}},
		{name: "cx_projects", path: "/risk-management/projects", auth: cx},
		{name: "cx_scans", path: "/risk-management/scans?projectId=" + cxProj + "&size=3&page=2", auth: cx},
		{name: "cx_risk_reports", path: "/risk-management/risk-reports?size=4", auth: cx},
		{name: "cx_packages", path: "/risk-management/risk-reports/" + cxScan + "/packages", auth: cx},
		{name: "cx_vulnerabilities", path: "/risk-management/risk-reports/" + cxScan + "/vulnerabilities", auth: cx},
		{name: "cx_licenses", path: "/risk-management/risk-reports/" + cxScan + "/licenses", auth: cx},
		{name: "cx_err_validation", path: "/risk-management/scans", auth: cx},
		{name: "cx_err_auth", path: "/risk-management/projects"},
		{name: "cx_err_404", path: "/risk-management/nothing-here", auth: cx},
	}
	for _, c := range cases {
		checkGolden(t, ts, c)
	}

	// Faults and rate limits answer in each family's error shape.
	fc := smallConfig()
	fc.FailEvery, fc.RateLimit = 1, 1
	_, fts := start(t, fc)
	fcx := "Bearer " + cxLogin(t, fts.URL)
	for _, c := range []goldenCase{
		{name: "fault_rest_500", path: "/rest/self" + v, auth: demoAuth},
		{name: "fault_v1_503", path: "/v1/org/" + org + "/project/" + proj + "/dep-graph", auth: demoAuth},
		{name: "fault_cx_500", path: "/risk-management/projects", auth: fcx},
	} {
		checkGolden(t, fts, c)
	}
	rc := smallConfig()
	rc.RateLimit = 1
	_, rts := start(t, rc)
	rcx := "Bearer " + cxLogin(t, rts.URL)
	for _, c := range []goldenCase{
		{name: "limit_rest_ok", path: "/rest/self" + v, auth: demoAuth},
		{name: "limit_rest_429", path: "/rest/self" + v, auth: demoAuth},
		{name: "limit_v1_ok", path: "/v1/org/" + org + "/project/" + proj + "/dep-graph", auth: demoAuth},
		{name: "limit_v1_429", path: "/v1/org/" + org + "/project/" + proj + "/dep-graph", auth: demoAuth},
		{name: "limit_cx_ok", path: "/risk-management/projects/" + cxProj, auth: rcx},
		{name: "limit_cx_429", path: "/risk-management/projects/" + cxProj, auth: rcx},
	} {
		checkGolden(t, rts, c)
	}
}

var requestIDRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`)

// checkGolden sends c and compares the answer with its golden file.
func checkGolden(t *testing.T, ts *httptest.Server, c goldenCase) {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodGet
	}
	var resp *http.Response
	var body []byte
	if c.form != nil {
		resp, body = postForm(t, ts.URL+c.path, c.form)
	} else {
		resp, body = do(t, method, ts.URL+c.path, c.auth, nil)
	}
	got := renderResponse(method, c.path, resp, body)
	file := filepath.Join("testdata", "golden", c.name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%s: %v (run with -update to create it)", c.name, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: answer differs from %s\n--- got\n%s\n--- want\n%s", c.name, file, got, want)
	}
}

// renderResponse writes the request line, the status, the headers but
// Date (sorted) and the body, with the snyk-request-id masked wherever
// it appears.
func renderResponse(method, path string, resp *http.Response, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s\n\n%s\n", method, path, resp.Status)
	id := resp.Header.Get("snyk-request-id")
	var names []string
	for k := range resp.Header {
		if k != "Date" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(resp.Header[k], ", "))
	}
	b.WriteByte('\n')
	b.Write(body)
	out := b.Bytes()
	if id != "" {
		if !requestIDRE.MatchString(id) {
			out = append(out, []byte("\n!! snyk-request-id is not a uuid: "+id)...)
		}
		out = bytes.ReplaceAll(out, []byte(id), []byte("REQUEST-ID"))
	}
	return out
}
