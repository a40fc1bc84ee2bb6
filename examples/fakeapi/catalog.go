package fakeapi

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// The catalog is the fixed set of packages the fake knows, each with one
// vulnerable version and its vulnerabilities. Projects depend on catalog
// packages, issues point at their vulnerabilities, package issues and
// Checkmarx scans list them, so every API tells the same story.

// ecosystem is a package manager as each API names it.
type ecosystem struct {
	name       string // Snyk project type: npm, maven, pip
	purlType   string // npm, maven, pypi
	snykPrefix string // SNYK-JS-..., SNYK-JAVA-..., SNYK-PYTHON-...
	cxRepo     string // Checkmarx packageRepository and id prefix
	targetFile string
	runtime    string
	lockFile   string
}

var ecosystems = []ecosystem{
	{"npm", "npm", "JS", "Npm", "package.json", "node@18.17.0", "package-lock.json"},
	{"maven", "maven", "JAVA", "Maven", "pom.xml", "", "pom.xml"},
	{"pip", "pypi", "PYTHON", "Python", "requirements.txt", "python@3.11", "requirements.txt"},
}

func ecosystemByName(name string) ecosystem {
	for _, e := range ecosystems {
		if e.name == name {
			return e
		}
	}
	return ecosystems[0]
}

// catalogPkg is one package version.
type catalogPkg struct {
	eco      ecosystem
	name     string // maven: group:artifact
	version  string
	newest   string
	released string // release date of version
	license  string
	vulns    []catalogVuln
}

// catalogVuln is one vulnerability of a package version.
type catalogVuln struct {
	snykID    string
	cve       string // "" when there is none
	cxID      string // Checkmarx id: the CVE, or Cx<hex>-<hex>
	title     string
	cwe       string
	score     float64
	level     string // Snyk: low, medium, high, critical
	disclosed time.Time
	published time.Time
	modified  time.Time
	vector    string
	fixedIn   string

	// Rendered once: issues repeat them.
	disclosedS, publishedS, modifiedS, url, remedy string
}

type catalog []catalogPkg

var catalogSeed = []struct {
	eco, name, version, newest, license string
}{
	{"npm", "lodash", "4.17.20", "4.17.21", "MIT"},
	{"npm", "express", "4.17.1", "4.19.2", "MIT"},
	{"npm", "minimist", "1.2.5", "1.2.8", "MIT"},
	{"npm", "hoek", "2.16.3", "6.1.3", "BSD-3-Clause"},
	{"npm", "axios", "0.21.1", "1.7.2", "MIT"},
	{"npm", "moment", "2.29.1", "2.30.1", "MIT"},
	{"npm", "debug", "2.6.8", "4.3.5", "MIT"},
	{"npm", "qs", "6.5.2", "6.12.1", "BSD-3-Clause"},
	{"maven", "commons-collections:commons-collections", "3.2.1", "3.2.2", "Apache-2.0"},
	{"maven", "org.apache.logging.log4j:log4j-core", "2.14.1", "2.23.1", "Apache-2.0"},
	{"maven", "org.apache.logging.log4j:log4j-api", "2.14.1", "2.23.1", "Apache-2.0"},
	{"maven", "com.fasterxml.jackson.core:jackson-databind", "2.9.8", "2.17.1", "Apache-2.0"},
	{"maven", "org.springframework:spring-web", "5.2.0.RELEASE", "6.1.8", "Apache-2.0"},
	{"maven", "mysql:mysql-connector-java", "5.1.46", "8.0.33", "GPL-2.0"},
	{"pip", "django", "3.2.0", "5.0.6", "BSD-3-Clause"},
	{"pip", "requests", "2.19.0", "2.32.3", "Apache-2.0"},
	{"pip", "pyyaml", "5.3", "6.0.1", "MIT"},
	{"pip", "urllib3", "1.24.1", "2.2.1", "MIT"},
	{"pip", "jinja2", "2.10", "3.1.4", "BSD-3-Clause"},
	{"pip", "psycopg2", "2.8.6", "2.9.9", "LGPL-3.0"},
}

var vulnKinds = []struct{ title, cwe string }{
	{"Prototype Pollution", "CWE-1321"},
	{"Command Injection", "CWE-78"},
	{"Regular Expression Denial of Service (ReDoS)", "CWE-1333"},
	{"Remote Code Execution (RCE)", "CWE-94"},
	{"Deserialization of Untrusted Data", "CWE-502"},
	{"Cross-site Scripting (XSS)", "CWE-79"},
	{"Directory Traversal", "CWE-22"},
	{"Information Exposure", "CWE-200"},
	{"Server-side Request Forgery (SSRF)", "CWE-918"},
}

