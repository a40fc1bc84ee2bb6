package snykfake

// The types below are the Snyk records the fake serves, with the field
// names, nesting and optionality of the real API (API-NOTES A.5-A.8). They
// are what Snapshot returns and what the handlers encode, so a test can
// compare a loaded table with them field by field.

// Rel is a JSON:API relationship to one resource.
type Rel struct {
	Data  RelData   `json:"data"`
	Links *RelLinks `json:"links,omitempty"`
}

// RelData identifies the related resource.
type RelData struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// RelLinks points at the related resource, relative to /rest.
type RelLinks struct {
	Related string `json:"related"`
}

// Self is the caller, as GET /rest/self returns it.
type Self struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"` // user, service_account or app_instance
	Attributes SelfAttributes `json:"attributes"`
}

// SelfAttributes are a user's attributes; service accounts have only
// name and default_org_context.
type SelfAttributes struct {
	Name              string `json:"name"`
	Email             string `json:"email,omitempty"`
	Username          string `json:"username,omitempty"`
	AvatarURL         string `json:"avatar_url,omitempty"`
	DefaultOrgContext string `json:"default_org_context,omitempty"`
}

// Group is a Snyk group (beta endpoint).
type Group struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"` // group
	Attributes GroupAttributes `json:"attributes"`
}

// GroupAttributes holds the group's name.
type GroupAttributes struct {
	Name string `json:"name"`
}

// Org is a Snyk organization.
type Org struct {
	ID            string            `json:"id"`
	Type          string            `json:"type"` // org
	Attributes    OrgAttributes     `json:"attributes"`
	Relationships *OrgRelationships `json:"relationships,omitempty"` // with expand=member_role
}

// OrgAttributes are an org's attributes; personal orgs have no group.
type OrgAttributes struct {
	Name                  string `json:"name"`
	Slug                  string `json:"slug"`
	IsPersonal            bool   `json:"is_personal"`
	GroupID               string `json:"group_id,omitempty"`
	CreatedAt             string `json:"created_at"`
	UpdatedAt             string `json:"updated_at"`
	AccessRequestsEnabled bool   `json:"access_requests_enabled"`
}

// OrgRelationships is sent only with expand=member_role.
type OrgRelationships struct {
	MemberRole MemberRole `json:"member_role"`
}

// MemberRole is the caller's role in an org.
type MemberRole struct {
	Data MemberRoleData `json:"data"`
}

// MemberRoleData names the role.
type MemberRoleData struct {
	ID         string               `json:"id"`
	Type       string               `json:"type"` // org_role
	Attributes MemberRoleAttributes `json:"attributes"`
}

// MemberRoleAttributes holds the role's name.
type MemberRoleAttributes struct {
	Name string `json:"name"`
}

// Project is a Snyk project. Note attributes.created, not created_at.
type Project struct {
	ID            string               `json:"id"`
	Type          string               `json:"type"` // project
	Attributes    ProjectAttributes    `json:"attributes"`
	Meta          ProjectMeta          `json:"meta"`
	Relationships ProjectRelationships `json:"relationships"`
}

// ProjectAttributes are a project's attributes.
type ProjectAttributes struct {
	Name                string          `json:"name"`
	Type                string          `json:"type"` // package manager: npm, maven, pip
	Origin              string          `json:"origin"`
	Status              string          `json:"status"` // active or inactive
	Created             string          `json:"created"`
	TargetFile          string          `json:"target_file"`
	TargetReference     string          `json:"target_reference"`
	TargetRuntime       string          `json:"target_runtime,omitempty"`
	ReadOnly            bool            `json:"read_only"`
	Settings            ProjectSettings `json:"settings"`
	Tags                []Tag           `json:"tags"`
	BusinessCriticality []string        `json:"business_criticality"`
	Environment         []string        `json:"environment"`
	Lifecycle           []string        `json:"lifecycle"`
}

// ProjectSettings are a project's test settings.
type ProjectSettings struct {
	RecurringTests RecurringTests `json:"recurring_tests"`
	PullRequests   PullRequests   `json:"pull_requests"`
}

// RecurringTests says how often a project is retested.
type RecurringTests struct {
	Frequency string `json:"frequency"`
}

// PullRequests holds a project's pull-request check settings.
type PullRequests struct {
	FailOnlyForIssuesWithFix bool `json:"fail_only_for_issues_with_fix"`
}

// Tag is a project tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ProjectMeta holds the optional counts, sent when asked for with
// meta.latest_issue_counts=true and meta.latest_dependency_total=true.
type ProjectMeta struct {
	CLIMonitoredAt        *string          `json:"cli_monitored_at"`
	LatestIssueCounts     *IssueCounts     `json:"latest_issue_counts,omitempty"`
	LatestDependencyTotal *DependencyTotal `json:"latest_dependency_total,omitempty"`
}

// IssueCounts are a project's open, not ignored issues by severity.
type IssueCounts struct {
	Critical  int    `json:"critical"`
	High      int    `json:"high"`
	Medium    int    `json:"medium"`
	Low       int    `json:"low"`
	UpdatedAt string `json:"updated_at"`
}

