package fakeapi

import (
	"fmt"
	"strings"
	"time"
)

// cxData is the Checkmarx SCA tenant: ProjectsPerOrg projects with
// ScansPerProject scans each. Per-scan lists (packages, vulnerabilities,
// licenses) are computed on request from the scan's indexes.
type cxData struct {
	d        *dataset
	tenantID string
	projects []CxProject
	scans    [][]CxScan        // per project, oldest first
	scanIdx  map[string][2]int // scan id → project, scan
	projIdx  map[string]int
	eco      []ecosystem // per project
}

var cxLicenses = []CxLicense{
	{Name: "MIT", URL: "https://opensource.org/licenses/MIT", RoyaltyFree: "Yes", CopyrightRiskScore: 1, PatentRiskScore: 1, RiskLevel: "Low", Linking: "Non-Viral", CopyLeft: "No"},
	{Name: "Apache 2.0", URL: "https://www.apache.org/licenses/LICENSE-2.0", RoyaltyFree: "Yes", CopyrightRiskScore: 2, PatentRiskScore: 3, RiskLevel: "Low", Linking: "Non-Viral", CopyLeft: "No"},
	{Name: "BSD 3", URL: "https://opensource.org/licenses/BSD-3-Clause", RoyaltyFree: "Yes", CopyrightRiskScore: 1, PatentRiskScore: 2, RiskLevel: "Low", Linking: "Non-Viral", CopyLeft: "No"},
	{Name: "GPL 2.0", URL: "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html", RoyaltyFree: "Conditional", CopyrightRiskScore: 6, PatentRiskScore: 5, RiskLevel: "High", Linking: "Viral", CopyLeft: "Full"},
	{Name: "LGPL 3.0", URL: "https://www.gnu.org/licenses/lgpl-3.0.html", RoyaltyFree: "Conditional", CopyrightRiskScore: 4, PatentRiskScore: 4, RiskLevel: "Medium", Linking: "Non-Viral", CopyLeft: "Partial"},
}

// cxLicenseName maps an SPDX id to the name Checkmarx shows.
var cxLicenseName = map[string]string{
	"MIT": "MIT", "Apache-2.0": "Apache 2.0", "BSD-3-Clause": "BSD 3", "GPL-2.0": "GPL 2.0", "LGPL-3.0": "LGPL 3.0",
}