func newCatalog(h fakecore.Hasher) catalog {
	var c catalog
	base := time.Date(2016, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, s := range catalogSeed {
		eco := ecosystemByName(s.eco)
		hv := h.N(kPkg, uint64(i), 0)
		p := catalogPkg{
			eco: eco, name: s.name, version: s.version, newest: s.newest, license: s.license,
			released: base.Add(time.Duration(hv%(900*24)) * time.Hour).Format("2006-01-02T15:04:05"),
		}
		nv := 1 + int(hv>>12%4)
		short := strings.ToUpper(strings.NewReplacer(":", "", ".", "", "-", "").Replace(s.name))
		for j := 0; j < nv; j++ {
			vh := h.N(kVuln, uint64(i), uint64(j))
			kind := pick(vh, vulnKinds)
			score := 3.1 + float64(vh>>8%69)/10 // 3.1..9.9
			disclosed := base.Add(time.Duration(vh>>16%(2400*24)) * time.Hour)
			v := catalogVuln{
				snykID:    fmt.Sprintf("SNYK-%s-%s-%d", eco.snykPrefix, short, 1000000+vh>>24%7000000),
				title:     kind.title,
				cwe:       kind.cwe,
				score:     score,
				level:     snykLevel(score),
				disclosed: disclosed,
				published: disclosed.Add(time.Duration(vh>>40%400) * time.Hour),
				modified:  disclosed.Add(time.Duration(vh>>48%(600*24)) * time.Hour),
				vector:    pick(vh>>4, cvssVectors),
				fixedIn:   s.newest,
			}
			if vh%7 != 0 {
				v.cve = fmt.Sprintf("CVE-%d-%d", disclosed.Year(), 1000+vh>>32%48000)
				v.cxID = v.cve
			} else {
				v.cxID = fmt.Sprintf("Cx%08x-%04x", uint32(vh>>20), uint16(vh>>52))
			}
			v.disclosedS, v.publishedS, v.modifiedS = rfc3339(v.disclosed), rfc3339(v.published), rfc3339(v.modified)
			v.url = "https://security.snyk.io/vuln/" + v.snykID
			v.remedy = "Upgrade " + s.name + " to " + v.fixedIn
			p.vulns = append(p.vulns, v)
		}
		c = append(c, p)
	}
	// One CVE hits two packages (as Log4Shell hit log4j-core and -api), so
	// a scan lists the same vulnerability id twice, once per package.
	core, api := c.index("maven", "org.apache.logging.log4j:log4j-core"), c.index("maven", "org.apache.logging.log4j:log4j-api")
	c[core].vulns[0].cve, c[core].vulns[0].cxID = "CVE-2021-44228", "CVE-2021-44228"
	c[api].vulns[0] = c[core].vulns[0]
	c[api].vulns[0].snykID = strings.Replace(c[core].vulns[0].snykID, "LOG4JCORE", "LOG4JAPI", 1)
	c[api].vulns[0].url = "https://security.snyk.io/vuln/" + c[api].vulns[0].snykID
	c[api].vulns[0].remedy = "Upgrade " + c[api].name + " to " + c[api].vulns[0].fixedIn
	return c
}

var cvssVectors = []string{
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N",
	"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N",
	"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H",
}

func snykLevel(score float64) string {
	switch {
	case score >= 9:
		return "critical"
	case score >= 7:
		return "high"
	case score >= 4:
		return "medium"
	}
	return "low"
}

func (c catalog) index(eco, name string) int {
	for i, p := range c {
		if p.eco.name == eco && p.name == name {
			return i
		}
	}
	panic("fakeapi: catalog has no " + eco + " " + name)
}

// pickPackages returns n distinct packages of an ecosystem, chosen by v,
// in catalog order.
func (c catalog) pickPackages(eco string, v uint64, n int) []int {
	var all []int
	for i, p := range c {
		if p.eco.name == eco {
			all = append(all, i)
		}
	}
	if n > len(all) {
		n = len(all)
	}
	start := int(v % uint64(len(all)))
	out := make([]int, 0, n)
	for k := 0; k < n; k++ {
		out = append(out, all[(start+k)%len(all)])
	}
	return out
}

// purl returns the package URL of p, e.g. pkg:maven/group/artifact@1.0.
func (p catalogPkg) purl() string {
	name := p.name
	if p.eco.name == "maven" {
		name = strings.Replace(name, ":", "/", 1)
	}
	return "pkg:" + p.eco.purlType + "/" + name + "@" + url.PathEscape(p.version)
}

// purlName is the name part of a purl: namespace/name for maven.
func (p catalogPkg) purlName() string {
	if p.eco.name == "maven" {
		return strings.Replace(p.name, ":", "/", 1)
	}
	return p.name
}

// cxID is the Checkmarx package id: manager-name-version.
func (p catalogPkg) cxID() string { return p.eco.cxRepo + "-" + p.name + "-" + p.version }

// lookupPurl finds the package a purl names. A purl must carry a
// version; an unknown package or version is not an error (it has no
// known issues).
func (c catalog) lookupPurl(purl string) (typ, name, version string, pkg *catalogPkg, err error) {
	rest, ok := strings.CutPrefix(purl, "pkg:")
	if !ok {
		return "", "", "", nil, fmt.Errorf("invalid purl %q: want pkg:type/name@version", purl)
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	typ, rest, ok = strings.Cut(rest, "/")
	if !ok || typ == "" || rest == "" {
		return "", "", "", nil, fmt.Errorf("invalid purl %q: want pkg:type/name@version", purl)
	}
	name, version, ok = strings.Cut(rest, "@")
	if !ok || version == "" {
		return "", "", "", nil, fmt.Errorf("purl %q has no version", purl)
	}
	switch typ {
	case "npm", "maven", "pypi", "nuget", "gem", "golang", "cargo", "composer", "cocoapods", "hex", "swift", "apk", "deb", "rpm", "generic":
	default:
		return "", "", "", nil, fmt.Errorf("unsupported purl type %q", typ)
	}
	if v, err := url.PathUnescape(version); err == nil {
		version = v
	}
	if v, err := url.PathUnescape(name); err == nil {
		name = v
	}
	for i := range c {
		p := &c[i]
		if p.eco.purlType == typ && strings.EqualFold(p.purlName(), name) && p.version == version {
			return typ, name, version, p, nil
		}
	}
	return typ, name, version, nil, nil
}

// packageIssue renders one vulnerability of p as the package-issues
// endpoint does.
func (p *catalogPkg) packageIssue(v catalogVuln) PackageIssue {
	problems := []Problem{}
	if v.cve != "" {
		problems = append(problems, Problem{ID: v.cve, Source: "CVE"})
	}
	problems = append(problems, Problem{ID: v.cwe, Source: "CWE"})
	return PackageIssue{
		ID:   v.snykID,
		Type: "issue",
		Attributes: PackageIssueAttributes{
			Title:       v.title,
			Type:        "package_vulnerability",
			Description: fmt.Sprintf("## Overview\nAffected versions of %s are vulnerable to %s.", p.name, v.title),
			CreatedAt:   rfc3339(v.published),
			UpdatedAt:   rfc3339(v.modified),
			Problems:    problems,
			Severities: []Severity{{
				Type: "primary", Source: "Snyk", Level: v.level, Score: v.score, Version: "3.1", Vector: v.vector,
			}},
			EffectiveSeverityLevel: v.level,
			Slots: Slots{
				DisclosureTime:  rfc3339(v.disclosed),
				PublicationTime: rfc3339(v.published),
				ExploitDetails: ExploitDetails{
					Sources:        []string{"Snyk"},
					MaturityLevels: []MaturityLevel{{Type: "secondary", Level: "Proof of Concept", Format: "CVSSv3"}},
				},
				References: []Reference{{URL: v.url, Title: "Snyk Advisory"}},
			},
			Coordinates: []PackageCoordinate{{
				Remedies: []Remedy{{
					Type:        "indeterminate",
					Description: fmt.Sprintf("Upgrade the package version to %s to fix this vulnerability", v.fixedIn),
					Details:     &RemedyDetails{UpgradePackage: v.fixedIn},
				}},
				Representations: []Representation{
					{ResourcePath: "[," + v.fixedIn + ")"},
					{Package: &PackageRef{Name: p.purlName(), Version: p.version, Type: p.eco.purlType, URL: p.purl()}},
				},
			}},
		},
	}
}