// DependencyTotal is a project's number of dependencies.
type DependencyTotal struct {
	Total     int    `json:"total"`
	UpdatedAt string `json:"updated_at"`
}

// ProjectRelationships link a project to its org, target and users.
type ProjectRelationships struct {
	Organization Rel  `json:"organization"`
	Target       Rel  `json:"target"`
	Importer     *Rel `json:"importer,omitempty"`
	Owner        *Rel `json:"owner,omitempty"`
}

// Issue is an org issue (GET /rest/orgs/{id}/issues).
type Issue struct {
	ID            string             `json:"id"`
	Type          string             `json:"type"` // issue
	Attributes    IssueAttributes    `json:"attributes"`
	Relationships IssueRelationships `json:"relationships"`
}

// IssueAttributes are an issue's attributes (A.7).
type IssueAttributes struct {
	Key                    string       `json:"key"`
	Title                  string       `json:"title"`
	Type                   string       `json:"type"` // package_vulnerability, license or code
	EffectiveSeverityLevel string       `json:"effective_severity_level"`
	Status                 string       `json:"status"` // open or resolved
	Ignored                bool         `json:"ignored"`
	CreatedAt              string       `json:"created_at"`
	UpdatedAt              string       `json:"updated_at"`
	Problems               []Problem    `json:"problems"`
	Coordinates            []Coordinate `json:"coordinates"`
	Resolution             *Resolution  `json:"resolution,omitempty"`
	Severities             []Severity   `json:"severities,omitempty"`
	Classes                []Class      `json:"classes,omitempty"`
	Risk                   *Risk        `json:"risk,omitempty"`
}

// Problem is an advisory, CVE or rule behind an issue.
type Problem struct {
	ID           string `json:"id"`
	Source       string `json:"source"`
	Type         string `json:"type,omitempty"` // rule or vulnerability
	URL          string `json:"url,omitempty"`
	DisclosedAt  string `json:"disclosed_at,omitempty"`
	DiscoveredAt string `json:"discovered_at,omitempty"`
	UpdatedAt    string `json:"updated_at,omitempty"`
}

// Coordinate is where an issue is and how it can be fixed.
type Coordinate struct {
	IsFixableManually bool             `json:"is_fixable_manually"`
	IsFixableSnyk     bool             `json:"is_fixable_snyk"`
	IsFixableUpstream bool             `json:"is_fixable_upstream"`
	IsPatchable       bool             `json:"is_patchable"`
	IsPinnable        bool             `json:"is_pinnable"`
	IsUpgradeable     bool             `json:"is_upgradeable"`
	Reachability      string           `json:"reachability,omitempty"`
	State             string           `json:"state"`
	CreatedAt         string           `json:"created_at"`
	UpdatedAt         string           `json:"updated_at"`
	Remedies          []Remedy         `json:"remedies,omitempty"`
	Representations   []Representation `json:"representations"`
}

// Representation is one of a coordinate's forms: a dependency, a source
// location, a vulnerable range or a package.
type Representation struct {
	Dependency     *Dependency     `json:"dependency,omitempty"`
	SourceLocation *SourceLocation `json:"sourceLocation,omitempty"`
	ResourcePath   string          `json:"resource_path,omitempty"`
	Package        *PackageRef     `json:"package,omitempty"`
}

// Dependency names the vulnerable package of an open-source issue.
type Dependency struct {
	PackageName    string `json:"package_name"`
	PackageVersion string `json:"package_version"`
}

// SourceLocation is where a code issue is.
type SourceLocation struct {
	File   string `json:"file"`
	Region Region `json:"region"`
}

// Region is a span of source text.
type Region struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// Position is a line and column, both from 1.
type Position struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// PackageRef is a package as package issues name it.
type PackageRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Type    string `json:"type"`
	URL     string `json:"url"`
}

// Remedy is a way to fix an issue.
type Remedy struct {
	Type        string         `json:"type"`
	Description string         `json:"description"`
	Details     *RemedyDetails `json:"details,omitempty"`
}

// RemedyDetails names the version to upgrade to.
type RemedyDetails struct {
	UpgradePackage string `json:"upgrade_package"`
}

// Resolution says how a resolved issue was resolved.
type Resolution struct {
	Type       string `json:"type"` // fixed or disappeared
	ResolvedAt string `json:"resolved_at"`
	Details    string `json:"details,omitempty"`
}

// Severity is one source's severity rating.
type Severity struct {
	Type             string  `json:"type,omitempty"` // primary or secondary (package issues)
	Source           string  `json:"source"`
	Level            string  `json:"level"`
	Score            float64 `json:"score"`
	Vector           string  `json:"vector"`
	Version          string  `json:"version"`
	ModificationTime string  `json:"modification_time,omitempty"`
}

// Class is a weakness class (CWE).
type Class struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	Type   string `json:"type"`
}

// Risk is Snyk's risk score of an issue.
type Risk struct {
	Factors []string  `json:"factors"`
	Score   RiskScore `json:"score"`
}

