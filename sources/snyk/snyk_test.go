// Contract tests of the shipped Snyk spec: `pipe run snyk` against the
// bundled fake (examples/fakeapi) must load every record the fake serves,
// exactly once and with the values it served, on a first run and on
// incremental reruns, and survive rate limits and server errors.
package snyk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
	"github.com/pipe-etl/pipe/examples/fakeapi"
	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
	"github.com/pipe-etl/pipe/examples/fakeapi/snykfake"
	"github.com/pipe-etl/pipe/internal/dbcheck"
	"github.com/pipe-etl/pipe/sources/sourcetest"
)

const token = "contract-token"

// defaultResources are the resources `pipe run snyk` loads without --resources.
var defaultResources = []string{"self", "orgs", "projects", "issues", "policies", "dep_graph"}

// snykEnv holds the API token where the spec reads it.
var snykEnv = map[string]string{"SNYK_TOKEN": token}

func fakeConfig() fakeapi.Config {
	return fakeapi.Config{Orgs: 3, ProjectsPerOrg: 4, IssuesPerOrg: 250, Seed: 5, Token: token}
}

// recorder wraps the fake and notes what the tests assert about requests:
// the updated_after each org's issue requests carry, and the Retry-After
// of every 429.
type recorder struct {
	next http.Handler

	mu           sync.Mutex
	updatedAfter map[string][]string // org id → values sent, in order
	retryAfter   []time.Duration
	statuses     map[int]int
}

func newRecorder(next http.Handler) *recorder {
	return &recorder{next: next, updatedAfter: map[string][]string{}, statuses: map[int]int{}}
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &sourcetest.StatusWriter{ResponseWriter: w}
	rc.next.ServeHTTP(sw, r)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.statuses[sw.Status]++
	if sw.Status == http.StatusTooManyRequests {
		// A 429 without a Retry-After in seconds counts as asking for an
		// hour, which no recorded wait can honour: the test fails.
		wait := time.Hour
		if secs, err := strconv.Atoi(sw.Header().Get("Retry-After")); err == nil {
			wait = time.Duration(secs) * time.Second
		}
		rc.retryAfter = append(rc.retryAfter, wait)
	}
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // rest orgs {id} issues
	if sw.Status == http.StatusOK && len(seg) == 4 && seg[0] == "rest" && seg[1] == "orgs" && seg[3] == "issues" {
		rc.updatedAfter[seg[2]] = append(rc.updatedAfter[seg[2]], r.URL.Query().Get("updated_after"))
	}
}

// takeUpdatedAfter returns and forgets the updated_after values seen.
func (rc *recorder) takeUpdatedAfter() map[string][]string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.updatedAfter
	rc.updatedAfter = map[string][]string{}
	return out
}

