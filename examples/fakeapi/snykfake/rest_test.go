package snykfake

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

func TestResolveVersion(t *testing.T) {
	today := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	rels := []release{{"2023-01-30", stBeta}, {"2023-06-01", stExperimental}, {"2024-01-23", stGA}, {"2024-06-26", stGA}}
	tests := []struct {
		raw        string
		wantServed string
		wantStatus int
	}{
		{"2024-10-15", "2024-06-26", 0},
		{"2024-06-26", "2024-06-26", 0},
		{"2024-06-25", "2024-01-23", 0},
		{"2024-01-22", "", 404}, // before the first GA release
		{"2023-12-01~beta", "2023-01-30~beta", 0},
		{"2023-12-01~experimental", "2023-06-01~experimental", 0},
		{"2024-10-15~beta", "2024-06-26", 0}, // GA is more stable than beta
		{"2023-01-29~beta", "", 404},
		{"beta", "2024-06-26", 0},
		{"wip", "2024-06-26", 0},
		{"", "", 400},
		{"2025-03-02", "", 400}, // future
		{"2024-13-01", "", 400},
		{"2024-10-15~alpha", "", 400},
		{"latest", "", 400},
	}
	for _, tt := range tests {
		got, err := resolveVersion(tt.raw, rels, today)
		switch {
		case tt.wantStatus != 0 && (err == nil || err.status != tt.wantStatus):
			t.Errorf("resolveVersion(%q) = %v, %v; want status %d", tt.raw, got, err, tt.wantStatus)
		case tt.wantStatus == 0 && (err != nil || got.String() != tt.wantServed):
			t.Errorf("resolveVersion(%q) = %v, %v; want %s", tt.raw, got, err, tt.wantServed)
		}
	}
}

func TestVersionParameter(t *testing.T) {
	s, ts := start(t, smallConfig())
	org := s.Snapshot().Orgs[0].ID
	tests := []struct {
		name, path string
		status     int
		detail     string
		served     string
	}{
		{"missing", "/orgs", 400, "missing required query parameter 'version'", ""},
		{"future", "/orgs?version=2025-03-02", 400, "requested version newer than present date", ""},
		{"garbage", "/orgs?version=yesterday", 400, "invalid version", ""},
		{"before GA", "/orgs/" + org + "/projects?version=2024-05-30", 404, "no release", ""},
		{"projects GA", "/orgs/" + org + "/projects?version=2024-05-31", 200, "", "2024-05-31"},
		{"groups need beta", "/groups?version=2024-10-15", 404, "no release", ""},
		{"groups beta", "/groups?version=2024-10-15~beta", 200, "", "2023-01-30~beta"},
		{"issues newest GA", "/orgs/" + org + "/issues?version=2024-10-15~experimental", 200, "", "2024-01-23"},
		{"policies GA 2024-10-15", "/orgs/" + org + "/policies?version=2024-10-14", 404, "no release", ""},
		{"self", "/self?version=2024-10-15", 200, "", "2024-04-22"},
		{"version twice", "/orgs?version=2024-10-15&version=2024-10-15", 400, "given 2 times", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, ts.URL+"/rest"+tt.path, demoAuth)
			if tt.status != 200 {
				wantAPIError(t, resp, body, tt.status, tt.detail, "version")
				return
			}
			wantStatus(t, resp, body, 200)
			if got := resp.Header.Get("snyk-version-served"); got != tt.served {
				t.Errorf("snyk-version-served = %q, want %q", got, tt.served)
			}
			if resp.Header.Get("snyk-request-id") == "" || resp.Header.Get("Content-Type") != jsonAPIType {
				t.Errorf("headers %v: want snyk-request-id and %s", resp.Header, jsonAPIType)
			}
		})
	}
}