// RiskScore is a risk value and the model that computed it.
type RiskScore struct {
	Model string `json:"model"`
	Value int    `json:"value"`
}

// IssueRelationships link an issue to its org and project.
type IssueRelationships struct {
	Organization Rel  `json:"organization"`
	ScanItem     *Rel `json:"scan_item,omitempty"`
}

// Policy is a Snyk Code consistent-ignore policy.
type Policy struct {
	ID         string           `json:"id"`
	Type       string           `json:"type"` // policy
	Attributes PolicyAttributes `json:"attributes"`
}

// PolicyAttributes are a policy's attributes (A.8).
type PolicyAttributes struct {
	Name            string          `json:"name"`
	ActionType      string          `json:"action_type"` // ignore
	Action          PolicyAction    `json:"action"`
	ConditionsGroup ConditionsGroup `json:"conditions_group"`
	CreatedAt       string          `json:"created_at"`
	UpdatedAt       string          `json:"updated_at"`
	Review          string          `json:"review"`
	CreatedBy       PolicyUser      `json:"created_by"`
}

// PolicyAction is what a policy does.
type PolicyAction struct {
	Data PolicyActionData `json:"data"`
}

// PolicyActionData is an ignore's kind, expiry and reason.
type PolicyActionData struct {
	IgnoreType string  `json:"ignore_type"` // wont-fix, temporary-ignore, not-vulnerable
	Expires    *string `json:"expires"`
	Reason     string  `json:"reason"`
}

// ConditionsGroup selects the findings a policy applies to.
type ConditionsGroup struct {
	LogicalOperator string      `json:"logical_operator"`
	Conditions      []Condition `json:"conditions"`
}

// Condition is one finding selector.
type Condition struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    string `json:"value"`
}

// PolicyUser is who created a policy.
type PolicyUser struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// PackageIssue is a vulnerability of one package version, as
// GET /rest/orgs/{id}/packages/{purl}/issues returns it; its id is the
// Snyk vulnerability id.
type PackageIssue struct {
	ID         string                 `json:"id"`
	Type       string                 `json:"type"` // issue
	Attributes PackageIssueAttributes `json:"attributes"`
}

// PackageIssueAttributes follow the package-issues schema, which differs
// from org issues.
type PackageIssueAttributes struct {
	Title                  string              `json:"title"`
	Type                   string              `json:"type"`
	Description            string              `json:"description"`
	CreatedAt              string              `json:"created_at"`
	UpdatedAt              string              `json:"updated_at"`
	Problems               []Problem           `json:"problems"`
	Severities             []Severity          `json:"severities"`
	EffectiveSeverityLevel string              `json:"effective_severity_level"`
	Slots                  Slots               `json:"slots"`
	Coordinates            []PackageCoordinate `json:"coordinates"`
}

// Slots hold a vulnerability's dates, exploit details and references.
type Slots struct {
	DisclosureTime  string         `json:"disclosure_time"`
	PublicationTime string         `json:"publication_time"`
	ExploitDetails  ExploitDetails `json:"exploit_details"`
	References      []Reference    `json:"references"`
}

// ExploitDetails is what is known of exploits.
type ExploitDetails struct {
	Sources        []string        `json:"sources"`
	MaturityLevels []MaturityLevel `json:"maturity_levels"`
}

// MaturityLevel is one exploit maturity rating.
type MaturityLevel struct {
	Type   string `json:"type"`
	Level  string `json:"level"`
	Format string `json:"format"`
}

// Reference is a link about a vulnerability.
type Reference struct {
	URL   string `json:"url"`
	Title string `json:"title"`
}

// PackageCoordinate is a package issue's remedies and representations.
type PackageCoordinate struct {
	Remedies        []Remedy         `json:"remedies"`
	Representations []Representation `json:"representations"`
}

// PackageMeta is the top-level meta.package of a package-issues page.
type PackageMeta struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	URL     string `json:"url"`
	Version string `json:"version"`
}

// DepGraph is a project's dependency graph (v1 dep-graph endpoint).
type DepGraph struct {
	SchemaVersion string     `json:"schemaVersion"`
	PkgManager    PkgManager `json:"pkgManager"`
	Pkgs          []DepPkg   `json:"pkgs"`
	Graph         Graph      `json:"graph"`
}

// PkgManager names the package manager of a dep graph.
type PkgManager struct {
	Name string `json:"name"`
}

// DepPkg is one package of a dep graph.
type DepPkg struct {
	ID   string  `json:"id"` // name@version
	Info PkgInfo `json:"info"`
}

// PkgInfo is a package's name and version.
type PkgInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Graph is the nodes of a dep graph from its root.
type Graph struct {
	RootNodeID string    `json:"rootNodeId"`
	Nodes      []DepNode `json:"nodes"`
}

// DepNode is one node of a dep graph and its direct dependencies.
type DepNode struct {
	NodeID string   `json:"nodeId"`
	PkgID  string   `json:"pkgId"`
	Deps   []DepRef `json:"deps"`
}

// DepRef points at a node.
type DepRef struct {
	NodeID string `json:"nodeId"`
}
