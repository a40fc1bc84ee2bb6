package snykfake

import (
	"fmt"
	"strconv"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// Issues are never stored: issue i of org o is computed from (seed, o, i)
// and the org's issueState, which records what Touch and AddIssues
// changed. Filtering looks only at the cheap issueCore; full Issue values
// are built for the records of the page being served.

// issueState is what changed in an org's issues since generation. It is
// replaced as a whole on change, so a reader holds a consistent view.
type issueState struct {
	base    int               // generated issues: indexes [0, base)
	added   []time.Time       // creation time of issues base, base+1, ...
	touched map[int]touchMark // by index
}

// touchMark is a touched issue's new updated_at and how often its ignored
// flag was toggled.
type touchMark struct {
	at    time.Time
	flips int
}

func (st *issueState) count() int { return st.base + len(st.added) }

// issueKind is an issue's type.
type issueKind uint8

const (
	kindPackageVuln issueKind = iota
	kindLicense
	kindCode
)

func (k issueKind) String() string {
	return [...]string{"package_vulnerability", "license", "code"}[k]
}

// issueCore is what filters look at.
type issueCore struct {
	idx      int
	hv       uint64
	created  time.Time
	updated  time.Time
	kind     issueKind
	project  int // -1 when the org has no projects
	pkg      int // catalog index (package and license issues)
	vuln     int // index in the package's vulns
	level    string
	resolved bool
	ignored  bool
}

func (d *dataset) issueCore(o int, st *issueState, i int) issueCore {
	hv := d.h.N(kIssue, uint64(o), uint64(i))
	c := issueCore{idx: i, hv: hv, project: -1}
	if i < st.base {
		c.created = issueEpoch.Add(time.Duration(i)*issueStep + time.Duration(o)*7*time.Second)
		c.updated = c.created.Add(time.Duration(hv>>20%(90*24*3600)) * time.Second)
	} else {
		c.created = st.added[i-st.base]
		c.updated = c.created
	}
	switch r := hv % 20; {
	case r == 0:
		c.kind = kindCode
	case r <= 2:
		c.kind = kindLicense
	}
	if n := len(d.projects[o]); n > 0 {
		c.project = int(hv >> 8 % uint64(n))
		pkgs := d.projectPkgs[o][c.project]
		c.pkg = pkgs[hv>>16%uint64(len(pkgs))]
	} else {
		c.pkg = int(hv >> 16 % uint64(len(d.catalog)))
	}
	vulns := d.catalog[c.pkg].Vulns
	c.vuln = int(hv >> 24 % uint64(len(vulns)))
	switch c.kind {
	case kindPackageVuln:
		c.level = vulns[c.vuln].Level
	case kindLicense:
		c.level = fakecore.Pick(hv>>28, []string{"medium", "high", "low"})
	case kindCode:
		c.level = fakecore.Pick(hv>>28, []string{"high", "medium", "low", "medium"})
	}
	c.resolved = hv>>32%5 == 0
	c.ignored = hv>>36%11 == 0
	if m, ok := st.touched[i]; ok {
		c.updated = m.at
		if m.flips%2 == 1 {
			c.ignored = !c.ignored
		}
	}
	return c
}

var codeRules = []struct{ id, title, cwe, file string }{
	{"javascript/Sqli", "SQL Injection", "CWE-89", "src/db/query.js"},
	{"javascript/PT", "Path Traversal", "CWE-23", "src/routes/files.js"},
	{"java/HardcodedPassword", "Use of Hardcoded Passwords", "CWE-798", "src/main/java/com/acme/Config.java"},
	{"python/XSS", "Cross-site Scripting (XSS)", "CWE-79", "app/views.py"},
}

// issue builds the full record of a core.
func (d *dataset) issue(o int, c issueCore) Issue {
	orgID := d.orgs[o].ID
	created, updated := fakecore.RFC3339(c.created), fakecore.RFC3339(c.updated)
	pkg := &d.catalog[c.pkg]
	v := pkg.Vulns[c.vuln]
	is := Issue{
		ID:   d.h.UUID(kIssue, uint64(o), uint64(c.idx)),
		Type: "issue",
		Attributes: IssueAttributes{
			Type:                   c.kind.String(),
			EffectiveSeverityLevel: c.level,
			Status:                 "open",
			Ignored:                c.ignored,
			CreatedAt:              created,
			UpdatedAt:              updated,
		},
		Relationships: IssueRelationships{Organization: Rel{Data: RelData{ID: orgID, Type: "organization"}}},
	}
	if c.project >= 0 {
		is.Relationships.ScanItem = &Rel{Data: RelData{ID: d.projects[o][c.project].ID, Type: "project"}}
	}
	state := "open"
	if c.resolved {
		state = "resolved"
		is.Attributes.Status = "resolved"
		is.Attributes.Resolution = &Resolution{Type: "fixed", ResolvedAt: updated}
		if c.kind == kindPackageVuln {
			is.Attributes.Resolution.Details = "upgraded to " + v.FixedIn
		} else {
			is.Attributes.Resolution.Type = "disappeared"
		}
	}
	coord := Coordinate{
		State: state, CreatedAt: created, UpdatedAt: updated,
		Reachability: fakecore.Pick(c.hv>>40, []string{"no-info", "function", "not-applicable", "no-path-found"}),
	}
	dep := []Representation{{Dependency: &Dependency{PackageName: pkg.Name, PackageVersion: pkg.Version}}}
	switch c.kind {
	case kindPackageVuln:
		is.Attributes.Key = v.SnykID + ":" + pkg.Name + ":" + pkg.Version + ":" + strconv.Itoa(c.idx)
		is.Attributes.Title = v.Title
		is.Attributes.Problems = []Problem{{
			ID: v.SnykID, Source: "SNYK", Type: "vulnerability", URL: v.URL,
			DisclosedAt: v.DisclosedText, DiscoveredAt: v.PublishedText, UpdatedAt: v.ModifiedText,
		}}
		if v.CVE != "" {
			is.Attributes.Problems = append(is.Attributes.Problems, Problem{ID: v.CVE, Source: "CVE", Type: "vulnerability"})
		}
		coord.IsFixableSnyk = c.hv>>44%3 != 0
		coord.IsUpgradeable = coord.IsFixableSnyk
		coord.IsPinnable = pkg.Eco.Name == "pip"
		coord.Remedies = []Remedy{{Type: "indeterminate", Description: v.Remedy, Details: &RemedyDetails{UpgradePackage: v.FixedIn}}}
		coord.Representations = dep
		is.Attributes.Severities = []Severity{{Source: "Snyk", Level: v.Level, Score: v.Score, Vector: v.Vector, Version: "3.1", ModificationTime: v.ModifiedText}}
		is.Attributes.Classes = []Class{{ID: v.CWE, Source: "CWE", Type: "weakness"}}
		is.Attributes.Risk = &Risk{Factors: []string{}, Score: RiskScore{Model: "v1", Value: int(v.Score*80) + int(c.hv>>48%100)}}
	case kindLicense:
		id := fmt.Sprintf("snyk:lic:%s:%s:%s", pkg.Eco.Name, pkg.Name, pkg.License)
		is.Attributes.Key = fmt.Sprintf("%s:%s:%d", id, pkg.Version, c.idx)
		is.Attributes.Title = pkg.License + " license"
		is.Attributes.Problems = []Problem{{ID: id, Source: "SNYK", Type: "rule"}}
		coord.IsFixableManually = true
		coord.Representations = dep
	case kindCode:
		rule := fakecore.Pick(c.hv>>40, codeRules)
		line := 10 + int(c.hv>>44%400)
		is.Attributes.Key = fmt.Sprintf("%016x", c.hv)
		is.Attributes.Title = rule.title
		is.Attributes.Problems = []Problem{{ID: rule.id, Source: "SNYK", Type: "rule"}}
		coord.Reachability = ""
		coord.Representations = []Representation{{SourceLocation: &SourceLocation{
			File:   rule.file,
			Region: Region{Start: Position{Line: line, Column: 5}, End: Position{Line: line, Column: 42}},
		}}}
		is.Attributes.Classes = []Class{{ID: rule.cwe, Source: "CWE", Type: "weakness"}}
	}
	is.Attributes.Coordinates = []Coordinate{coord}
	return is
}

// touch marks n issues of every org as updated at `at` (to the second,
// as the API writes its times; see apiTime) and toggles their ignored
// flag. The choice is deterministic: evenly spread indexes from an offset
// that moves with every call.
func (d *dataset) touch(n int, at time.Time) {
	at = apiTime(at)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.touchN++
	for o := range d.issues {
		old := d.issues[o].Load()
		cnt := old.count()
		if cnt == 0 || n <= 0 {
			continue
		}
		k := n
		if k > cnt {
			k = cnt
		}
		st := &issueState{base: old.base, added: old.added, touched: make(map[int]touchMark, len(old.touched)+k)}
		for i, m := range old.touched {
			st.touched[i] = m
		}
		start := int(d.h.N(kTouch, d.touchN, uint64(o)) % uint64(cnt))
		stride := cnt / k
		for j := 0; j < k; j++ {
			i := (start + j*stride) % cnt
			m := st.touched[i]
			st.touched[i] = touchMark{at: at, flips: m.flips + 1}
		}
		d.issues[o].Store(st)
	}
}

// addIssues appends n issues to every org, created and updated at `at`
// (to the second, see apiTime).
func (d *dataset) addIssues(n int, at time.Time) {
	if n <= 0 {
		return
	}
	at = apiTime(at)
	d.mu.Lock()
	defer d.mu.Unlock()
	for o := range d.issues {
		old := d.issues[o].Load()
		added := make([]time.Time, len(old.added), len(old.added)+n)
		copy(added, old.added)
		for j := 0; j < n; j++ {
			added = append(added, at)
		}
		d.issues[o].Store(&issueState{base: old.base, added: added, touched: old.touched})
	}
}

// apiTime is t as the API has it: it writes times to the second
// (fakecore.RFC3339) and filters updated_after by the time it holds, so a
// time held with a fraction would be after the very cursor a client read
// from it, and every run would load that issue again.
func apiTime(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
