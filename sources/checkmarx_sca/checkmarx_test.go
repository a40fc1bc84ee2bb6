// Contract tests of the shipped Checkmarx SCA spec: `pipe run
// checkmarx_sca` against the bundled fake (examples/fakeapi) must log in
// as Checkmarx wants, log in again when tokens expire, page scans past the
// API's default page of 10, and load every record the fake serves exactly
// once, with the values it served.
package checkmarxsca_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/examples/fakeapi/checkmarxfake"
	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
	"github.com/pipe-etl/pipe/internal/dbcheck"
	"github.com/pipe-etl/pipe/sources/sourcetest"
)

const (
	user, password, tenant = "cx-user", "cx-password-123", "acme"
	tokenPath              = "/identity/connect/token"
)

var allResources = []string{"projects", "scans", "risk_reports", "packages", "vulnerabilities", "licenses"}

// cxEnv holds the credentials where the spec reads them.
var cxEnv = map[string]string{"CHECKMARX_USERNAME": user, "CHECKMARX_PASSWORD": password}

func fakeConfig() fakeapi.Config {
	return fakeapi.Config{ProjectsPerOrg: 3, ScansPerProject: 12, Seed: 2, CxUsername: user, CxPassword: password, CxTenant: tenant}
}

// fakeVars points the spec at srv.
func fakeVars(srv *httptest.Server) map[string]string {
	return map[string]string{"api_url": srv.URL, "token_url": srv.URL + tokenPath, "tenant": tenant}
}

// recorder wraps the fake: it moves the fake's clock forward by step
// before every API request, and notes the login requests and the 401s.
type recorder struct {
	next http.Handler
	clk  *fakecore.Clock
	step time.Duration

	mu           sync.Mutex
	logins       []url.Values
	contentTypes []string
	unauthorized int
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
	sw := &sourcetest.StatusWriter{ResponseWriter: w}
	rc.next.ServeHTTP(sw, r)
	if sw.Status == http.StatusUnauthorized {
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
	clk := fakecore.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	cfg := fakeConfig()
	cfg.CxTokenTTL, cfg.Now = 10*time.Minute, clk.Now
	fake := fakeapi.New(cfg)
	rec := &recorder{next: fake.Handler(), clk: clk, step: 15 * time.Second}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "checkmarx.db")

	sourcetest.Run(t, sourcetest.WithoutClientRateLimits(sourcetest.Plan(t, "checkmarx_sca", fakeVars(srv))), db, cxEnv, nil)
	snap := fake.Snapshot()
	if !repeatsVulnerabilityInAScan(snap) {
		t.Fatal("no scan of the fake has a vulnerability of two packages: the key test proves nothing")
	}
	dbcheck.Check(t, dbcheck.Open(t, db), cxTables(snap, allResources))
	assertScansPerProject(t, db, len(snap.Checkmarx.Projects), cfg.ScansPerProject)
	// A rerun merges: the same rows, none twice, child rows replaced.
	sourcetest.Run(t, sourcetest.WithoutClientRateLimits(sourcetest.Plan(t, "checkmarx_sca", fakeVars(srv))), db, cxEnv, nil)
	dbcheck.Check(t, dbcheck.Open(t, db), cxTables(snap, allResources))

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
	for _, vulns := range s.Checkmarx.Vulnerabilities {
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
	rows, err := dbcheck.Open(t, path).Query(`SELECT project_id, count(*) FROM scans GROUP BY project_id`)
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
	sourcetest.Run(t, sourcetest.WithoutClientRateLimits(sourcetest.Plan(t, "checkmarx_sca", fakeVars(srv), "scans", "risk_reports")), db, cxEnv, nil)
	dbcheck.Check(t, dbcheck.Open(t, db), cxTables(fake.Snapshot(), []string{"scans", "risk_reports"}))
	assertScansPerProject(t, db, 2, 230)
	for _, route := range []string{checkmarxfake.RouteScans, checkmarxfake.RouteRiskReports} {
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
			p := sourcetest.Plan(t, "checkmarx_sca", vars)
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
	sourcetest.Unsetenv(t, "CHECKMARX_USERNAME", "CHECKMARX_PASSWORD", "PIPE_VAR_TENANT", "VAULT_ADDR", "BAO_ADDR")
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
			args := append([]string{"--var", "api_url=http://127.0.0.1:9", "--var", "token_url=http://127.0.0.1:9/t"}, c.args...)
			if strings.Contains(sourcetest.RunRefused(t, "checkmarx_sca", args, c.wants...), password) {
				t.Error("the password appears in the output")
			}
		})
	}
}

