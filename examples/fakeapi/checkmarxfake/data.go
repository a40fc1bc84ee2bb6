package checkmarxfake

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// Record kinds, mixed into the hash so that ids of different kinds
// differ; the numbering is shared with fakecore's and Snyk's kinds.
const (
	kTenant uint64 = iota + 11
	kProject
	kScan
	kLicense
)

// epoch is the base time of generated data; none depends on the wall
// clock.
var epoch = time.Date(2023, 1, 2, 7, 0, 0, 0, time.UTC)

// tenant is the Checkmarx SCA tenant: Config.Projects projects with
// ScansPerProject scans each. Per-scan lists (packages, vulnerabilities,
// licenses) are computed on request from the scan's indexes.
type tenant struct {
	h        fakecore.Hasher
	catalog  fakecore.Catalog
	tenantID string
	projects []Project
	scans    [][]Scan          // per project, oldest first
	scanIdx  map[string][2]int // scan id → project, scan
	projIdx  map[string]int
	eco      []fakecore.Ecosystem // per project
}

var licenseTable = []License{
	{Name: "MIT", URL: "https://opensource.org/licenses/MIT", RoyaltyFree: "Yes", CopyrightRiskScore: 1, PatentRiskScore: 1, RiskLevel: "Low", Linking: "Non-Viral", CopyLeft: "No"},
	{Name: "Apache 2.0", URL: "https://www.apache.org/licenses/LICENSE-2.0", RoyaltyFree: "Yes", CopyrightRiskScore: 2, PatentRiskScore: 3, RiskLevel: "Low", Linking: "Non-Viral", CopyLeft: "No"},
	{Name: "BSD 3", URL: "https://opensource.org/licenses/BSD-3-Clause", RoyaltyFree: "Yes", CopyrightRiskScore: 1, PatentRiskScore: 2, RiskLevel: "Low", Linking: "Non-Viral", CopyLeft: "No"},
	{Name: "GPL 2.0", URL: "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html", RoyaltyFree: "Conditional", CopyrightRiskScore: 6, PatentRiskScore: 5, RiskLevel: "High", Linking: "Viral", CopyLeft: "Full"},
	{Name: "LGPL 3.0", URL: "https://www.gnu.org/licenses/lgpl-3.0.html", RoyaltyFree: "Conditional", CopyrightRiskScore: 4, PatentRiskScore: 4, RiskLevel: "Medium", Linking: "Non-Viral", CopyLeft: "Partial"},
}

// licenseNames maps an SPDX id to the name Checkmarx shows.
var licenseNames = map[string]string{
	"MIT": "MIT", "Apache-2.0": "Apache 2.0", "BSD-3-Clause": "BSD 3", "GPL-2.0": "GPL 2.0", "LGPL-3.0": "LGPL 3.0",
}

func newTenant(cfg Config) *tenant {
	h := fakecore.Hasher(cfg.Seed)
	c := &tenant{h: h, catalog: fakecore.NewCatalog(h), tenantID: h.UUID(kTenant, 0, 0), scanIdx: map[string][2]int{}, projIdx: map[string]int{}}
	for p := 0; p < cfg.Projects; p++ {
		hv := h.N(kProject, uint64(p), 0)
		eco := fakecore.Ecosystems[hv%uint64(len(fakecore.Ecosystems))]
		created := epoch.AddDate(-2, 0, 0).Add(time.Duration(p)*53*time.Hour + time.Duration(hv>>8%3600000000)*time.Microsecond)
		proj := Project{
			ID:            h.UUID(kProject, uint64(p), 0),
			Name:          fmt.Sprintf("%s-%d", fakecore.Pick(hv>>4, fakecore.Repos), p+1),
			CreatedOn:     created.Format("2006-01-02T15:04:05.000000"), // no zone, as Checkmarx sends it
			TenantID:      c.tenantID,
			AssignedTeams: []string{},
		}
		if hv%3 == 0 {
			proj.AssignedTeams = []string{"/CxServer/SP/" + fakecore.Pick(hv>>12, fakecore.Teams)}
		}
		if hv%4 != 0 {
			b := fakecore.Pick(hv>>16, []string{"main", "master", "develop"})
			proj.Branch = &b
		}
		var scans []Scan
		for s := 0; s < cfg.ScansPerProject; s++ {
			scan := c.newScan(p, s, proj.ID)
			c.scanIdx[scan.ScanID] = [2]int{p, s}
			scans = append(scans, scan)
			if scan.Status.Name == "Done" {
				id := scan.ScanID
				proj.LastSuccessfulScanID = &id
			}
		}
		c.projIdx[proj.ID] = p
		c.projects = append(c.projects, proj)
		c.scans = append(c.scans, scans)
		c.eco = append(c.eco, eco)
	}
	return c
}

