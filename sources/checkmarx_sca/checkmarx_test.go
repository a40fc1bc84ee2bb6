// Contract tests of the shipped Checkmarx SCA spec: `pipe run
// checkmarx_sca` against the bundled fake (examples/fakeapi) must log in
// as Checkmarx wants, log in again when tokens expire, page scans past the
// API's default page of 10, and load every record the fake serves exactly
// once, with the values it served.
package checkmarxsca_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/pipe-etl/pipe/destinations/sqlite"
	"github.com/pipe-etl/pipe/engine"
	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/secrets"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/internal/cli"
	"github.com/pipe-etl/pipe/sources"
)

const (
	user, password, tenant = "cx-user", "cx-password-123", "acme"
	tokenPath              = "/identity/connect/token"
)

var allResources = []string{"projects", "scans", "risk_reports", "packages", "vulnerabilities", "licenses"}

func fakeConfig() fakeapi.Config {
	return fakeapi.Config{ProjectsPerOrg: 3, ScansPerProject: 12, Seed: 2, CxUsername: user, CxPassword: password, CxTenant: tenant}
}

func noEnv(string) (string, bool) { return "", false }

func buildPlan(t *testing.T, vars map[string]string, resources ...string) *plan.Plan {
	t.Helper()
	file, data, err := sources.Open("checkmarx_sca")
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load(file, data)
	if err != nil {
		t.Fatalf("load the shipped spec: %v", err)
	}
	p, err := plan.Build(s, plan.Options{Vars: vars, Resources: resources, LookupEnv: noEnv})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

// fakeVars points the spec at srv.
func fakeVars(srv *httptest.Server) map[string]string {
	return map[string]string{"api_url": srv.URL, "token_url": srv.URL + tokenPath, "tenant": tenant}
}

// withoutClientRateLimits drops the spec's 600 requests/minute: it paces
// on the wall clock and would make each run take seconds.
func withoutClientRateLimits(p *plan.Plan) *plan.Plan {
	p.RateLimit = nil
	for _, r := range p.Resources {
		r.RateLimit = nil
	}
	return p
}

func run(t *testing.T, p *plan.Plan, db string) *engine.Report {
	t.Helper()
	ctx := context.Background()
	dest, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	creds := map[string]string{"CHECKMARX_USERNAME": user, "CHECKMARX_PASSWORD": password}
	rep, err := engine.Run(ctx, p, engine.Options{
		Dest:    dest,
		Secrets: secrets.Env{Lookup: func(k string) (string, bool) { v, ok := creds[k]; return v, ok }},
		Sleep:   func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if rep.Status != "completed" {
		t.Fatalf("run status %q", rep.Status)
	}
	return rep
}

// clock is the fake's time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recorder wraps the fake: it moves the fake's clock forward by step
// before every API request, and notes the login requests and the 401s.
type recorder struct {
	next http.Handler
	clk  *clock
	step time.Duration

	mu           sync.Mutex
	logins       []url.Values
	contentTypes []string
	unauthorized int
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == tokenPath {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		rc.mu.Lock()
		rc.logins = append(rc.logins, form)
		rc.contentTypes = append(rc.contentTypes, r.Header.Get("Content-Type"))
		rc.mu.Unlock()
		rc.next.ServeHTTP(w, r)
		return
	}
	rc.clk.Advance(rc.step)
	sw := &statusWriter{ResponseWriter: w}
	rc.next.ServeHTTP(sw, r)
	if sw.status == http.StatusUnauthorized {
		rc.mu.Lock()
		rc.unauthorized++
		rc.mu.Unlock()
	}
}

// TestRunsLoadExactlyThroughExpiringTokens loads every resource, twice, from
// a tenant whose projects have 12 scans each (more than the API's default
// page of 10) while tokens live 10 minutes and every API request moves
// the fake's clock 15 seconds (a token lasts 40 requests, several times
// the requests in flight, as an hour-long token does in real runs): the
// engine must log in again after 401s, and the database must hold exactly
// what the fake serves.
func TestRunsLoadExactlyThroughExpiringTokens(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cfg := fakeConfig()
	cfg.CxTokenTTL, cfg.Now = 10*time.Minute, clk.Now
	fake := fakeapi.New(cfg)
	rec := &recorder{next: fake.Handler(), clk: clk, step: 15 * time.Second}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "checkmarx.db")

	run(t, withoutClientRateLimits(buildPlan(t, fakeVars(srv))), db)
	snap := fake.Snapshot()
	if !repeatsVulnerabilityInAScan(snap) {
		t.Fatal("no scan of the fake has a vulnerability of two packages: the key test proves nothing")
	}
	assertDB(t, db, cxTables(snap, allResources))
	assertScansPerProject(t, db, len(snap.CxProjects), cfg.ScansPerProject)
	// A rerun merges: the same rows, none twice, child rows replaced.
	run(t, withoutClientRateLimits(buildPlan(t, fakeVars(srv))), db)
	assertDB(t, db, cxTables(snap, allResources))

	rec.mu.Lock()
	defer rec.mu.Unlock()
	t.Logf("%d logins, %d 401s, %d requests", fake.CxLogins(), rec.unauthorized, fake.Requests())
	if n := fake.CxLogins(); n < 2 {
		t.Errorf("%d logins: tokens expired during the run, want a new login after each expiry", n)
	}
	if rec.unauthorized == 0 {
		t.Error("no request met an expired token: the test proves nothing")
	}
	want := url.Values{"grant_type": {"password"}, "client_id": {"sca_resource_owner"}, "scope": {"sca_api"},
		"username": {user}, "password": {password}, "acr_values": {"Tenant:" + tenant}}
	for i, form := range rec.logins {
		if fmt.Sprint(form) != fmt.Sprint(want) {
			t.Errorf("login %d: form %v, want %v", i+1, redact(form), redact(want))
		}
		if ct := rec.contentTypes[i]; !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			t.Errorf("login %d: Content-Type %q, want a form", i+1, ct)
		}
	}
}

func redact(v url.Values) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = vals
	}
	if out.Has("password") {
		out.Set("password", "***")
	}
	return out
}