// cxTables is what the tables of the named resources must hold when the
// fake serves s.
func cxTables(s fakeapi.Snapshot, resources []string) []dbcheck.Table {
	var out []dbcheck.Table
	for _, r := range resources {
		switch r {
		case "projects":
			out = append(out, projectTables(s.Checkmarx.Projects)...)
		case "scans":
			out = append(out, scanTables(s.Checkmarx.Scans)...)
		case "risk_reports":
			out = append(out, riskReportTable(s.Checkmarx.RiskReports))
		case "packages":
			out = append(out, packageTables(s.Checkmarx.Scans, s.Checkmarx.Packages)...)
		case "vulnerabilities":
			out = append(out, vulnerabilityTables(s.Checkmarx.Scans, s.Checkmarx.Vulnerabilities)...)
		case "licenses":
			out = append(out, licenseTable(s.Checkmarx.Scans, s.Checkmarx.Licenses))
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

func projectTables(projects []checkmarxfake.Project) []dbcheck.Table {
	rows := map[string][]any{}
	teams := dbcheck.NewChild([]string{"value"}, "projects", "projects__assigned_teams")
	var branch, last bool
	for _, p := range projects {
		branch, last = branch || p.Branch != nil, last || p.LastSuccessfulScanID != nil
		rows[p.ID] = []any{p.Name, p.IsManaged, p.CreatedOn, p.TenantID, p.Branch, p.LastSuccessfulScanID}
		for i, tm := range p.AssignedTeams {
			teams.Add(dbcheck.Key(p.ID, i), tm)
		}
	}
	return []dbcheck.Table{
		{Name: "projects", Query: `SELECT id, name, is_managed, created_on, tenant_id, ` + column("branch", branch) + `, ` +
			column("last_successful_scan_id", last) + ` FROM projects`, Rows: rows},
		teams.Table("t0.id"),
	}
}

func scanTables(scans []checkmarxfake.Scan) []dbcheck.Table {
	rows := map[string][]any{}
	steps := dbcheck.NewChild([]string{"name", "start_time", "end_time", "status"}, "scans", "scans__scan_progress")
	var msg, rev bool
	for _, s := range scans {
		msg, rev = msg || s.Status.Message != nil, rev || s.Revision != nil
		rows[s.ScanID] = []any{s.ProjectID, s.RiskReportID, s.CreatedOn, s.LastUpdate, s.Status.Name, s.Status.Message, s.Origin, s.Revision, s.Username, s.TenantID}
		for i, st := range s.ScanProgress {
			steps.Add(dbcheck.Key(s.ScanID, i), st.Name, st.StartTime, st.EndTime, st.Status)
		}
	}
	return []dbcheck.Table{
		{Name: "scans", Query: `SELECT scan_id, project_id, risk_report_id, created_on, last_update, status__name, ` + column("status__message", msg) +
			`, origin, ` + column("revision", rev) + `, username, tenant_id FROM scans`, Rows: rows},
		steps.Table("t0.scan_id"),
	}
}

func riskReportTable(reports []checkmarxfake.RiskReport) dbcheck.Table {
	rows := map[string][]any{}
	for _, r := range reports {
		rows[r.RiskReportID] = []any{r.ProjectID, r.HighVulnerabilityCount, r.MediumVulnerabilityCount, r.LowVulnerabilityCount,
			r.TotalPackages, r.DirectPackages, r.CreatedOn, r.RiskScore, r.TotalOutdatedPackages}
	}
	return dbcheck.Table{Name: "risk_reports", Query: `SELECT risk_report_id, project_id, high_vulnerability_count, medium_vulnerability_count,
		low_vulnerability_count, total_packages, direct_packages, created_on, risk_score, total_outdated_packages FROM risk_reports`, Rows: rows}
}

func packageTables(scans []checkmarxfake.Scan, byScan map[string][]checkmarxfake.Package) []dbcheck.Table {
	rows := map[string][]any{}
	licenses := dbcheck.NewChild([]string{"value"}, "packages", "packages__licenses")
	locations := dbcheck.NewChild([]string{"value"}, "packages", "packages__locations")
	paths := dbcheck.NewChild([]string{"value"}, "packages", "packages__dependency_paths")
	for _, s := range scans {
		for _, p := range byScan[s.ScanID] {
			key := dbcheck.Key(p.ID, s.ScanID)
			rows[key] = []any{p.Name, p.Version, p.MatchType, p.HighVulnerabilityCount, p.MediumVulnerabilityCount, p.LowVulnerabilityCount,
				p.IgnoredVulnerabilityCount, p.NumberOfVersionsSinceLastUpdate, p.NewestVersion, p.NewestVersionReleaseDate, p.Outdated,
				p.ReleaseDate, p.ConfidenceLevel, p.RiskScore, p.Severity, p.PackageRepository, p.IsDirectDependency, p.IsDevelopment,
				p.PackageUsage.UsageType, p.PackageUsage.PackageID}
			for i, l := range p.Licenses {
				licenses.Add(dbcheck.Key(key, i), l)
			}
			for i, l := range p.Locations {
				locations.Add(dbcheck.Key(key, i), l)
			}
			for i, hops := range p.DependencyPaths {
				paths.Add(dbcheck.Key(key, i), dbcheck.JSON{V: hops})
			}
		}
	}
	root := `t0.id || '/' || t0._scans_scan_id`
	return []dbcheck.Table{
		{Name: "packages", Query: `SELECT id || '/' || _scans_scan_id, name, version, match_type, high_vulnerability_count, medium_vulnerability_count,
			low_vulnerability_count, ignored_vulnerability_count, number_of_versions_since_last_update, newest_version,
			newest_version_release_date, outdated, release_date, confidence_level, risk_score, severity, package_repository,
			is_direct_dependency, is_development, package_usage__usage_type, package_usage__package_id FROM packages`, Rows: rows},
		licenses.Table(root), locations.Table(root), paths.Table(root),
	}
}

func vulnerabilityTables(scans []checkmarxfake.Scan, byScan map[string][]checkmarxfake.Vulnerability) []dbcheck.Table {
	rows := map[string][]any{}
	refs := dbcheck.NewChild([]string{"value"}, "vulnerabilities", "vulnerabilities__references")
	refData := dbcheck.NewChild([]string{"url", "type", "comment"}, "vulnerabilities", "vulnerabilities__references_data")
	methods := dbcheck.NewChild([]string{"value"}, "vulnerabilities", "vulnerabilities__exploitable_methods")
	for _, s := range scans {
		for _, v := range byScan[s.ScanID] {
			key := dbcheck.Key(v.ID, v.PackageID, s.ScanID)
			c := v.Cvss
			rows[key] = []any{v.CveName, v.Score, v.Severity, v.PublishDate, v.Description, c.Version, c.AttackVector, c.Availability,
				c.Confidentiality, c.AttackComplexity, c.IntegrityImpact, c.Scope, c.PrivilegesRequired, c.UserInteraction,
				v.SimilarityID, v.FixResolutionText, v.IsIgnored, v.Cwe}
			for i, r := range v.References {
				refs.Add(dbcheck.Key(key, i), r)
			}
			for i, r := range v.ReferencesData {
				refData.Add(dbcheck.Key(key, i), r.URL, r.Type, r.Comment)
			}
			for i, m := range v.ExploitableMethods {
				methods.Add(dbcheck.Key(key, i), m)
			}
		}
	}
	root := `t0.id || '/' || t0.package_id || '/' || t0._scans_scan_id`
	return []dbcheck.Table{
		{Name: "vulnerabilities", Query: `SELECT id || '/' || package_id || '/' || _scans_scan_id, cve_name, score, severity, publish_date, description,
			cvss__version, cvss__attack_vector, cvss__availability, cvss__confidentiality, cvss__attack_complexity,
			cvss__integrity_impact, cvss__scope, cvss__privileges_required, cvss__user_interaction, similarity_id,
			fix_resolution_text, is_ignored, cwe FROM vulnerabilities`, Rows: rows},
		refs.Table(root), refData.Table(root), methods.Table(root),
	}
}

func licenseTable(scans []checkmarxfake.Scan, byScan map[string][]checkmarxfake.License) dbcheck.Table {
	rows := map[string][]any{}
	for _, s := range scans {
		for _, l := range byScan[s.ScanID] {
			rows[dbcheck.Key(l.ID, s.ScanID)] = []any{l.Name, l.URL, l.ReferenceType, l.Reference, l.RoyaltyFree, l.CopyrightRiskScore,
				l.PatentRiskScore, l.RiskLevel, l.Linking, l.CopyLeft}
		}
	}
	return dbcheck.Table{Name: "licenses", Query: `SELECT id || '/' || _scans_scan_id, name, url, reference_type, reference, royalty_free,
		copyright_risk_score, patent_risk_score, risk_level, linking, copy_left FROM licenses`, Rows: rows}
}