// TestFirstRunAndIncrementalRerunsLoadExactly runs the default resources
// three times against one fake: a first full run, a rerun after issues
// changed and were added, and a rerun with nothing new. After each, the
// database must hold exactly what the fake serves; the reruns must fetch
// only the changed issues, asking for those updated after each org's
// newest updated_at already loaded.
func TestFirstRunAndIncrementalRerunsLoadExactly(t *testing.T) {
	t.Parallel()
	fake := fakeapi.New(fakeConfig())
	rec := newRecorder(fake.Handler())
	srv := httptest.NewServer(rec)
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "snyk.db")
	p := sourcetest.WithoutClientRateLimits(sourcetest.Plan(t, "snyk", map[string]string{"api_url": srv.URL}))

	sourcetest.Run(t, p, db, snykEnv, nil)
	first := fake.Snapshot()
	dbcheck.Check(t, dbcheck.Open(t, db), snykTables(first, defaultResources))
	orgs := len(first.Orgs)
	if got, want := fake.Count(snykfake.RouteIssues), int64(orgs*3); got != want { // 250 issues, 100 a page
		t.Errorf("first run: %d issue pages, want %d", got, want)
	}
	for org, sent := range rec.takeUpdatedAfter() {
		for _, v := range sent {
			if v != "2020-01-01T00:00:00Z" {
				t.Errorf("first run: org %s: updated_after=%q, want the spec's initial value", org, v)
			}
		}
	}

	const touched, added = 7, 4
	fake.Touch(touched, time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC))
	fake.AddIssues(added, time.Date(2026, 2, 4, 0, 0, 0, 0, time.UTC))
	pages := fake.Count(snykfake.RouteIssues)
	rep := sourcetest.Run(t, p, db, snykEnv, nil)
	second := fake.Snapshot()
	dbcheck.Check(t, dbcheck.Open(t, db), snykTables(second, defaultResources))
	if got := rep.Resources["issues"].Records; got != int64(orgs*(touched+added)) {
		t.Errorf("rerun fetched %d issues, want only the %d changed ones", got, orgs*(touched+added))
	}
	if got := fake.Count(snykfake.RouteIssues) - pages; got != int64(orgs) {
		t.Errorf("rerun: %d issue pages, want %d (one per org)", got, orgs)
	}
	assertUpdatedAfter(t, "rerun", rec.takeUpdatedAfter(), newestUpdate(t, first))

	rep = sourcetest.Run(t, p, db, snykEnv, nil)
	dbcheck.Check(t, dbcheck.Open(t, db), snykTables(fake.Snapshot(), defaultResources))
	if got := rep.Resources["issues"].Records; got != 0 {
		t.Errorf("a rerun with no changes fetched %d issues", got)
	}
	assertUpdatedAfter(t, "unchanged rerun", rec.takeUpdatedAfter(), newestUpdate(t, second))
}

// newestUpdate returns each org's newest issue updated_at.
func newestUpdate(t *testing.T, s fakeapi.Snapshot) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	for _, is := range s.Issues {
		org := is.Relationships.Organization.Data.ID
		at, err := time.Parse(time.RFC3339, is.Attributes.UpdatedAt)
		if err != nil {
			t.Fatalf("issue %s: updated_at: %v", is.ID, err)
		}
		if at.After(out[org]) {
			out[org] = at
		}
	}
	return out
}

// assertUpdatedAfter checks that every issue request of every org asked
// for issues updated after that org's newest updated_at.
func assertUpdatedAfter(t *testing.T, what string, sent map[string][]string, want map[string]time.Time) {
	t.Helper()
	for org, w := range want {
		if len(sent[org]) == 0 {
			t.Errorf("%s: no issue request for org %s", what, org)
		}
		for _, v := range sent[org] {
			if at, err := time.Parse(time.RFC3339Nano, v); err != nil || !at.Equal(w) {
				t.Errorf("%s: org %s: updated_after=%q, want the newest updated_at loaded, %s", what, org, v, w.Format(time.RFC3339))
			}
		}
	}
	for org := range sent {
		if _, ok := want[org]; !ok {
			t.Errorf("%s: issues requested for unknown org %s", what, org)
		}
	}
}

// TestOptionalResourcesLoadExactly selects the resources that are off by
// default: package issues of the default purl (raw in the spec, one
// escaped path segment on the wire), groups and their orgs.
func TestOptionalResourcesLoadExactly(t *testing.T) {
	t.Parallel()
	fake := fakeapi.New(fakeConfig())
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "snyk.db")
	optional := []string{"package_issues", "groups", "group_orgs"}
	sourcetest.Run(t, sourcetest.WithoutClientRateLimits(sourcetest.Plan(t, "snyk", map[string]string{"api_url": srv.URL}, optional...)), db, snykEnv, nil)
	snap := fake.Snapshot()
	if len(snap.PackageIssues[defaultPurls[0]]) == 0 || len(snap.PackageIssues[defaultPurls[1]]) == 0 || len(snap.Groups) == 0 {
		t.Fatal("the fake serves no package issues for the purl or no groups: the test proves nothing")
	}
	dbcheck.Check(t, dbcheck.Open(t, db), snykTables(snap, optional))
	if got, want := fake.Count(snykfake.RouteGroupOrgs), int64(len(snap.Groups)); got != want {
		t.Errorf("%d group org requests, want %d (one per group)", got, want)
	}
}