// repeatsVulnerabilityInAScan reports whether some scan lists one
// vulnerability id under two packages.
func repeatsVulnerabilityInAScan(s fakeapi.Snapshot) bool {
	for _, vulns := range s.CxVulnerabilities {
		seen := map[string]bool{}
		for _, v := range vulns {
			if seen[v.ID] {
				return true
			}
			seen[v.ID] = true
		}
	}
	return false
}

func assertScansPerProject(t *testing.T, path string, projects, want int) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT project_id, count(*) FROM scans GROUP BY project_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		var scans int
		if err := rows.Scan(&id, &scans); err != nil {
			t.Fatal(err)
		}
		if n++; scans != want {
			t.Errorf("project %s: %d scans loaded, want %d", id, scans, want)
		}
	}
	if n != projects {
		t.Errorf("scans of %d projects loaded, want %d", n, projects)
	}
}

// TestScansAndRiskReportsPageThroughLongHistories selects only scans and
// risk reports of projects with 230 scans each: both lists take three
// full pages of 100 and a short one.
func TestScansAndRiskReportsPageThroughLongHistories(t *testing.T) {
	t.Parallel()
	cfg := fakeConfig()
	cfg.ProjectsPerOrg, cfg.ScansPerProject = 2, 230
	fake := fakeapi.New(cfg)
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "checkmarx.db")
	run(t, withoutClientRateLimits(buildPlan(t, fakeVars(srv), "scans", "risk_reports")), db)
	assertDB(t, db, cxTables(fake.Snapshot(), []string{"scans", "risk_reports"}))
	assertScansPerProject(t, db, 2, 230)
	for _, route := range []string{fakeapi.RouteCxScans, fakeapi.RouteCxRiskReports} {
		if n := fake.Count(route); n < 2*3 {
			t.Errorf("%s: %d requests for 2 projects of 230 scans, want at least 3 pages each", route, n)
		}
	}
}