func TestLimitRules(t *testing.T) {
	s, ts := start(t, smallConfig())
	org := s.Snapshot().Orgs[0].ID
	base := ts.URL + "/rest/orgs/" + org + "/issues?version=2024-10-15"
	for _, bad := range []string{"0", "5", "15", "101", "110", "-10", "ten", "1e2"} {
		resp, body := get(t, base+"&limit="+bad, demoAuth)
		wantAPIError(t, resp, body, 400, "must be a multiple of 10", "limit")
	}
	for _, tt := range []struct {
		q    string
		want int
	}{{"", 10}, {"&limit=10", 10}, {"&limit=20", 20}, {"&limit=100", 100}} {
		resp, body := get(t, base+tt.q, demoAuth)
		wantStatus(t, resp, body, 200)
		var recs []json.RawMessage
		json.Unmarshal(decode[doc](t, body).Data, &recs)
		if len(recs) != tt.want {
			t.Errorf("limit %q: %d records, want %d", tt.q, len(recs), tt.want)
		}
	}
}

func TestStrictQueryParameters(t *testing.T) {
	s, ts := start(t, smallConfig())
	org := s.Snapshot().Orgs[0].ID
	tests := []struct {
		name, path, detail, param string
		status                    int
	}{
		{"unknown", "/orgs?version=2024-10-15&unknown=1", "Unknown query parameter 'unknown'", "unknown", 400},
		{"camel case", "/orgs?version=2024-10-15&displayName=x", "Unknown query parameter 'displayName'", "displayName", 400},
		{"limit on self", "/self?version=2024-10-15&limit=10", "Unknown query parameter 'limit'", "limit", 400},
		{"limit twice", "/orgs?version=2024-10-15&limit=10&limit=10", "given 2 times", "limit", 400},
		{"bad cursor", "/orgs?version=2024-10-15&starting_after=abc", "not a valid cursor", "starting_after", 400},
		{"bad date", "/orgs/" + org + "/issues?version=2024-10-15&updated_after=2024-01-01", "RFC 3339", "updated_after", 400},
		{"bad severity", "/orgs/" + org + "/issues?version=2024-10-15&effective_severity_level=high,urgent", "urgent", "effective_severity_level", 400},
		{"scan item half", "/orgs/" + org + "/issues?version=2024-10-15&scan_item.id=x", "together", "scan_item.id", 400},
		{"is_personal", "/orgs?version=2024-10-15&is_personal=yes", "true or false", "is_personal", 400},
		{"unimplemented", "/orgs/" + org + "/policies?version=2024-10-15&order_by=created", "does not implement", "order_by", 501},
		{"unknown org", "/orgs/00000000-0000-4000-8000-000000000000/issues?version=2024-10-15", "Org not found", "", 404},
		{"unknown route", "/orgs/" + org + "/targets?version=2024-10-15", "does not exist", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, ts.URL+"/rest"+tt.path, demoAuth)
			wantAPIError(t, resp, body, tt.status, tt.detail, tt.param)
		})
	}
}

func TestSnykAuth(t *testing.T) {
	_, ts := start(t, smallConfig())
	u := ts.URL + "/rest/self?version=2024-10-15"
	for _, auth := range []string{"", "token", "token wrong", "demo-token", "basic demo-token", "token demo-token-x"} {
		resp, body := get(t, u, auth)
		wantAPIError(t, resp, body, 401, "not recognized", "")
	}
	for _, auth := range []string{"token demo-token", "Token demo-token", "bearer demo-token", "BEARER demo-token"} {
		resp, body := get(t, u, auth)
		wantStatus(t, resp, body, 200)
		var self Self
		json.Unmarshal(decode[doc](t, body).Data, &self)
		if self.Type != "user" || self.Attributes.DefaultOrgContext == "" {
			t.Errorf("%q: self = %+v", auth, self)
		}
	}
}

