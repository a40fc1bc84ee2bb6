package fakeapi

// The types below are Checkmarx SCA records (API-NOTES B.2), served as
// bare JSON arrays. Their quirks are kept: project createdOn has no time
// zone, package severities are upper case while vulnerability severities
// are capitalised, package ids are manager-name-version and a risk
// report's id is its scan's id.

// CxProject is a Checkmarx SCA project.
type CxProject struct {
	ID                   string   `json:"id"`
	Name                 string   `json:"name"`
	IsManaged            bool     `json:"isManaged"`
	CreatedOn            string   `json:"createdOn"` // no zone: 2020-07-22T17:58:30.693057
	TenantID             string   `json:"tenantId"`
	Branch               *string  `json:"branch"`
	AssignedTeams        []string `json:"assignedTeams"`
	LastSuccessfulScanID *string  `json:"lastSuccessfulScanId"`
}

// CxScan is one scan of a project.
type CxScan struct {
	ScanID       string       `json:"scanId"`
	ProjectID    string       `json:"projectId"`
	RiskReportID string       `json:"riskReportId"` // equals ScanID
	CreatedOn    string       `json:"createdOn"`
	LastUpdate   string       `json:"lastUpdate"`
	Status       CxScanStatus `json:"status"`
	Origin       string       `json:"origin"`
	Revision     *string      `json:"revision"`
	Username     string       `json:"username"`
	TenantID     string       `json:"tenantId"`
	ScanProgress []CxScanStep `json:"scanProgress"`
}

// CxScanStatus is a scan's state.
type CxScanStatus struct {
	Name    string  `json:"name"` // Done, Failed, Scanning
	Message *string `json:"message"`
}

// CxScanStep is one stage of a scan.
type CxScanStep struct {
	Name      string `json:"name"`
	StartTime string `json:"startTime"`
	EndTime   string `json:"endTime"`
	Status    string `json:"status"`
}

// CxRiskReport summarises one scan.
type CxRiskReport struct {
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

// CxPackage is a package found by a scan.
type CxPackage struct {
	ID                              string              `json:"id"` // Npm-lodash-4.17.20
	Name                            string              `json:"name"`
	Version                         string              `json:"version"`
	Licenses                        []string            `json:"licenses"`
	MatchType                       string              `json:"matchType"`
	HighVulnerabilityCount          int                 `json:"highVulnerabilityCount"`
	MediumVulnerabilityCount        int                 `json:"mediumVulnerabilityCount"`
	LowVulnerabilityCount           int                 `json:"lowVulnerabilityCount"`
	IgnoredVulnerabilityCount       int                 `json:"ignoredVulnerabilityCount"`
	NumberOfVersionsSinceLastUpdate int                 `json:"numberOfVersionsSinceLastUpdate"`
	NewestVersion                   string              `json:"newestVersion"`
	NewestVersionReleaseDate        string              `json:"newestVersionReleaseDate"`
	Outdated                        bool                `json:"outdated"`
	ReleaseDate                     string              `json:"releaseDate"`
	ConfidenceLevel                 int                 `json:"confidenceLevel"`
	RiskScore                       float64             `json:"riskScore"`
	Severity                        string              `json:"severity"` // HIGH, MEDIUM, LOW, NONE
	Locations                       []string            `json:"locations"`
	DependencyPaths                 [][]CxDependencyHop `json:"dependencyPaths"`
	PackageRepository               string              `json:"packageRepository"`
	IsDirectDependency              bool                `json:"isDirectDependency"`
	IsDevelopment                   bool                `json:"isDevelopment"`
	PackageUsage                    CxPackageUsage      `json:"packageUsage"`
}

// CxDependencyHop is one package on a path from a direct dependency.
type CxDependencyHop struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Version       string `json:"version"`
	IsResolved    bool   `json:"isResolved"`
	IsDevelopment bool   `json:"isDevelopment"`
}

// CxPackageUsage says whether a package's code is used.
type CxPackageUsage struct {
	UsageType string `json:"usageType"`
	PackageID string `json:"packageId"`
}

// CxVulnerability is a vulnerability of one package in a scan. The same
// id appears once per affected package.
type CxVulnerability struct {
	ID                 string        `json:"id"` // CVE-2015-7501 or Cx78f40514-81ff
	CveName            string        `json:"cveName"`
	Score              float64       `json:"score"`
	Severity           string        `json:"severity"` // High, Medium, Low
	PublishDate        string        `json:"publishDate"`
	References         []string      `json:"references"`
	ReferencesData     []CxReference `json:"referencesData"`
	Description        string        `json:"description"`
	Cvss               CxCvss        `json:"cvss"`
	Recommendations    *string       `json:"recommendations"`
	PackageID          string        `json:"packageId"`
	SimilarityID       string        `json:"similarityId"`
	FixResolutionText  string        `json:"fixResolutionText"`
	IsIgnored          bool          `json:"isIgnored"`
	ExploitableMethods []string      `json:"exploitableMethods"`
	Cwe                string        `json:"cwe"`
}

// CxReference is a link about a vulnerability.
type CxReference struct {
	URL     string `json:"url"`
	Type    string `json:"type"`
	Comment string `json:"comment"`
}

// CxCvss is a CVSS v3 vector, spelled out.
type CxCvss struct {
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

// CxLicense is a license found in a scan.
type CxLicense struct {
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