// TestEnvironmentSetsTheHosts builds the plan for each environment (no
// network): the API and the token endpoint are on the environment's hosts.
func TestEnvironmentSetsTheHosts(t *testing.T) {
	cases := []struct {
		environment    string
		base, tokenURL string
	}{
		{"", "https://api-sca.checkmarx.net/risk-management/", "https://platform.checkmarx.net/identity/connect/token"},
		{"us", "https://api-sca.checkmarx.net/risk-management/", "https://platform.checkmarx.net/identity/connect/token"},
		{"eu", "https://eu.api-sca.checkmarx.net/risk-management/", "https://eu.platform.checkmarx.net/identity/connect/token"},
	}
	for _, c := range cases {
		t.Run("environment="+c.environment, func(t *testing.T) {
			vars := map[string]string{"tenant": tenant}
			if c.environment != "" {
				vars["environment"] = c.environment
			}
			p := buildPlan(t, vars)
			if p.BaseURL != c.base {
				t.Errorf("base URL %q, want %q", p.BaseURL, c.base)
			}
			for _, r := range p.Resources {
				if r.Auth == nil || r.Auth.Type != "login" {
					t.Fatalf("resource %s: auth %+v, want login", r.Name, r.Auth)
				}
				got, err := expandVars(p, r.Auth.TokenURL)
				if err != nil {
					t.Fatal(err)
				}
				if got != c.tokenURL {
					t.Errorf("resource %s: token URL %q, want %q", r.Name, got, c.tokenURL)
				}
			}
		})
	}
}

// expandVars expands the {vars.*} of an auth field, as the engine does
// when it builds the authenticator.
func expandVars(p *plan.Plan, s string) (string, error) {
	tpl, err := spec.ParseTemplate(s)
	if err != nil {
		return "", err
	}
	return tpl.Expand(func(part spec.Part) (string, error) {
		if v, ok := p.Vars[part.Name]; ok && part.Namespace == spec.NSVars {
			return v, nil
		}
		return "", fmt.Errorf("unexpected placeholder %s", part)
	})
}

// TestMissingSettingsExitTwo runs the CLI without credentials or tenant:
// it must stop before any request with exit code 2, naming what to set.
func TestMissingSettingsExitTwo(t *testing.T) {
	for _, k := range []string{"CHECKMARX_USERNAME", "CHECKMARX_PASSWORD", "PIPE_VAR_TENANT", "VAULT_ADDR", "BAO_ADDR"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	cases := []struct {
		name  string
		env   map[string]string
		args  []string
		wants []string
	}{
		{"no credentials", nil, []string{"--var", "tenant=" + tenant}, []string{"CHECKMARX_USERNAME", "CHECKMARX_PASSWORD"}},
		{"no password", map[string]string{"CHECKMARX_USERNAME": user}, []string{"--var", "tenant=" + tenant}, []string{"CHECKMARX_PASSWORD"}},
		{"no tenant", map[string]string{"CHECKMARX_USERNAME": user, "CHECKMARX_PASSWORD": password}, nil, []string{"tenant"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			db := filepath.Join(t.TempDir(), "checkmarx.db")
			args := append([]string{"run", "checkmarx_sca", "--var", "api_url=http://127.0.0.1:9", "--var", "token_url=http://127.0.0.1:9/t", "--dest", db}, c.args...)
			var out, errOut strings.Builder
			code := cli.Run(args, strings.NewReader(""), &out, &errOut)
			if code != cli.ExitUsage {
				t.Errorf("exit %d, want %d\n%s%s", code, cli.ExitUsage, out.String(), errOut.String())
			}
			for _, w := range c.wants {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr does not name %s:\n%s", w, errOut.String())
				}
			}
			if strings.Contains(out.String()+errOut.String(), password) {
				t.Error("the password appears in the output")
			}
			if _, err := os.Stat(db); err == nil {
				t.Error("the run created the database before checking its settings")
			}
		})
	}
}

// cxTables is what the tables of the named resources must hold when the
// fake serves s.
func cxTables(s fakeapi.Snapshot, resources []string) []tableWant {
	var out []tableWant
	for _, r := range resources {
		switch r {
		case "projects":
			out = append(out, projectTables(s.CxProjects)...)
		case "scans":
			out = append(out, scanTables(s.CxScans)...)
		case "risk_reports":
			out = append(out, riskReportTable(s.CxRiskReports))
		case "packages":
			out = append(out, packageTables(s.CxScans, s.CxPackages)...)
		case "vulnerabilities":
			out = append(out, vulnerabilityTables(s.CxScans, s.CxVulnerabilities)...)
		case "licenses":
			out = append(out, licenseTable(s.CxScans, s.CxLicenses))
		default:
			panic("no expectation for resource " + r)
		}
	}
	return out
}