// TestRateLimitsAndServerErrorsStillLoadExactly runs every resource
// against a fake that allows 4 requests a minute (package issues: 1, in
// Snyk's proportion) and fails every third request with 500 or 503.
// Every retry wait is recorded (and moves the fake's clock instead of
// sleeping): each 429 must be followed by a wait of at least its
// Retry-After, and the database must still hold exactly what the fake
// serves.
func TestRateLimitsAndServerErrorsStillLoadExactly(t *testing.T) {
	t.Parallel()
	clk := fakecore.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	cfg := fakeConfig()
	cfg.RateLimit, cfg.FailEvery, cfg.Now = 4, 3, clk.Now
	fake := fakeapi.New(cfg)
	rec := newRecorder(fake.Handler())
	srv := httptest.NewServer(rec)
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "snyk.db")
	all := append(slices.Clone(defaultResources), "package_issues", "groups", "group_orgs")
	p := sourcetest.WithoutClientRateLimits(sourcetest.Plan(t, "snyk", map[string]string{"api_url": srv.URL}, all...))
	// With 8 chains in flight every attempt fails with a chance of about
	// 1/3 here, far above any real API's rate; the default 5 attempts
	// would lose some request in about one run in five.
	p.Retry.MaxAttempts = 15

	var mu sync.Mutex
	var waits []time.Duration
	sourcetest.Run(t, p, db, snykEnv, func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		clk.Advance(d)
		return ctx.Err()
	})
	dbcheck.Check(t, dbcheck.Open(t, db), snykTables(fake.Snapshot(), all))

	rec.mu.Lock()
	asked, statuses := slices.Clone(rec.retryAfter), rec.statuses
	rec.mu.Unlock()
	failed := statuses[http.StatusInternalServerError] + statuses[http.StatusServiceUnavailable]
	if len(asked) == 0 || failed == 0 {
		t.Fatalf("the fake answered %d 429s and %d 5xx: the test proves nothing", len(asked), failed)
	}
	t.Logf("%d 429s, %d 5xx, %d retry waits", len(asked), failed, len(waits))
	if len(waits) != len(asked)+failed {
		t.Errorf("%d retry waits for %d 429s and %d 5xx", len(waits), len(asked), failed)
	}
	// Every 429 got its own wait of at least its Retry-After: the k-th
	// longest wait is at least the k-th longest Retry-After.
	sort.Sort(sort.Reverse(durations(asked)))
	sort.Sort(sort.Reverse(durations(waits)))
	for k := range asked {
		if k >= len(waits) || waits[k] < asked[k] {
			t.Errorf("waits %v do not honour the Retry-After values %v", waits, asked)
			break
		}
	}
}

type durations []time.Duration

func (d durations) Len() int           { return len(d) }
func (d durations) Less(i, j int) bool { return d[i] < d[j] }
func (d durations) Swap(i, j int)      { d[i], d[j] = d[j], d[i] }