// TestNextLinksWalkEverything follows relative next links (as a client
// joining them to /rest must) and gets every record exactly once, in
// insertion order, for several page sizes and filters.
func TestNextLinksWalkEverything(t *testing.T) {
	s, ts := start(t, smallConfig())
	snap := s.Snapshot()
	cut := time.Date(2022, 1, 20, 0, 0, 0, 0, time.UTC)
	for _, org := range snap.Orgs {
		for _, tt := range []struct {
			query string
			keep  func(Issue) bool
		}{
			{"", nil},
			{"&limit=10", nil},
			{"&limit=100", nil},
			{"&limit=20&updated_after=" + url.QueryEscape(cut.Format(time.RFC3339)), func(is Issue) bool { return is.Attributes.UpdatedAt > "2022-01-20T00:00:00Z" }},
			{"&limit=10&status=resolved&effective_severity_level=medium,high", func(is Issue) bool {
				return is.Attributes.Status == "resolved" && (is.Attributes.EffectiveSeverityLevel == "medium" || is.Attributes.EffectiveSeverityLevel == "high")
			}},
			{"&limit=10&type=code", func(is Issue) bool { return is.Attributes.Type == "code" }},
			{"&limit=10&ignored=true", func(is Issue) bool { return is.Attributes.Ignored }},
			{"&limit=10&created_before=2022-01-01T10%3A00%3A00Z", func(is Issue) bool { return is.Attributes.CreatedAt < "2022-01-01T10:00:00Z" }},
		} {
			want := issueIDs(snap.Issues, org.ID, tt.keep)
			got, pages := walk(t, ts, "/orgs/"+org.ID+"/issues?version=2024-10-15"+tt.query, demoAuth)
			if !slices.Equal(got, want) {
				t.Errorf("org %s%s: walked %d ids in %d pages, want %d in snapshot order", org.ID, tt.query, len(got), pages, len(want))
			}
		}
	}
	// Orgs, projects and policies page the same way.
	ids, pages := walk(t, ts, "/orgs?version=2024-10-15&limit=10", demoAuth)
	if len(ids) != len(snap.Orgs) || pages != 1 {
		t.Errorf("orgs: %d ids in %d pages", len(ids), pages)
	}
	var wantProjects []string
	for _, p := range snap.Projects {
		if p.Relationships.Organization.Data.ID == snap.Orgs[1].ID {
			wantProjects = append(wantProjects, p.ID)
		}
	}
	if got, _ := walk(t, ts, "/orgs/"+snap.Orgs[1].ID+"/projects?version=2024-10-15&limit=10", demoAuth); !slices.Equal(got, wantProjects) {
		t.Errorf("projects = %v, want %v", got, wantProjects)
	}
}

func TestLastPageHasNoNext(t *testing.T) {
	c := smallConfig()
	c.IssuesPerOrg = 30 // exactly three pages of 10
	s, ts := start(t, c)
	org := s.Snapshot().Orgs[0].ID
	ids, pages := walk(t, ts, "/orgs/"+org+"/issues?version=2024-10-15&limit=10", demoAuth)
	if len(ids) != 30 || pages != 3 {
		t.Fatalf("%d ids in %d pages, want 30 in 3 (no empty fourth page)", len(ids), pages)
	}
	resp, body := get(t, ts.URL+"/rest/orgs/"+org+"/issues?version=2024-10-15&updated_after=2030-01-01T00%3A00%3A00Z", demoAuth)
	wantStatus(t, resp, body, 200)
	d := decode[doc](t, body)
	if string(d.Data) != "[]" || d.Links["next"] != "" || d.Links["self"] == "" {
		t.Errorf("empty result: data %s, links %v", d.Data, d.Links)
	}
}

// TestPrevLinks walks back from the last page and sees the same records.
func TestPrevLinks(t *testing.T) {
	s, ts := start(t, smallConfig())
	snap := s.Snapshot()
	org := snap.Orgs[2].ID
	want := issueIDs(snap.Issues, org, nil)
	// Find the last page.
	next, last := "/orgs/"+org+"/issues?version=2024-10-15&limit=30", ""
	for next != "" {
		_, body := get(t, ts.URL+"/rest"+next, demoAuth)
		last, next = next, decode[doc](t, body).Links["next"]
	}
	var got []string
	for l := last; l != ""; {
		_, body := get(t, ts.URL+"/rest"+l, demoAuth)
		d := decode[doc](t, body)
		var recs []Issue
		json.Unmarshal(d.Data, &recs)
		var page []string
		for _, r := range recs {
			page = append(page, r.ID)
		}
		got = append(page, got...)
		l = d.Links["prev"]
	}
	if !slices.Equal(got, want) {
		t.Fatalf("walking prev links gave %d ids, want %d in order", len(got), len(want))
	}
}