// column names col in a query if some row has a value for it, else NULL:
// a column is created by its first non-null value.
func column(col string, present bool) string {
	if present {
		return col
	}
	return "NULL"
}

func projectTables(projects []fakeapi.CxProject) []tableWant {
	rows := map[string][]any{}
	teams := newChild([]string{"value"}, "projects", "projects__assigned_teams")
	var branch, last bool
	for _, p := range projects {
		branch, last = branch || p.Branch != nil, last || p.LastSuccessfulScanID != nil
		rows[p.ID] = []any{p.Name, p.IsManaged, p.CreatedOn, p.TenantID, p.Branch, p.LastSuccessfulScanID}
		for i, tm := range p.AssignedTeams {
			teams.add(k(p.ID, i), tm)
		}
	}
	return []tableWant{
		{"projects", `SELECT id, name, is_managed, created_on, tenant_id, ` + column("branch", branch) + `, ` +
			column("last_successful_scan_id", last) + ` FROM projects`, rows},
		teams.want("t0.id"),
	}
}

func scanTables(scans []fakeapi.CxScan) []tableWant {
	rows := map[string][]any{}
	steps := newChild([]string{"name", "start_time", "end_time", "status"}, "scans", "scans__scan_progress")
	var msg, rev bool
	for _, s := range scans {
		msg, rev = msg || s.Status.Message != nil, rev || s.Revision != nil
		rows[s.ScanID] = []any{s.ProjectID, s.RiskReportID, s.CreatedOn, s.LastUpdate, s.Status.Name, s.Status.Message, s.Origin, s.Revision, s.Username, s.TenantID}
		for i, st := range s.ScanProgress {
			steps.add(k(s.ScanID, i), st.Name, st.StartTime, st.EndTime, st.Status)
		}
	}
	return []tableWant{
		{"scans", `SELECT scan_id, project_id, risk_report_id, created_on, last_update, status__name, ` + column("status__message", msg) +
			`, origin, ` + column("revision", rev) + `, username, tenant_id FROM scans`, rows},
		steps.want("t0.scan_id"),
	}
}

func riskReportTable(reports []fakeapi.CxRiskReport) tableWant {
	rows := map[string][]any{}
	for _, r := range reports {
		rows[r.RiskReportID] = []any{r.ProjectID, r.HighVulnerabilityCount, r.MediumVulnerabilityCount, r.LowVulnerabilityCount,
			r.TotalPackages, r.DirectPackages, r.CreatedOn, r.RiskScore, r.TotalOutdatedPackages}
	}
	return tableWant{"risk_reports", `SELECT risk_report_id, project_id, high_vulnerability_count, medium_vulnerability_count,
		low_vulnerability_count, total_packages, direct_packages, created_on, risk_score, total_outdated_packages FROM risk_reports`, rows}
}

func packageTables(scans []fakeapi.CxScan, byScan map[string][]fakeapi.CxPackage) []tableWant {
	rows := map[string][]any{}
	licenses := newChild([]string{"value"}, "packages", "packages__licenses")
	locations := newChild([]string{"value"}, "packages", "packages__locations")
	paths := newChild([]string{"value"}, "packages", "packages__dependency_paths")
	for _, s := range scans {
		for _, p := range byScan[s.ScanID] {
			key := k(p.ID, s.ScanID)
			rows[key] = []any{p.Name, p.Version, p.MatchType, p.HighVulnerabilityCount, p.MediumVulnerabilityCount, p.LowVulnerabilityCount,
				p.IgnoredVulnerabilityCount, p.NumberOfVersionsSinceLastUpdate, p.NewestVersion, p.NewestVersionReleaseDate, p.Outdated,
				p.ReleaseDate, p.ConfidenceLevel, p.RiskScore, p.Severity, p.PackageRepository, p.IsDirectDependency, p.IsDevelopment,
				p.PackageUsage.UsageType, p.PackageUsage.PackageID}
			for i, l := range p.Licenses {
				licenses.add(k(key, i), l)
			}
			for i, l := range p.Locations {
				locations.add(k(key, i), l)
			}
			for i, hops := range p.DependencyPaths {
				paths.add(k(key, i), jsonVal{hops})
			}
		}
	}
	root := `t0.id || '/' || t0._scans_scan_id`
	return []tableWant{
		{"packages", `SELECT id || '/' || _scans_scan_id, name, version, match_type, high_vulnerability_count, medium_vulnerability_count,
			low_vulnerability_count, ignored_vulnerability_count, number_of_versions_since_last_update, newest_version,
			newest_version_release_date, outdated, release_date, confidence_level, risk_score, severity, package_repository,
			is_direct_dependency, is_development, package_usage__usage_type, package_usage__package_id FROM packages`, rows},
		licenses.want(root), locations.want(root), paths.want(root),
	}
}