// TestRegionSetsTheHosts builds the plan for each region (no network):
// REST and v1 requests go to the region's host unless api_url is set.
func TestRegionSetsTheHosts(t *testing.T) {
	cases := []struct {
		vars      map[string]string
		base, dep string
	}{
		{nil, "https://api.snyk.io/rest/", "https://api.snyk.io/v1/org/O/project/P/dep-graph"},
		{map[string]string{"region": "api.eu.snyk.io"}, "https://api.eu.snyk.io/rest/", "https://api.eu.snyk.io/v1/org/O/project/P/dep-graph"},
		{map[string]string{"region": "api.au.snyk.io"}, "https://api.au.snyk.io/rest/", "https://api.au.snyk.io/v1/org/O/project/P/dep-graph"},
		{map[string]string{"region": "api.us.snyk.io"}, "https://api.us.snyk.io/rest/", "https://api.us.snyk.io/v1/org/O/project/P/dep-graph"},
		{map[string]string{"region": "api.eu.snyk.io", "api_url": "http://127.0.0.1:8765"}, "http://127.0.0.1:8765/rest/", "http://127.0.0.1:8765/v1/org/O/project/P/dep-graph"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.vars), func(t *testing.T) {
			p := sourcetest.Plan(t, "snyk", c.vars)
			if p.BaseURL != c.base {
				t.Errorf("base URL %q, want %q", p.BaseURL, c.base)
			}
			lookup := func(part spec.Part) (string, error) {
				switch part.Field {
				case "id":
					return "P", nil
				case "relationships.organization.data.id":
					return "O", nil
				}
				return "", fmt.Errorf("unexpected placeholder %s", part)
			}
			u, err := p.RequestURL(p.Resource("dep_graph"), lookup)
			if err != nil {
				t.Fatal(err)
			}
			if u.Scheme+"://"+u.Host+u.Path != c.dep {
				t.Errorf("dep_graph URL %s, want %s", u, c.dep)
			}
		})
	}
	if _, err := plan.Build(sourcetest.Spec(t, "snyk"), plan.Options{Vars: map[string]string{"region": "api.snyk.eu"}, LookupEnv: func(string) (string, bool) { return "", false }}); err == nil {
		t.Error("an unknown region was accepted")
	}
}

// TestMissingTokenExitsTwo runs the CLI without SNYK_TOKEN: it must stop
// before any request with exit code 2, naming the variable to set.
func TestMissingTokenExitsTwo(t *testing.T) {
	sourcetest.Unsetenv(t, "SNYK_TOKEN", "VAULT_ADDR", "BAO_ADDR")
	sourcetest.RunRefused(t, "snyk", []string{"--var", "api_url=http://127.0.0.1:9"}, "SNYK_TOKEN")
}

// snykTables is what the tables of the named resources must hold when
// the fake serves s.
func snykTables(s fakeapi.Snapshot, resources []string) []dbcheck.Table {
	var out []dbcheck.Table
	for _, r := range resources {
		switch r {
		case "self":
			a := s.Self.Attributes
			out = append(out, dbcheck.Table{Name: "self",
				Query: `SELECT id, type, attributes__name, attributes__email, attributes__username, attributes__avatar_url, attributes__default_org_context FROM self`,
				Rows:  map[string][]any{s.Self.ID: {s.Self.Type, a.Name, dbcheck.OrNull(a.Email), dbcheck.OrNull(a.Username), dbcheck.OrNull(a.AvatarURL), dbcheck.OrNull(a.DefaultOrgContext)}}})
		case "orgs":
			out = append(out, orgTables("orgs", "", s.Orgs))
		case "projects":
			out = append(out, projectTables(s.Projects)...)
		case "issues":
			out = append(out, issueTables(s.Issues)...)
		case "policies":
			out = append(out, policyTables(s.Orgs, s.Policies)...)
		case "dep_graph":
			out = append(out, depGraphTables(s.DepGraphs)...)
		case "package_issues":
			out = append(out, packageIssueTables(s.Orgs, s.PackageIssues, defaultPurls)...)
		case "groups":
			rows := map[string][]any{}
			for _, g := range s.Groups {
				rows[g.ID] = []any{g.Type, g.Attributes.Name}
			}
			out = append(out, dbcheck.Table{Name: "groups", Query: `SELECT id, type, attributes__name FROM groups`, Rows: rows})
		case "group_orgs":
			var members []snykfake.Org
			for _, o := range s.Orgs {
				if o.Attributes.GroupID != "" {
					members = append(members, o)
				}
			}
			out = append(out, orgTables("group_orgs", "attributes.group_id", members))
		default:
			panic("no expectation for resource " + r)
		}
	}
	return out
}