func (c *tenant) newScan(p, s int, projectID string) Scan {
	hv := c.h.N(kScan, uint64(p), uint64(s))
	start := epoch.Add(time.Duration(p)*3*24*time.Hour + time.Duration(s)*5*24*time.Hour + time.Duration(hv%36000000)*time.Millisecond)
	t1 := start.Add(time.Duration(5+hv>>8%20) * time.Second)
	t2 := t1.Add(time.Duration(30+hv>>16%120) * time.Second)
	t3 := t2.Add(time.Duration(10+hv>>24%60) * time.Second)
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	id := c.h.UUID(kScan, uint64(p), uint64(s))
	scan := Scan{
		ScanID: id, ProjectID: projectID, RiskReportID: id,
		CreatedOn: ts(start), LastUpdate: ts(t3),
		Status:   ScanStatus{Name: "Done"},
		Origin:   fakecore.Pick(hv>>32, []string{"Zip", "Zip", "Cli", "Jenkins"}),
		Username: fakecore.Pick(hv>>36, []string{"ci-bot", "demo", "release-bot"}),
		TenantID: c.tenantID,
		ScanProgress: []ScanStep{
			{Name: "Uploading", StartTime: ts(start), EndTime: ts(t1), Status: "Done"},
			{Name: "ResolvingDependencies", StartTime: ts(t1), EndTime: ts(t2), Status: "Done"},
			{Name: "CalculatingRisk", StartTime: ts(t2), EndTime: ts(t3), Status: "Done"},
		},
	}
	if hv>>40%2 == 0 {
		r := fmt.Sprintf("%07x", uint32(hv>>44))
		scan.Revision = &r
	}
	if s%7 == 6 {
		msg := "Failed to resolve dependencies"
		scan.Status = ScanStatus{Name: "Failed", Message: &msg}
		scan.ScanProgress[1].Status = "Failed"
		scan.ScanProgress = scan.ScanProgress[:2]
	}
	return scan
}

// scanPackages returns the catalog packages found by scan s of project p
// (none for a failed scan). Maven projects always carry both log4j
// packages, so a CVE appears twice in one scan.
func (c *tenant) scanPackages(p, s int) []int {
	if c.scans[p][s].Status.Name != "Done" {
		return nil
	}
	hv := c.h.N(kScan, uint64(p), uint64(s)+1<<20)
	eco := c.eco[p]
	pkgs := c.catalog.PickPackages(eco.Name, hv, 3+int(hv>>8%4))
	if eco.Name == "maven" {
		for _, name := range []string{"org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-api"} {
			i := c.catalog.Index("maven", name)
			if !slices.Contains(pkgs, i) {
				pkgs = append(pkgs, i)
			}
		}
	}
	return pkgs
}

// packages returns scan s of project p's packages.
func (c *tenant) packages(p, s int) []Package {
	pkgs := c.scanPackages(p, s)
	out := make([]Package, 0, len(pkgs))
	var direct *fakecore.Package
	for k, i := range pkgs {
		cp := &c.catalog[i]
		isDirect := k%3 != 2 || direct == nil
		var high, med, low int
		var maxScore float64
		for _, v := range cp.Vulns {
			switch severity(v.Score) {
			case "High":
				high++
			case "Medium":
				med++
			default:
				low++
			}
			maxScore = max(maxScore, v.Score)
		}
		sev := "NONE"
		switch {
		case high > 0:
			sev = "HIGH"
		case med > 0:
			sev = "MEDIUM"
		case low > 0:
			sev = "LOW"
		}
		hop := DependencyHop{ID: cxID(cp), Name: cp.Name, Version: cp.Version, IsResolved: true}
		path := []DependencyHop{hop}
		if !isDirect {
			path = []DependencyHop{{ID: cxID(direct), Name: direct.Name, Version: direct.Version, IsResolved: true}, hop}
		}
		out = append(out, Package{
			ID: cxID(cp), Name: cp.Name, Version: cp.Version,
			Licenses:                        []string{licenseNames[cp.License]},
			MatchType:                       "Filename",
			HighVulnerabilityCount:          high,
			MediumVulnerabilityCount:        med,
			LowVulnerabilityCount:           low,
			NumberOfVersionsSinceLastUpdate: 1 + len(cp.Newest)%5,
			NewestVersion:                   cp.Newest,
			NewestVersionReleaseDate:        "2024-04-30T00:00:00",
			Outdated:                        cp.Newest != cp.Version,
			ReleaseDate:                     cp.Released,
			ConfidenceLevel:                 100,
			RiskScore:                       maxScore,
			Severity:                        sev,
			Locations:                       []string{cp.Eco.LockFile},
			DependencyPaths:                 [][]DependencyHop{path},
			PackageRepository:               cp.Eco.CxRepo,
			IsDirectDependency:              isDirect,
			PackageUsage:                    PackageUsage{UsageType: "Unknown", PackageID: cxID(cp)},
		})
		if isDirect {
			direct = cp
		}
	}
	return out
}

