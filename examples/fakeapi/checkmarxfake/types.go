package checkmarxfake

// The types below are Checkmarx SCA records (API-NOTES B.2), served as
// bare JSON arrays. Their quirks are kept: project createdOn has no time
// zone, package severities are upper case while vulnerability severities
// are capitalised, package ids are manager-name-version and a risk
// report's id is its scan's id.

// Project is a Checkmarx SCA project.
type Project struct {
	ID                   string   `json:"id"`
	Name                 string   `json:"name"`
	IsManaged            bool     `json:"isManaged"`
	CreatedOn            string   `json:"createdOn"` // no zone: 2020-07-22T17:58:30.693057
	TenantID             string   `json:"tenantId"`
	Branch               *string  `json:"branch"`
	AssignedTeams        []string `json:"assignedTeams"`
	LastSuccessfulScanID *string  `json:"lastSuccessfulScanId"`
}

// Scan is one scan of a project.
type Scan struct {
	ScanID       string     `json:"scanId"`
	ProjectID    string     `json:"projectId"`
	RiskReportID string     `json:"riskReportId"` // equals ScanID
	CreatedOn    string     `json:"createdOn"`
	LastUpdate   string     `json:"lastUpdate"`
	Status       ScanStatus `json:"status"`
	Origin       string     `json:"origin"`
	Revision     *string    `json:"revision"`
	Username     string     `json:"username"`
	TenantID     string     `json:"tenantId"`
	ScanProgress []ScanStep `json:"scanProgress"`
}

// ScanStatus is a scan's state.
type ScanStatus struct {
	Name    string  `json:"name"` // Done, Failed, Scanning
	Message *string `json:"message"`
}

// ScanStep is one stage of a scan.
type ScanStep struct {
	Name      string `json:"name"`
	StartTime string `json:"startTime"`
	EndTime   string `json:"endTime"`
	Status    string `json:"status"`
}

// RiskReport summarises one scan.
type RiskReport struct {
	RiskReportID             string  `json:"riskReportId"`
	ProjectID                string  `json:"projectId"`
	HighVulnerabilityCount   int     `json:"highVulnerabilityCount"`
	MediumVulnerabilityCount int     `json:"mediumVulnerabilityCount"`
	LowVulnerabilityCount    int     `json:"lowVulnerabilityCount"`
	TotalPackages            int     `json:"totalPackages"`
	DirectPackages           int     `json:"directPackages"`
	CreatedOn                string  `json:"createdOn"`
	RiskScore                float64 `json:"riskScore"`
	TotalOutdatedPackages    int     `json:"totalOutdatedPackages"`
}

// Package is a package found by a scan.
type Package struct {
	ID                              string            `json:"id"` // Npm-lodash-4.17.20
	Name                            string            `json:"name"`
	Version                         string            `json:"version"`
	Licenses                        []string          `json:"licenses"`
	MatchType                       string            `json:"matchType"`
	HighVulnerabilityCount          int               `json:"highVulnerabilityCount"`
	MediumVulnerabilityCount        int               `json:"mediumVulnerabilityCount"`
	LowVulnerabilityCount           int               `json:"lowVulnerabilityCount"`
	IgnoredVulnerabilityCount       int               `json:"ignoredVulnerabilityCount"`
	NumberOfVersionsSinceLastUpdate int               `json:"numberOfVersionsSinceLastUpdate"`
	NewestVersion                   string            `json:"newestVersion"`
	NewestVersionReleaseDate        string            `json:"newestVersionReleaseDate"`
	Outdated                        bool              `json:"outdated"`
	ReleaseDate                     string            `json:"releaseDate"`
	ConfidenceLevel                 int               `json:"confidenceLevel"`
	RiskScore                       float64           `json:"riskScore"`
	Severity                        string            `json:"severity"` // HIGH, MEDIUM, LOW, NONE
	Locations                       []string          `json:"locations"`
	DependencyPaths                 [][]DependencyHop `json:"dependencyPaths"`
	PackageRepository               string            `json:"packageRepository"`
	IsDirectDependency              bool              `json:"isDirectDependency"`
	IsDevelopment                   bool              `json:"isDevelopment"`
	PackageUsage                    PackageUsage      `json:"packageUsage"`
}

// DependencyHop is one package on a path from a direct dependency.
type DependencyHop struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Version       string `json:"version"`
	IsResolved    bool   `json:"isResolved"`
	IsDevelopment bool   `json:"isDevelopment"`
}

// PackageUsage says whether a package's code is used.
type PackageUsage struct {
	UsageType string `json:"usageType"`
	PackageID string `json:"packageId"`
}

// Vulnerability is a vulnerability of one package in a scan. The same
// id appears once per affected package.
type Vulnerability struct {
	ID                 string      `json:"id"` // CVE-2015-7501 or Cx78f40514-81ff
	CveName            string      `json:"cveName"`
	Score              float64     `json:"score"`
	Severity           string      `json:"severity"` // High, Medium, Low
	PublishDate        string      `json:"publishDate"`
	References         []string    `json:"references"`
	ReferencesData     []Reference `json:"referencesData"`
	Description        string      `json:"description"`
	Cvss               Cvss        `json:"cvss"`
	Recommendations    *string     `json:"recommendations"`
	PackageID          string      `json:"packageId"`
	SimilarityID       string      `json:"similarityId"`
	FixResolutionText  string      `json:"fixResolutionText"`
	IsIgnored          bool        `json:"isIgnored"`
	ExploitableMethods []string    `json:"exploitableMethods"`
	Cwe                string      `json:"cwe"`
}

// Reference is a link about a vulnerability.
type Reference struct {
	URL     string `json:"url"`
	Type    string `json:"type"`
	Comment string `json:"comment"`
}

// Cvss is a CVSS v3 vector, spelled out.
type Cvss struct {
	Version            int    `json:"version"`
	AttackVector       string `json:"attackVector"`
	Availability       string `json:"availability"`
	Confidentiality    string `json:"confidentiality"`
	AttackComplexity   string `json:"attackComplexity"`
	IntegrityImpact    string `json:"integrityImpact"`
	Scope              string `json:"scope"`
	PrivilegesRequired string `json:"privilegesRequired"`
	UserInteraction    string `json:"userInteraction"`
}

// License is a license found in a scan.
type License struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	URL                string `json:"url"`
	ReferenceType      string `json:"referenceType"`
	Reference          string `json:"reference"`
	RoyaltyFree        string `json:"royaltyFree"`
	CopyrightRiskScore int    `json:"copyrightRiskScore"`
	PatentRiskScore    int    `json:"patentRiskScore"`
	RiskLevel          string `json:"riskLevel"`
	Linking            string `json:"linking"`
	CopyLeft           string `json:"copyLeft"`
}