// orgTables expects orgs in table; keyed also by the parent column
// _groups_id (equal to the org's group id) when parentField is set.
func orgTables(table, parentField string, orgs []snykfake.Org) dbcheck.Table {
	rows := map[string][]any{}
	key, cols := "id", "type, attributes__name, attributes__slug, attributes__is_personal, attributes__group_id, attributes__created_at, attributes__updated_at, attributes__access_requests_enabled"
	for _, o := range orgs {
		a := o.Attributes
		id := o.ID
		if parentField != "" {
			id = dbcheck.Key(o.ID, a.GroupID)
		}
		rows[id] = []any{o.Type, a.Name, a.Slug, a.IsPersonal, dbcheck.OrNull(a.GroupID), a.CreatedAt, a.UpdatedAt, a.AccessRequestsEnabled}
	}
	if parentField != "" {
		key = `id || '/' || _groups_id`
	}
	return dbcheck.Table{Name: table, Query: "SELECT " + key + ", " + cols + " FROM " + table, Rows: rows}
}

func projectTables(projects []snykfake.Project) []dbcheck.Table {
	rows := map[string][]any{}
	tags := dbcheck.NewChild([]string{"key", "value"}, "projects", "projects__attributes__tags")
	crit := dbcheck.NewChild([]string{"value"}, "projects", "projects__attributes__business_criticality")
	env := dbcheck.NewChild([]string{"value"}, "projects", "projects__attributes__environment")
	life := dbcheck.NewChild([]string{"value"}, "projects", "projects__attributes__lifecycle")
	relID := func(r *snykfake.Rel) any {
		if r == nil {
			return nil
		}
		return r.Data.ID
	}
	for _, p := range projects {
		a, rel := p.Attributes, p.Relationships
		rows[p.ID] = []any{rel.Organization.Data.ID, p.Type, a.Name, a.Type, a.Origin, a.Status, a.Created, a.TargetFile, a.TargetReference,
			dbcheck.OrNull(a.TargetRuntime), a.ReadOnly, a.Settings.RecurringTests.Frequency, a.Settings.PullRequests.FailOnlyForIssuesWithFix,
			p.Meta.CLIMonitoredAt, rel.Organization.Data.ID, rel.Target.Data.ID, relID(rel.Importer), relID(rel.Owner)}
		for i, tg := range a.Tags {
			tags.Add(dbcheck.Key(p.ID, i), tg.Key, tg.Value)
		}
		for _, l := range []struct {
			c    *dbcheck.Child
			vals []string
		}{{crit, a.BusinessCriticality}, {env, a.Environment}, {life, a.Lifecycle}} {
			for i, v := range l.vals {
				l.c.Add(dbcheck.Key(p.ID, i), v)
			}
		}
	}
	return []dbcheck.Table{
		{Name: "projects", Query: `SELECT id, _orgs_id, type, attributes__name, attributes__type, attributes__origin, attributes__status, attributes__created,
			attributes__target_file, attributes__target_reference, attributes__target_runtime, attributes__read_only,
			attributes__settings__recurring_tests__frequency, attributes__settings__pull_requests__fail_only_for_issues_with_fix,
			meta__cli_monitored_at, relationships__organization__data__id, relationships__target__data__id,
			relationships__importer__data__id, relationships__owner__data__id FROM projects`, Rows: rows},
		tags.Table("t0.id"), crit.Table("t0.id"), env.Table("t0.id"), life.Table("t0.id"),
	}
}