// TestTouchAndAddIssues is what an incremental rerun sees.
func TestTouchAndAddIssues(t *testing.T) {
	s, ts := start(t, smallConfig())
	before := s.Snapshot()
	var maxUpdated string
	for _, is := range before.Issues {
		maxUpdated = max(maxUpdated, is.Attributes.UpdatedAt)
	}
	at := time.Date(2024, 12, 1, 10, 0, 0, 0, time.UTC)
	s.Touch(7, at)
	s.AddIssues(3, at.Add(time.Hour))
	after := s.Snapshot()
	old := map[string]Issue{}
	for _, is := range before.Issues {
		old[is.ID] = is
	}
	for _, org := range after.Orgs {
		changed := issueIDs(after.Issues, org.ID, func(is Issue) bool { return is.Attributes.UpdatedAt > maxUpdated })
		got, _ := walk(t, ts, "/orgs/"+org.ID+"/issues?version=2024-10-15&limit=100&updated_after="+url.QueryEscape(maxUpdated), demoAuth)
		if !slices.Equal(got, changed) || len(got) != 10 {
			t.Fatalf("org %s: updated_after gave %d issues, want the 7 touched and 3 added (%d)", org.ID, len(got), len(changed))
		}
		for i, id := range got {
			_, existed := old[id]
			switch {
			case i < 7 && !existed:
				t.Errorf("touched issue %s is new", id)
			case i >= 7 && existed:
				t.Errorf("added issue %s existed before", id)
			}
		}
		if n := s.IssueCount(org.ID); n != 137+3 {
			t.Errorf("IssueCount = %d, want 140", n)
		}
	}
	for _, is := range after.Issues {
		prev, existed := old[is.ID]
		if !existed {
			continue
		}
		touched := is.Attributes.UpdatedAt == fakecore.RFC3339(at)
		if touched == (prev.Attributes.Ignored == is.Attributes.Ignored) {
			t.Errorf("issue %s: touched %v but ignored %v -> %v", is.ID, touched, prev.Attributes.Ignored, is.Attributes.Ignored)
		}
	}
	// A second touch picks other issues (the choice moves).
	s.Touch(7, at.Add(24*time.Hour))
	again := 0
	for _, is := range s.Snapshot().Issues {
		if is.Attributes.UpdatedAt == fakecore.RFC3339(at.Add(24*time.Hour)) {
			again++
		}
	}
	if again != 7*3 {
		t.Errorf("second touch changed %d issues, want 21", again)
	}
}

// TestTouchToTheSecond: a touch at a time with a fraction of a second
// shows that time to the second, and updated_after that very value, as a
// client's cursor holds it, no longer returns the issue.
func TestTouchToTheSecond(t *testing.T) {
	s, ts := start(t, smallConfig())
	at := time.Date(2024, 12, 1, 10, 0, 0, 700_000_000, time.UTC)
	s.Touch(1, at)
	org := s.Snapshot().Orgs[0].ID
	path := "/orgs/" + org + "/issues?version=2024-10-15&limit=100&updated_after="
	got, _ := walk(t, ts, path+url.QueryEscape("2024-12-01T09:59:59Z"), demoAuth)
	if len(got) != 1 {
		t.Fatalf("updated_after a second before the touch: %d issues, want 1", len(got))
	}
	if got, _ := walk(t, ts, path+url.QueryEscape(fakecore.RFC3339(at)), demoAuth); len(got) != 0 {
		t.Errorf("updated_after the touched issue's own updated_at: %v, want none", got)
	}
}

