package snykfake

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// lookupPurl finds the package a purl names. A purl must carry a
// version; an unknown package or version is not an error (it has no
// known issues).
func lookupPurl(c fakecore.Catalog, purl string) (typ, name, version string, pkg *fakecore.Package, err error) {
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
		if p.Eco.PurlType == typ && strings.EqualFold(p.PURLName(), name) && p.Version == version {
			return typ, name, version, p, nil
		}
	}
	return typ, name, version, nil, nil
}

// packageIssue renders one vulnerability of p as the package-issues
// endpoint does.
func packageIssue(p *fakecore.Package, v fakecore.Vuln) PackageIssue {
	problems := []Problem{}
	if v.CVE != "" {
		problems = append(problems, Problem{ID: v.CVE, Source: "CVE"})
	}
	problems = append(problems, Problem{ID: v.CWE, Source: "CWE"})
	return PackageIssue{
		ID:   v.SnykID,
		Type: "issue",
		Attributes: PackageIssueAttributes{
			Title:       v.Title,
			Type:        "package_vulnerability",
			Description: fmt.Sprintf("## Overview\nAffected versions of %s are vulnerable to %s.", p.Name, v.Title),
			CreatedAt:   fakecore.RFC3339(v.Published),
			UpdatedAt:   fakecore.RFC3339(v.Modified),
			Problems:    problems,
			Severities: []Severity{{
				Type: "primary", Source: "Snyk", Level: v.Level, Score: v.Score, Version: "3.1", Vector: v.Vector,
			}},
			EffectiveSeverityLevel: v.Level,
			Slots: Slots{
				DisclosureTime:  fakecore.RFC3339(v.Disclosed),
				PublicationTime: fakecore.RFC3339(v.Published),
				ExploitDetails: ExploitDetails{
					Sources:        []string{"Snyk"},
					MaturityLevels: []MaturityLevel{{Type: "secondary", Level: "Proof of Concept", Format: "CVSSv3"}},
				},
				References: []Reference{{URL: v.URL, Title: "Snyk Advisory"}},
			},
			Coordinates: []PackageCoordinate{{
				Remedies: []Remedy{{
					Type:        "indeterminate",
					Description: fmt.Sprintf("Upgrade the package version to %s to fix this vulnerability", v.FixedIn),
					Details:     &RemedyDetails{UpgradePackage: v.FixedIn},
				}},
				Representations: []Representation{
					{ResourcePath: "[," + v.FixedIn + ")"},
					{Package: &PackageRef{Name: p.PURLName(), Version: p.Version, Type: p.Eco.PurlType, URL: p.PURL()}},
				},
			}},
		},
	}
}