func issueTables(issues []snykfake.Issue) []dbcheck.Table {
	rows := map[string][]any{}
	problems := dbcheck.NewChild([]string{"id", "source", "type", "url", "disclosed_at", "discovered_at", "updated_at"}, "issues", "issues__attributes__problems")
	coords := dbcheck.NewChild([]string{"is_fixable_manually", "is_fixable_snyk", "is_fixable_upstream", "is_patchable", "is_pinnable", "is_upgradeable", "reachability", "state", "created_at", "updated_at"},
		"issues", "issues__attributes__coordinates")
	remedies := dbcheck.NewChild([]string{"type", "description", "details__upgrade_package"}, "issues", "issues__attributes__coordinates", "issues__attributes__coordinates__remedies")
	reprs := dbcheck.NewChild([]string{"dependency__package_name", "dependency__package_version", "source_location__file",
		"source_location__region__start__line", "source_location__region__start__column", "source_location__region__end__line", "source_location__region__end__column"},
		"issues", "issues__attributes__coordinates", "issues__attributes__coordinates__representations")
	sevs := dbcheck.NewChild([]string{"source", "level", "score", "vector", "version", "modification_time"}, "issues", "issues__attributes__severities")
	classes := dbcheck.NewChild([]string{"id", "source", "type"}, "issues", "issues__attributes__classes")
	for _, is := range issues {
		a := is.Attributes
		var resType, resAt, resDetails, scanItem, riskModel, riskValue any
		if r := a.Resolution; r != nil {
			resType, resAt, resDetails = r.Type, r.ResolvedAt, dbcheck.OrNull(r.Details)
		}
		if si := is.Relationships.ScanItem; si != nil {
			scanItem = si.Data.ID
		}
		if r := a.Risk; r != nil {
			riskModel, riskValue = r.Score.Model, r.Score.Value
		}
		org := is.Relationships.Organization.Data.ID
		rows[is.ID] = []any{org, is.Type, a.Key, a.Title, a.Type, a.EffectiveSeverityLevel, a.Status, a.Ignored, a.CreatedAt, a.UpdatedAt,
			resType, resAt, resDetails, org, scanItem, riskModel, riskValue}
		for i, p := range a.Problems {
			problems.Add(dbcheck.Key(is.ID, i), p.ID, p.Source, dbcheck.OrNull(p.Type), dbcheck.OrNull(p.URL), dbcheck.OrNull(p.DisclosedAt), dbcheck.OrNull(p.DiscoveredAt), dbcheck.OrNull(p.UpdatedAt))
		}
		for i, c := range a.Coordinates {
			coords.Add(dbcheck.Key(is.ID, i), c.IsFixableManually, c.IsFixableSnyk, c.IsFixableUpstream, c.IsPatchable, c.IsPinnable, c.IsUpgradeable,
				dbcheck.OrNull(c.Reachability), c.State, c.CreatedAt, c.UpdatedAt)
			for j, r := range c.Remedies {
				var up any
				if r.Details != nil {
					up = r.Details.UpgradePackage
				}
				remedies.Add(dbcheck.Key(is.ID, i, j), r.Type, r.Description, up)
			}
			for j, r := range c.Representations {
				vals := make([]any, 7)
				if d := r.Dependency; d != nil {
					vals[0], vals[1] = d.PackageName, d.PackageVersion
				}
				if l := r.SourceLocation; l != nil {
					vals[2], vals[3], vals[4], vals[5], vals[6] = l.File, l.Region.Start.Line, l.Region.Start.Column, l.Region.End.Line, l.Region.End.Column
				}
				reprs.Add(dbcheck.Key(is.ID, i, j), vals...)
			}
		}
		for i, s := range a.Severities {
			sevs.Add(dbcheck.Key(is.ID, i), s.Source, s.Level, s.Score, s.Vector, s.Version, dbcheck.OrNull(s.ModificationTime))
		}
		for i, c := range a.Classes {
			classes.Add(dbcheck.Key(is.ID, i), c.ID, c.Source, c.Type)
		}
	}
	return []dbcheck.Table{
		{Name: "issues", Query: `SELECT id, _orgs_id, type, attributes__key, attributes__title, attributes__type, attributes__effective_severity_level,
			attributes__status, attributes__ignored, attributes__created_at, attributes__updated_at, attributes__resolution__type,
			attributes__resolution__resolved_at, attributes__resolution__details, relationships__organization__data__id,
			relationships__scan_item__data__id, attributes__risk__score__model, attributes__risk__score__value FROM issues`, Rows: rows},
		problems.Table("t0.id"), coords.Table("t0.id"), remedies.Table("t0.id"), reprs.Table("t0.id"), sevs.Table("t0.id"), classes.Table("t0.id"),
	}
}