func TestOrgsGroupsAndPolicies(t *testing.T) {
	c := smallConfig()
	c.Orgs = 9 // three groups, org 5 personal
	s, ts := start(t, c)
	snap := s.Snapshot()
	if len(snap.Groups) != 3 {
		t.Fatalf("%d groups, want 3", len(snap.Groups))
	}
	ids, _ := walk(t, ts, "/orgs?version=2024-10-15&is_personal=true", demoAuth)
	if len(ids) != 1 || ids[0] != snap.Orgs[4].ID {
		t.Errorf("personal orgs = %v, want [%s]", ids, snap.Orgs[4].ID)
	}
	ids, _ = walk(t, ts, "/orgs?version=2024-10-15&slug="+snap.Orgs[7].Attributes.Slug, demoAuth)
	if len(ids) != 1 || ids[0] != snap.Orgs[7].ID {
		t.Errorf("orgs by slug = %v", ids)
	}
	total := 0
	for _, g := range snap.Groups {
		var want []string
		for _, o := range snap.Orgs {
			if o.Attributes.GroupID == g.ID {
				want = append(want, o.ID)
			}
		}
		total += len(want)
		got, _ := walk(t, ts, "/groups/"+g.ID+"/orgs?version=2024-10-15&limit=10", demoAuth)
		if !slices.Equal(got, want) {
			t.Errorf("group %s orgs = %v, want %v", g.ID, got, want)
		}
		_, body := get(t, ts.URL+"/rest/groups/"+g.ID+"/orgs?version=2024-10-15&expand=count", demoAuth)
		var meta struct {
			TotalCount int `json:"total_count"`
		}
		json.Unmarshal(decode[doc](t, body).Meta, &meta)
		if meta.TotalCount != len(want) {
			t.Errorf("group %s: meta.total_count %d, want %d", g.ID, meta.TotalCount, len(want))
		}
	}
	if total != 8 {
		t.Errorf("%d orgs in groups, want 8 (one personal)", total)
	}
	resp, body := get(t, ts.URL+"/rest/groups/nope/orgs?version=2024-10-15", demoAuth)
	wantAPIError(t, resp, body, 404, "Group not found", "")

	_, body = get(t, ts.URL+"/rest/orgs?version=2024-10-15&expand=member_role&limit=10", demoAuth)
	var orgs []Org
	json.Unmarshal(decode[doc](t, body).Data, &orgs)
	if len(orgs) != 9 || orgs[0].Relationships == nil || orgs[0].Relationships.MemberRole.Data.Attributes.Name == "" {
		t.Errorf("expand=member_role: %s", body)
	}
	for _, org := range snap.Orgs {
		var want []string
		for _, p := range snap.Policies[org.ID] {
			want = append(want, p.ID)
		}
		got, _ := walk(t, ts, "/orgs/"+org.ID+"/policies?version=2024-10-15&limit=10", demoAuth)
		if !slices.Equal(got, want) {
			t.Errorf("org %s policies = %v, want %v", org.ID, got, want)
		}
	}
	if len(snap.Policies[snap.Orgs[0].ID]) != 2 {
		t.Errorf("org 0 has %d policies, want 2", len(snap.Policies[snap.Orgs[0].ID]))
	}
}

func TestProjectsFiltersAndMeta(t *testing.T) {
	s, ts := start(t, smallConfig())
	snap := s.Snapshot()
	org := snap.Orgs[0].ID
	var mine []Project
	for _, p := range snap.Projects {
		if p.Relationships.Organization.Data.ID == org {
			mine = append(mine, p)
		}
	}
	base := ts.URL + "/rest/orgs/" + org + "/projects?version=2024-10-15"
	_, body := get(t, base+"&meta_count=only", demoAuth)
	var count struct{ Count int }
	json.Unmarshal(decode[doc](t, body).Meta, &count)
	if count.Count != len(mine) {
		t.Errorf("meta.count = %d, want %d", count.Count, len(mine))
	}
	ids, _ := walk(t, ts, "/orgs/"+org+"/projects?version=2024-10-15&ids="+mine[1].ID+","+mine[3].ID, demoAuth)
	if !slices.Equal(ids, []string{mine[1].ID, mine[3].ID}) {
		t.Errorf("ids filter = %v", ids)
	}
	ids, _ = walk(t, ts, "/orgs/"+org+"/projects?version=2024-10-15&types="+mine[2].Attributes.Type, demoAuth)
	for _, id := range ids {
		for _, p := range mine {
			if p.ID == id && p.Attributes.Type != mine[2].Attributes.Type {
				t.Errorf("types filter returned a %s project", p.Attributes.Type)
			}
		}
	}
	// Issue counts agree with the issues themselves.
	_, body = get(t, base+"&meta.latest_issue_counts=true&meta.latest_dependency_total=true&limit=100", demoAuth)
	var got []Project
	json.Unmarshal(decode[doc](t, body).Data, &got)
	for _, p := range got {
		var want IssueCounts
		for _, is := range snap.Issues {
			a := is.Attributes
			if is.Relationships.ScanItem == nil || is.Relationships.ScanItem.Data.ID != p.ID || a.Status != "open" || a.Ignored {
				continue
			}
			switch a.EffectiveSeverityLevel {
			case "critical":
				want.Critical++
			case "high":
				want.High++
			case "medium":
				want.Medium++
			case "low":
				want.Low++
			}
		}
		ic := p.Meta.LatestIssueCounts
		if ic == nil || ic.Critical != want.Critical || ic.High != want.High || ic.Medium != want.Medium || ic.Low != want.Low {
			t.Errorf("project %s: latest_issue_counts %+v, want %+v", p.ID, ic, want)
		}
		dg := snap.DepGraphs[p.ID]
		if p.Meta.LatestDependencyTotal == nil || p.Meta.LatestDependencyTotal.Total != len(dg.Pkgs)-1 {
			t.Errorf("project %s: latest_dependency_total %+v, want %d", p.ID, p.Meta.LatestDependencyTotal, len(dg.Pkgs)-1)
		}
	}
	// Issues of one project, through scan_item.
	ids, _ = walk(t, ts, "/orgs/"+org+"/issues?version=2024-10-15&limit=100&scan_item.type=project&scan_item.id="+mine[0].ID, demoAuth)
	want := issueIDs(snap.Issues, org, func(is Issue) bool { return is.Relationships.ScanItem.Data.ID == mine[0].ID })
	if !slices.Equal(ids, want) || len(want) == 0 {
		t.Errorf("scan_item filter: %d issues, want %d", len(ids), len(want))
	}
}