func vulnerabilityTables(scans []fakeapi.CxScan, byScan map[string][]fakeapi.CxVulnerability) []tableWant {
	rows := map[string][]any{}
	refs := newChild([]string{"value"}, "vulnerabilities", "vulnerabilities__references")
	refData := newChild([]string{"url", "type", "comment"}, "vulnerabilities", "vulnerabilities__references_data")
	methods := newChild([]string{"value"}, "vulnerabilities", "vulnerabilities__exploitable_methods")
	for _, s := range scans {
		for _, v := range byScan[s.ScanID] {
			key := k(v.ID, v.PackageID, s.ScanID)
			c := v.Cvss
			rows[key] = []any{v.CveName, v.Score, v.Severity, v.PublishDate, v.Description, c.Version, c.AttackVector, c.Availability,
				c.Confidentiality, c.AttackComplexity, c.IntegrityImpact, c.Scope, c.PrivilegesRequired, c.UserInteraction,
				v.SimilarityID, v.FixResolutionText, v.IsIgnored, v.Cwe}
			for i, r := range v.References {
				refs.add(k(key, i), r)
			}
			for i, r := range v.ReferencesData {
				refData.add(k(key, i), r.URL, r.Type, r.Comment)
			}
			for i, m := range v.ExploitableMethods {
				methods.add(k(key, i), m)
			}
		}
	}
	root := `t0.id || '/' || t0.package_id || '/' || t0._scans_scan_id`
	return []tableWant{
		{"vulnerabilities", `SELECT id || '/' || package_id || '/' || _scans_scan_id, cve_name, score, severity, publish_date, description,
			cvss__version, cvss__attack_vector, cvss__availability, cvss__confidentiality, cvss__attack_complexity,
			cvss__integrity_impact, cvss__scope, cvss__privileges_required, cvss__user_interaction, similarity_id,
			fix_resolution_text, is_ignored, cwe FROM vulnerabilities`, rows},
		refs.want(root), refData.want(root), methods.want(root),
	}
}

func licenseTable(scans []fakeapi.CxScan, byScan map[string][]fakeapi.CxLicense) tableWant {
	rows := map[string][]any{}
	for _, s := range scans {
		for _, l := range byScan[s.ScanID] {
			rows[k(l.ID, s.ScanID)] = []any{l.Name, l.URL, l.ReferenceType, l.Reference, l.RoyaltyFree, l.CopyrightRiskScore,
				l.PatentRiskScore, l.RiskLevel, l.Linking, l.CopyLeft}
		}
	}
	return tableWant{"licenses", `SELECT id || '/' || _scans_scan_id, name, url, reference_type, reference, royalty_free,
		copyright_risk_score, patent_risk_score, risk_level, linking, copy_left FROM licenses`, rows}
}

// jsonVal is an expected value stored as JSON: compared as data, not text.
type jsonVal struct{ v any }

// canonJSON re-encodes JSON text with sorted keys.
func canonJSON(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return "invalid JSON " + strconv.Quote(string(b))
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// assertDB checks every expected table and that the database holds no
// other table.
func assertDB(t *testing.T, path string, tables []tableWant) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	have := map[string]bool{}
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_pipe\_%' ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		have[n] = true
	}
	rows.Close()
	checked := map[string]bool{}
	for _, tw := range tables {
		checked[tw.table] = true
		if !have[tw.table] {
			if len(tw.rows) > 0 {
				t.Errorf("table %s is missing; want %d rows", tw.table, len(tw.rows))
			}
			continue
		}
		assertTable(t, db, tw)
	}
	for n := range have {
		if !checked[n] {
			t.Errorf("unexpected table %s", n)
		}
	}
}