func policyTables(orgs []snykfake.Org, policies map[string][]snykfake.Policy) []dbcheck.Table {
	rows := map[string][]any{}
	conds := dbcheck.NewChild([]string{"field", "operator", "value"}, "policies", "policies__attributes__conditions_group__conditions")
	// A column is created by its first non-null value: expires is absent
	// while every policy is permanent.
	expires := "NULL"
	for _, o := range orgs {
		for _, p := range policies[o.ID] {
			a := p.Attributes
			if a.Action.Data.Expires != nil {
				expires = "attributes__action__data__expires"
			}
			rows[p.ID] = []any{o.ID, p.Type, a.Name, a.ActionType, a.Action.Data.IgnoreType, a.Action.Data.Expires, a.Action.Data.Reason,
				a.ConditionsGroup.LogicalOperator, a.CreatedAt, a.UpdatedAt, a.Review, a.CreatedBy.ID, a.CreatedBy.Name, a.CreatedBy.Email}
			for i, c := range a.ConditionsGroup.Conditions {
				conds.Add(dbcheck.Key(p.ID, i), c.Field, c.Operator, c.Value)
			}
		}
	}
	return []dbcheck.Table{
		{Name: "policies", Query: `SELECT id, _orgs_id, type, attributes__name, attributes__action_type, attributes__action__data__ignore_type,
			` + expires + `, attributes__action__data__reason, attributes__conditions_group__logical_operator,
			attributes__created_at, attributes__updated_at, attributes__review, attributes__created_by__id,
			attributes__created_by__name, attributes__created_by__email FROM policies`, Rows: rows},
		conds.Table("t0.id"),
	}
}

// depGraphTables expects one dep_graph row per project and its packages,
// nodes and edges (node deps) as child tables.
func depGraphTables(graphs map[string]snykfake.DepGraph) []dbcheck.Table {
	rows := map[string][]any{}
	pkgs := dbcheck.NewChild([]string{"id", "info__name", "info__version"}, "dep_graph", "dep_graph__pkgs")
	nodes := dbcheck.NewChild([]string{"node_id", "pkg_id"}, "dep_graph", "dep_graph__graph__nodes")
	edges := dbcheck.NewChild([]string{"node_id"}, "dep_graph", "dep_graph__graph__nodes", "dep_graph__graph__nodes__deps")
	for proj, g := range graphs {
		rows[proj] = []any{g.SchemaVersion, g.PkgManager.Name, g.Graph.RootNodeID}
		for i, p := range g.Pkgs {
			pkgs.Add(dbcheck.Key(proj, i), p.ID, p.Info.Name, p.Info.Version)
		}
		for i, n := range g.Graph.Nodes {
			nodes.Add(dbcheck.Key(proj, i), n.NodeID, n.PkgID)
			for j, d := range n.Deps {
				edges.Add(dbcheck.Key(proj, i, j), d.NodeID)
			}
		}
	}
	return []dbcheck.Table{
		{Name: "dep_graph", Query: `SELECT _projects_id, schema_version, pkg_manager__name, graph__root_node_id FROM dep_graph`, Rows: rows},
		pkgs.Table("t0._projects_id"), nodes.Table("t0._projects_id"), edges.Table("t0._projects_id"),
	}
}

// defaultPurls are the spec's default vars.purls.
var defaultPurls = []string{"pkg:npm/lodash@4.17.20", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}

