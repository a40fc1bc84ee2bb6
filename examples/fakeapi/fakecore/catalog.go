package fakecore

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// The catalog is the fixed set of packages the fakes know, each with one
// vulnerable version and its vulnerabilities. Snyk projects depend on
// catalog packages, issues point at their vulnerabilities, package issues
// and Checkmarx scans list them, so every API tells the same story.

// Kinds of the catalog's records, mixed into the hash. The vendor fakes
// share one numbering of kinds, so that ids of different kinds differ:
// Snyk's are 1-7 and 10, Checkmarx's 11-14.
const (
	KindVuln    uint64 = 8
	KindPackage uint64 = 9
)

// Pick returns one of xs chosen by v.
func Pick[T any](v uint64, xs []T) T { return xs[v%uint64(len(xs))] }

// RFC3339 formats t as the APIs do: UTC, seconds, Z.
func RFC3339(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// Ecosystem is a package manager as each API names it.
type Ecosystem struct {
	Name       string // Snyk project type: npm, maven, pip
	PurlType   string // npm, maven, pypi
	SnykPrefix string // SNYK-JS-..., SNYK-JAVA-..., SNYK-PYTHON-...
	CxRepo     string // Checkmarx packageRepository and id prefix
	TargetFile string
	Runtime    string
	LockFile   string
}

// Ecosystems are the package managers of the catalog.
var Ecosystems = []Ecosystem{
	{"npm", "npm", "JS", "Npm", "package.json", "node@18.17.0", "package-lock.json"},
	{"maven", "maven", "JAVA", "Maven", "pom.xml", "", "pom.xml"},
	{"pip", "pypi", "PYTHON", "Python", "requirements.txt", "python@3.11", "requirements.txt"},
}

func ecosystemByName(name string) Ecosystem {
	for _, e := range Ecosystems {
		if e.Name == name {
			return e
		}
	}
	return Ecosystems[0]
}

// Package is one package version.
type Package struct {
	Eco      Ecosystem
	Name     string // maven: group:artifact
	Version  string
	Newest   string
	Released string // release date of Version
	License  string // SPDX id
	Vulns    []Vuln
}

// Vuln is one vulnerability of a package version, with the ids and
// words each vendor gives it.
type Vuln struct {
	SnykID    string
	CVE       string // "" when there is none
	CxID      string // Checkmarx id: the CVE, or Cx<hex>-<hex>
	Title     string
	CWE       string
	Score     float64
	Level     string // Snyk: low, medium, high, critical
	Disclosed time.Time
	Published time.Time
	Modified  time.Time
	Vector    string // CVSS 3.1
	FixedIn   string

	// Rendered once, as Snyk's issues repeat them: the three times in
	// RFC3339's form, the advisory URL and the remedy.
	DisclosedText, PublishedText, ModifiedText, URL, Remedy string
}

// Catalog is every package the fakes know.
type Catalog []Package

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

// NewCatalog builds the catalog; its dates, ids and scores derive from h.
func NewCatalog(h Hasher) Catalog {
	var c Catalog
	base := time.Date(2016, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, s := range catalogSeed {
		eco := ecosystemByName(s.eco)
		hv := h.N(KindPackage, uint64(i), 0)
		p := Package{
			Eco: eco, Name: s.name, Version: s.version, Newest: s.newest, License: s.license,
			Released: base.Add(time.Duration(hv%(900*24)) * time.Hour).Format("2006-01-02T15:04:05"),
		}
		nv := 1 + int(hv>>12%4)
		short := strings.ToUpper(strings.NewReplacer(":", "", ".", "", "-", "").Replace(s.name))
		for j := 0; j < nv; j++ {
			vh := h.N(KindVuln, uint64(i), uint64(j))
			kind := Pick(vh, vulnKinds)
			score := 3.1 + float64(vh>>8%69)/10 // 3.1..9.9
			disclosed := base.Add(time.Duration(vh>>16%(2400*24)) * time.Hour)
			v := Vuln{
				SnykID:    fmt.Sprintf("SNYK-%s-%s-%d", eco.SnykPrefix, short, 1000000+vh>>24%7000000),
				Title:     kind.title,
				CWE:       kind.cwe,
				Score:     score,
				Level:     snykLevel(score),
				Disclosed: disclosed,
				Published: disclosed.Add(time.Duration(vh>>40%400) * time.Hour),
				Modified:  disclosed.Add(time.Duration(vh>>48%(600*24)) * time.Hour),
				Vector:    Pick(vh>>4, cvssVectors),
				FixedIn:   s.newest,
			}
			if vh%7 != 0 {
				v.CVE = fmt.Sprintf("CVE-%d-%d", disclosed.Year(), 1000+vh>>32%48000)
				v.CxID = v.CVE
			} else {
				v.CxID = fmt.Sprintf("Cx%08x-%04x", uint32(vh>>20), uint16(vh>>52))
			}
			v.DisclosedText, v.PublishedText, v.ModifiedText = RFC3339(v.Disclosed), RFC3339(v.Published), RFC3339(v.Modified)
			v.URL = "https://security.snyk.io/vuln/" + v.SnykID
			v.Remedy = "Upgrade " + s.name + " to " + v.FixedIn
			p.Vulns = append(p.Vulns, v)
		}
		c = append(c, p)
	}
	// One CVE hits two packages (as Log4Shell hit log4j-core and -api), so
	// a scan lists the same vulnerability id twice, once per package.
	core, api := c.Index("maven", "org.apache.logging.log4j:log4j-core"), c.Index("maven", "org.apache.logging.log4j:log4j-api")
	c[core].Vulns[0].CVE, c[core].Vulns[0].CxID = "CVE-2021-44228", "CVE-2021-44228"
	c[api].Vulns[0] = c[core].Vulns[0]
	c[api].Vulns[0].SnykID = strings.Replace(c[core].Vulns[0].SnykID, "LOG4JCORE", "LOG4JAPI", 1)
	c[api].Vulns[0].URL = "https://security.snyk.io/vuln/" + c[api].Vulns[0].SnykID
	c[api].Vulns[0].Remedy = "Upgrade " + c[api].Name + " to " + c[api].Vulns[0].FixedIn
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

// Index returns the position of an ecosystem's package by name; asking
// for a package the catalog lacks is a programming error.
func (c Catalog) Index(eco, name string) int {
	for i, p := range c {
		if p.Eco.Name == eco && p.Name == name {
			return i
		}
	}
	panic("fakecore: catalog has no " + eco + " " + name)
}

// PickPackages returns the positions of n distinct packages of an
// ecosystem, chosen by v, in catalog order.
func (c Catalog) PickPackages(eco string, v uint64, n int) []int {
	var all []int
	for i, p := range c {
		if p.Eco.Name == eco {
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

// PURL returns the package URL of p, e.g. pkg:maven/group/artifact@1.0.
func (p *Package) PURL() string {
	return "pkg:" + p.Eco.PurlType + "/" + p.PURLName() + "@" + url.PathEscape(p.Version)
}

// PURLName is the name part of p's purl: namespace/name for maven.
func (p *Package) PURLName() string {
	if p.Eco.Name == "maven" {
		return strings.Replace(p.Name, ":", "/", 1)
	}
	return p.Name
}