// tableWant is what one table must hold: query returns one row per table
// row, a key first and then the values to compare; rows maps each key to
// those values. Every key must come back exactly once, with equal values
// (see norm), and no other key may.
type tableWant struct {
	table string
	query string
	rows  map[string][]any
}

func assertTable(t *testing.T, db *sql.DB, tw tableWant) {
	t.Helper()
	rows, err := db.Query(tw.query)
	if err != nil {
		t.Errorf("table %s: %s: %v", tw.table, tw.query, err)
		return
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	seen := map[string]int{}
	problems := 0
	report := func(format string, args ...any) {
		if problems++; problems <= 5 {
			t.Errorf("table %s: "+format, append([]any{tw.table}, args...)...)
		}
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		key := keyString(vals[0])
		if seen[key]++; seen[key] == 2 {
			report("row %s loaded more than once", key)
		}
		want, ok := tw.rows[key]
		if !ok {
			report("row %s is not served by the API", key)
			continue
		}
		if len(want) != len(cols)-1 {
			t.Fatalf("table %s: want %d values, query has %d", tw.table, len(want), len(cols)-1)
		}
		for i, w := range want {
			g, wv := norm(vals[i+1]), norm(w)
			if j, ok := w.(jsonVal); ok {
				b, _ := json.Marshal(j.v)
				g, wv = canonJSON([]byte(fmt.Sprint(keyString(vals[i+1])))), canonJSON(b)
			}
			if g != wv {
				report("row %s: %s = %s, want %s", key, cols[i+1], g, wv)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for key := range tw.rows {
		if seen[key] == 0 {
			report("row %s is missing", key)
		}
	}
	if problems > 5 {
		t.Errorf("table %s: %d problems in all", tw.table, problems)
	}
}

// norm renders a database or expected value for comparison: booleans as
// SQLite stores them (0/1), timestamps as UTC instants (a zone-less time
// is UTC, as the loader reads it), numbers in their shortest form, absent
// values (nil, nil pointers) as NULL.
func norm(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case *string:
		if x == nil {
			return "NULL"
		}
		return norm(*x)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return norm(string(x))
	case string:
		if len(x) >= 19 && x[4] == '-' && x[10] == 'T' {
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
				if at, err := time.Parse(layout, x); err == nil {
					return at.UTC().Format(time.RFC3339Nano)
				}
			}
		}
		return strconv.Quote(x)
	}
	return fmt.Sprintf("%T %v", v, v)
}

// keyString renders a key column; an orphan child row has a NULL key.
func keyString(v any) string {
	switch x := v.(type) {
	case nil:
		return "<NULL>"
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// opt is an omitempty string: empty means absent.
func opt(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// listQuery selects the rows of a child table (the last of chain, which
// starts at the root table) with their values cols, keyed by rootKey (an
// expression over alias t0) and the list index at each level:
// "<root key>/<index>/<index>". An orphan row gets a NULL key.
func listQuery(rootKey string, chain []string, cols ...string) string {
	leaf := fmt.Sprintf("t%d", len(chain)-1)
	key := rootKey
	from := fmt.Sprintf("%s %s", chain[len(chain)-1], leaf)
	for i := len(chain) - 1; i > 0; i-- {
		from += fmt.Sprintf(" LEFT JOIN %s t%d ON t%d._pipe_parent_id = t%d._pipe_id", chain[i-1], i-1, i, i-1)
	}
	for i := 1; i < len(chain); i++ {
		key += fmt.Sprintf(" || '/' || t%d._pipe_list_idx", i)
	}
	sel := []string{key}
	for _, c := range cols {
		sel = append(sel, leaf+"."+c)
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + from
}

// child is the expectation for a child table: rows from each parent's
// list, keyed by the parent's key and the index.
type child struct {
	chain []string
	cols  []string
	rows  map[string][]any
}

func (c *child) add(key string, vals ...any) { c.rows[key] = vals }

func newChild(cols []string, chain ...string) *child {
	return &child{chain: chain, cols: cols, rows: map[string][]any{}}
}

func (c *child) want(rootKey string) tableWant {
	return tableWant{table: c.chain[len(c.chain)-1], query: listQuery(rootKey, c.chain, c.cols...), rows: c.rows}
}

// k joins key parts as listQuery does.
func k(parts ...any) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, "/")
}