// packageIssueTables expects each package's issues once per org.
func packageIssueTables(orgs []snykfake.Org, byPurl map[string][]snykfake.PackageIssue, purls []string) []dbcheck.Table {
	rows := map[string][]any{}
	problems := dbcheck.NewChild([]string{"id", "source"}, "package_issues", "package_issues__attributes__problems")
	sevs := dbcheck.NewChild([]string{"type", "source", "level", "score", "vector", "version"}, "package_issues", "package_issues__attributes__severities")
	refs := dbcheck.NewChild([]string{"url", "title"}, "package_issues", "package_issues__attributes__slots__references")
	sources := dbcheck.NewChild([]string{"value"}, "package_issues", "package_issues__attributes__slots__exploit_details__sources")
	maturity := dbcheck.NewChild([]string{"type", "level", "format"}, "package_issues", "package_issues__attributes__slots__exploit_details__maturity_levels")
	coords := dbcheck.NewChild(nil, "package_issues", "package_issues__attributes__coordinates")
	remedies := dbcheck.NewChild([]string{"type", "description", "details__upgrade_package"}, "package_issues", "package_issues__attributes__coordinates", "package_issues__attributes__coordinates__remedies")
	reprs := dbcheck.NewChild([]string{"resource_path", "package__name", "package__version", "package__type", "package__url"},
		"package_issues", "package_issues__attributes__coordinates", "package_issues__attributes__coordinates__representations")
	for _, o := range orgs {
		for _, purl := range purls {
			for _, is := range byPurl[purl] {
				a, key := is.Attributes, dbcheck.Key(is.ID, o.ID, purl)
				rows[key] = []any{is.Type, a.Title, a.Type, a.Description, a.CreatedAt, a.UpdatedAt, a.EffectiveSeverityLevel,
					a.Slots.DisclosureTime, a.Slots.PublicationTime}
				for i, p := range a.Problems {
					problems.Add(dbcheck.Key(key, i), p.ID, p.Source)
				}
				for i, s := range a.Severities {
					sevs.Add(dbcheck.Key(key, i), s.Type, s.Source, s.Level, s.Score, s.Vector, s.Version)
				}
				for i, r := range a.Slots.References {
					refs.Add(dbcheck.Key(key, i), r.URL, r.Title)
				}
				for i, s := range a.Slots.ExploitDetails.Sources {
					sources.Add(dbcheck.Key(key, i), s)
				}
				for i, m := range a.Slots.ExploitDetails.MaturityLevels {
					maturity.Add(dbcheck.Key(key, i), m.Type, m.Level, m.Format)
				}
				for i, c := range a.Coordinates {
					coords.Add(dbcheck.Key(key, i))
					for j, r := range c.Remedies {
						remedies.Add(dbcheck.Key(key, i, j), r.Type, r.Description, r.Details.UpgradePackage)
					}
					for j, r := range c.Representations {
						vals := []any{dbcheck.OrNull(r.ResourcePath), nil, nil, nil, nil}
						if p := r.Package; p != nil {
							vals[1], vals[2], vals[3], vals[4] = p.Name, p.Version, p.Type, p.URL
						}
						reprs.Add(dbcheck.Key(key, i, j), vals...)
					}
				}
			}
		}
	}
	root := `t0.id || '/' || t0._orgs_id || '/' || t0._purls`
	return []dbcheck.Table{
		{Name: "package_issues", Query: `SELECT id || '/' || _orgs_id || '/' || _purls, type, attributes__title, attributes__type, attributes__description,
			attributes__created_at, attributes__updated_at, attributes__effective_severity_level,
			attributes__slots__disclosure_time, attributes__slots__publication_time FROM package_issues`, Rows: rows},
		problems.Table(root), sevs.Table(root), refs.Table(root), sources.Table(root), maturity.Table(root),
		coords.Table(root), remedies.Table(root), reprs.Table(root),
	}
}

// TestEmptyPageEndsEveryWalk: whether Snyk's last page links on is not
// documented, so every json_link walk of the shipped spec ends at an
// empty page, as pysnyk's does (API-NOTES), instead of following it.
func TestEmptyPageEndsEveryWalk(t *testing.T) {
	p := sourcetest.Plan(t, "snyk", map[string]string{"api_url": "http://127.0.0.1:9"})
	n := 0
	for _, r := range p.Resources {
		if r.Paginator.Type != "json_link" {
			continue
		}
		n++
		if !r.Paginator.StopAfterEmptyPage {
			t.Errorf("resource %q: json_link without stop_after_empty_page", r.Name)
		}
	}
	if n == 0 {
		t.Fatal("no json_link resource in the snyk spec")
	}
}