func TestPackageIssues(t *testing.T) {
	s, ts := start(t, smallConfig())
	snap := s.Snapshot()
	org := snap.Orgs[0].ID
	for _, purl := range snap.Purls {
		want := snap.PackageIssues[purl]
		// limit=1 pages with offset through next links.
		path := "/orgs/" + org + "/packages/" + escapePurl(purl) + "/issues?version=2024-10-15&limit=1"
		got, pages := walk(t, ts, path, demoAuth)
		var wantIDs []string
		for _, pi := range want {
			wantIDs = append(wantIDs, pi.ID)
		}
		if !slices.Equal(got, wantIDs) || pages != len(want) {
			t.Errorf("%s: %v in %d pages, want %v", purl, got, pages, wantIDs)
		}
	}
	purl := snap.Purls[0]
	resp, body := get(t, ts.URL+"/rest/orgs/"+org+"/packages/"+escapePurl(purl)+"/issues?version=2024-10-15", demoAuth)
	wantStatus(t, resp, body, 200)
	d := decode[doc](t, body)
	var meta struct{ Package PackageMeta }
	json.Unmarshal(d.Meta, &meta)
	if meta.Package.URL != purl || meta.Package.Name != "lodash" || meta.Package.Version != "4.17.20" {
		t.Errorf("meta.package = %+v", meta.Package)
	}
	if !strings.Contains(d.Links["self"], "limit=1000&offset=0") || !strings.Contains(d.Links["self"], "pkg%3Anpm%2Flodash%404.17.20") {
		t.Errorf("links.self = %q", d.Links["self"])
	}
	for _, tt := range []struct {
		path   string
		status int
		detail string
	}{
		{"/packages/" + url.PathEscape("pkg:npm/lodash") + "/issues?version=2024-10-15", 400, "no version"},
		{"/packages/" + url.PathEscape("pkg:nope/x@1") + "/issues?version=2024-10-15", 400, "unsupported purl type"},
		{"/packages/" + escapePurl(purl) + "/issues?version=2024-10-15&limit=1001", 400, "from 1 to 1000"},
		{"/packages/" + escapePurl(purl) + "/issues?version=2024-10-15&offset=-1", 400, "0 or more"},
		{"/packages/pkg:npm/lodash@4.17.20/issues?version=2024-10-15", 404, "does not exist"}, // not URL-encoded
	} {
		resp, body := get(t, ts.URL+"/rest/orgs/"+org+tt.path, demoAuth)
		wantAPIError(t, resp, body, tt.status, tt.detail, "")
	}
	// An unknown package version has no issues.
	resp, body = get(t, ts.URL+"/rest/orgs/"+org+"/packages/"+escapePurl("pkg:npm/lodash@4.17.21")+"/issues?version=2024-10-15", demoAuth)
	wantStatus(t, resp, body, 200)
	if d := decode[doc](t, body); string(d.Data) != "[]" || d.Links["next"] != "" {
		t.Errorf("fixed version: %s", body)
	}
}