// severity is a score's severity as vulnerabilities spell it.
func severity(score float64) string {
	switch {
	case score >= 7:
		return "High"
	case score >= 4:
		return "Medium"
	}
	return "Low"
}

// vulnerabilities returns scan s of project p's vulnerabilities, one per
// vulnerability and package.
func (c *tenant) vulnerabilities(p, s int) []Vulnerability {
	var out []Vulnerability
	for _, i := range c.scanPackages(p, s) {
		cp := &c.catalog[i]
		for j, v := range cp.Vulns {
			refs := []string{}
			data := []Reference{}
			if v.CVE != "" {
				u := "https://nvd.nist.gov/vuln/detail/" + v.CVE
				refs = append(refs, u)
				data = append(data, Reference{URL: u, Type: "Advisory", Comment: ""})
			}
			out = append(out, Vulnerability{
				ID: v.CxID, CveName: v.CVE, Score: v.Score, Severity: severity(v.Score),
				PublishDate:        v.Published.Format("2006-01-02T15:04:05"),
				References:         refs,
				ReferencesData:     data,
				Description:        fmt.Sprintf("%s in %s before %s.", v.Title, cp.Name, v.FixedIn),
				Cvss:               cvssOf(v.Vector),
				PackageID:          cxID(cp),
				SimilarityID:       fmt.Sprint(int32(c.h.N(fakecore.KindVuln, uint64(i), uint64(j)) >> 32)),
				FixResolutionText:  v.FixedIn,
				IsIgnored:          false,
				ExploitableMethods: []string{},
				Cwe:                v.CWE,
			})
		}
	}
	return out
}

// cvssOf spells out a CVSS 3.1 vector as Checkmarx does.
func cvssOf(vector string) Cvss {
	c := Cvss{Version: 3}
	words := map[string]map[string]string{
		"AV": {"N": "NETWORK", "A": "ADJACENT_NETWORK", "L": "LOCAL", "P": "PHYSICAL"},
		"AC": {"L": "LOW", "H": "HIGH"},
		"PR": {"N": "NONE", "L": "LOW", "H": "HIGH"},
		"UI": {"N": "NONE", "R": "REQUIRED"},
		"S":  {"U": "UNCHANGED", "C": "CHANGED"},
		"C":  {"N": "NONE", "L": "LOW", "H": "HIGH"},
		"I":  {"N": "NONE", "L": "LOW", "H": "HIGH"},
		"A":  {"N": "NONE", "L": "LOW", "H": "HIGH"},
	}
	for _, part := range strings.Split(vector, "/") {
		k, v, _ := strings.Cut(part, ":")
		w := words[k][v]
		switch k {
		case "AV":
			c.AttackVector = w
		case "AC":
			c.AttackComplexity = w
		case "PR":
			c.PrivilegesRequired = w
		case "UI":
			c.UserInteraction = w
		case "S":
			c.Scope = w
		case "C":
			c.Confidentiality = w
		case "I":
			c.IntegrityImpact = w
		case "A":
			c.Availability = w
		}
	}
	return c
}

// licenses returns the distinct licenses of scan s of project p, in
// order of first appearance.
func (c *tenant) licenses(p, s int) []License {
	out := []License{}
	seen := map[string]bool{}
	for _, i := range c.scanPackages(p, s) {
		name := licenseNames[c.catalog[i].License]
		if seen[name] {
			continue
		}
		seen[name] = true
		for k, l := range licenseTable {
			if l.Name == name {
				l.ID = c.h.UUID(kLicense, uint64(k), 0)
				l.ReferenceType = "Official"
				l.Reference = l.URL
				out = append(out, l)
			}
		}
	}
	return out
}

// riskReport summarises scan s of project p.
func (c *tenant) riskReport(p, s int) RiskReport {
	scan := c.scans[p][s]
	r := RiskReport{RiskReportID: scan.RiskReportID, ProjectID: scan.ProjectID, CreatedOn: scan.LastUpdate}
	for _, pk := range c.packages(p, s) {
		r.HighVulnerabilityCount += pk.HighVulnerabilityCount
		r.MediumVulnerabilityCount += pk.MediumVulnerabilityCount
		r.LowVulnerabilityCount += pk.LowVulnerabilityCount
		r.TotalPackages++
		if pk.IsDirectDependency {
			r.DirectPackages++
		}
		if pk.Outdated {
			r.TotalOutdatedPackages++
		}
		r.RiskScore = max(r.RiskScore, pk.RiskScore)
	}
	return r
}

// cxID is the Checkmarx package id: manager-name-version.
func cxID(p *fakecore.Package) string { return p.Eco.CxRepo + "-" + p.Name + "-" + p.Version }