func newCxData(d *dataset) *cxData {
	c := &cxData{d: d, tenantID: d.h.UUID(kCxTenant, 0, 0), scanIdx: map[string][2]int{}, projIdx: map[string]int{}}
	n := d.cfg.ProjectsPerOrg
	for p := 0; p < n; p++ {
		hv := d.h.N(kCxProject, uint64(p), 0)
		eco := ecosystems[hv%uint64(len(ecosystems))]
		created := cxEpoch.AddDate(-2, 0, 0).Add(time.Duration(p)*53*time.Hour + time.Duration(hv>>8%3600000000)*time.Microsecond)
		proj := CxProject{
			ID:            d.h.UUID(kCxProject, uint64(p), 0),
			Name:          fmt.Sprintf("%s-%d", pick(hv>>4, repoNames), p+1),
			CreatedOn:     created.Format("2006-01-02T15:04:05.000000"), // no zone, as Checkmarx sends it
			TenantID:      c.tenantID,
			AssignedTeams: []string{},
		}
		if hv%3 == 0 {
			proj.AssignedTeams = []string{"/CxServer/SP/" + pick(hv>>12, orgNames)}
		}
		if hv%4 != 0 {
			b := pick(hv>>16, []string{"main", "master", "develop"})
			proj.Branch = &b
		}
		var scans []CxScan
		for s := 0; s < d.cfg.ScansPerProject; s++ {
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

func (c *cxData) newScan(p, s int, projectID string) CxScan {
	hv := c.d.h.N(kCxScan, uint64(p), uint64(s))
	start := cxEpoch.Add(time.Duration(p)*3*24*time.Hour + time.Duration(s)*5*24*time.Hour + time.Duration(hv%36000000)*time.Millisecond)
	t1 := start.Add(time.Duration(5+hv>>8%20) * time.Second)
	t2 := t1.Add(time.Duration(30+hv>>16%120) * time.Second)
	t3 := t2.Add(time.Duration(10+hv>>24%60) * time.Second)
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	id := c.d.h.UUID(kCxScan, uint64(p), uint64(s))
	scan := CxScan{
		ScanID: id, ProjectID: projectID, RiskReportID: id,
		CreatedOn: ts(start), LastUpdate: ts(t3),
		Status:   CxScanStatus{Name: "Done"},
		Origin:   pick(hv>>32, []string{"Zip", "Zip", "Cli", "Jenkins"}),
		Username: pick(hv>>36, []string{"ci-bot", "demo", "release-bot"}),
		TenantID: c.tenantID,
		ScanProgress: []CxScanStep{
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
		scan.Status = CxScanStatus{Name: "Failed", Message: &msg}
		scan.ScanProgress[1].Status = "Failed"
		scan.ScanProgress = scan.ScanProgress[:2]
	}
	return scan
}

// scanPackages returns the catalog packages found by scan s of project p
// (none for a failed scan). Maven projects always carry both log4j
// packages, so a CVE appears twice in one scan.
func (c *cxData) scanPackages(p, s int) []int {
	if c.scans[p][s].Status.Name != "Done" {
		return nil
	}
	hv := c.d.h.N(kCxScan, uint64(p), uint64(s)+1<<20)
	eco := c.eco[p]
	pkgs := c.d.catalog.pickPackages(eco.name, hv, 3+int(hv>>8%4))
	if eco.name == "maven" {
		for _, name := range []string{"org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-api"} {
			i := c.d.catalog.index("maven", name)
			if !containsInt(pkgs, i) {
				pkgs = append(pkgs, i)
			}
		}
	}
	return pkgs
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// packages returns scan s of project p's packages.
func (c *cxData) packages(p, s int) []CxPackage {
	pkgs := c.scanPackages(p, s)
	out := make([]CxPackage, 0, len(pkgs))
	var direct *catalogPkg
	for k, i := range pkgs {
		cp := &c.d.catalog[i]
		isDirect := k%3 != 2 || direct == nil
		var high, med, low int
		var maxScore float64
		for _, v := range cp.vulns {
			switch cxSeverity(v.score) {
			case "High":
				high++
			case "Medium":
				med++
			default:
				low++
			}
			maxScore = max(maxScore, v.score)
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
		hop := CxDependencyHop{ID: cp.cxID(), Name: cp.name, Version: cp.version, IsResolved: true}
		path := []CxDependencyHop{hop}
		if !isDirect {
			path = []CxDependencyHop{{ID: direct.cxID(), Name: direct.name, Version: direct.version, IsResolved: true}, hop}
		}
		out = append(out, CxPackage{
			ID: cp.cxID(), Name: cp.name, Version: cp.version,
			Licenses:                        []string{cxLicenseName[cp.license]},
			MatchType:                       "Filename",
			HighVulnerabilityCount:          high,
			MediumVulnerabilityCount:        med,
			LowVulnerabilityCount:           low,
			NumberOfVersionsSinceLastUpdate: 1 + len(cp.newest)%5,
			NewestVersion:                   cp.newest,
			NewestVersionReleaseDate:        "2024-04-30T00:00:00",
			Outdated:                        cp.newest != cp.version,
			ReleaseDate:                     cp.released,
			ConfidenceLevel:                 100,
			RiskScore:                       maxScore,
			Severity:                        sev,
			Locations:                       []string{cp.eco.lockFile},
			DependencyPaths:                 [][]CxDependencyHop{path},
			PackageRepository:               cp.eco.cxRepo,
			IsDirectDependency:              isDirect,
			PackageUsage:                    CxPackageUsage{UsageType: "Unknown", PackageID: cp.cxID()},
		})
		if isDirect {
			direct = cp
		}
	}
	return out
}

// cxSeverity is a score's severity as vulnerabilities spell it.
func cxSeverity(score float64) string {
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
func (c *cxData) vulnerabilities(p, s int) []CxVulnerability {
	var out []CxVulnerability
	for _, i := range c.scanPackages(p, s) {
		cp := &c.d.catalog[i]
		for j, v := range cp.vulns {
			refs := []string{}
			data := []CxReference{}
			if v.cve != "" {
				u := "https://nvd.nist.gov/vuln/detail/" + v.cve
				refs = append(refs, u)
				data = append(data, CxReference{URL: u, Type: "Advisory", Comment: ""})
			}
			out = append(out, CxVulnerability{
				ID: v.cxID, CveName: v.cve, Score: v.score, Severity: cxSeverity(v.score),
				PublishDate:        v.published.Format("2006-01-02T15:04:05"),
				References:         refs,
				ReferencesData:     data,
				Description:        fmt.Sprintf("%s in %s before %s.", v.title, cp.name, v.fixedIn),
				Cvss:               cvssOf(v.vector),
				PackageID:          cp.cxID(),
				SimilarityID:       fmt.Sprint(int32(c.d.h.N(kVuln, uint64(i), uint64(j)) >> 32)),
				FixResolutionText:  v.fixedIn,
				IsIgnored:          false,
				ExploitableMethods: []string{},
				Cwe:                v.cwe,
			})
		}
	}
	return out
}

// cvssOf spells out a CVSS 3.1 vector as Checkmarx does.
func cvssOf(vector string) CxCvss {
	c := CxCvss{Version: 3}
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
func (c *cxData) licenses(p, s int) []CxLicense {
	out := []CxLicense{}
	seen := map[string]bool{}
	for _, i := range c.scanPackages(p, s) {
		name := cxLicenseName[c.d.catalog[i].license]
		if seen[name] {
			continue
		}
		seen[name] = true
		for k, l := range cxLicenses {
			if l.Name == name {
				l.ID = c.d.h.UUID(kCxLicense, uint64(k), 0)
				l.ReferenceType = "Official"
				l.Reference = l.URL
				out = append(out, l)
			}
		}
	}
	return out
}

// riskReport summarises scan s of project p.
func (c *cxData) riskReport(p, s int) CxRiskReport {
	scan := c.scans[p][s]
	r := CxRiskReport{RiskReportID: scan.RiskReportID, ProjectID: scan.ProjectID, CreatedOn: scan.LastUpdate}
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
