package snykfake

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// Data is a function of Config: every record is computed from the seed
// and its indexes, so issues (the only large kind) are built per request
// rather than stored. Orgs, projects, policies and the package catalog are
// small and built once by newDataset.

// Record kinds, mixed into the hash so that ids of different kinds differ;
// the numbering is shared with fakecore's and the other vendors' kinds.
const (
	kOrg uint64 = iota + 1
	kGroup
	kProject
	kTarget
	kUser
	kIssue
	kPolicy
	_ // fakecore.KindVuln
	_ // fakecore.KindPackage
	kTouch
)

// Base times of generated data; none depends on the wall clock.
var (
	orgEpoch     = time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC)
	projectEpoch = time.Date(2021, 1, 4, 8, 30, 0, 0, time.UTC)
	issueEpoch   = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
)

// issueStep is the time between the creation of consecutive issues of an
// org, so insertion order is creation order.
const issueStep = 10 * time.Minute

// dataset is everything the fake serves.
type dataset struct {
	h       fakecore.Hasher
	cfg     Config
	self    Self
	groups  []Group
	orgs    []Org
	orgIdx  map[string]int // org id → index
	grpIdx  map[string]int // group id → index
	catalog fakecore.Catalog

	projects    [][]Project // per org
	projectPkgs [][][]int   // per org and project: catalog package indexes, [0] unused root
	projIdx     map[string][2]int
	policies    [][]Policy // per org

	// issues holds per org what changed since generation (Touch,
	// AddIssues); replaced, never mutated, so readers need no lock.
	issues []atomic.Pointer[issueState]
	mu     sync.Mutex // serialises writers of issues
	touchN uint64
}

func newDataset(c Config) *dataset {
	d := &dataset{h: fakecore.Hasher(c.Seed), cfg: c, orgIdx: map[string]int{}, grpIdx: map[string]int{}, projIdx: map[string][2]int{}}
	d.catalog = fakecore.NewCatalog(d.h)
	d.self = Self{
		ID:   d.h.UUID(kUser, 0, 0),
		Type: "user",
		Attributes: SelfAttributes{
			Name: "Fake User", Email: "fake.user@example.com", Username: "fake.user",
			AvatarURL: "https://s.example.com/avatar/fake.user.png",
		},
	}
	nGroups := (c.Orgs + 3) / 4
	for g := 0; g < nGroups; g++ {
		grp := Group{ID: d.h.UUID(kGroup, uint64(g), 0), Type: "group", Attributes: GroupAttributes{Name: fmt.Sprintf("%s Group", fakecore.Pick(uint64(g), groupNames))}}
		d.grpIdx[grp.ID] = g
		d.groups = append(d.groups, grp)
	}
	d.projects = make([][]Project, c.Orgs)
	d.projectPkgs = make([][][]int, c.Orgs)
	d.policies = make([][]Policy, c.Orgs)
	d.issues = make([]atomic.Pointer[issueState], c.Orgs)
	for o := 0; o < c.Orgs; o++ {
		org := d.newOrg(o)
		d.orgIdx[org.ID] = o
		d.orgs = append(d.orgs, org)
		for p := 0; p < c.ProjectsPerOrg; p++ {
			proj, pkgs := d.newProject(o, p)
			d.projIdx[proj.ID] = [2]int{o, p}
			d.projects[o] = append(d.projects[o], proj)
			d.projectPkgs[o] = append(d.projectPkgs[o], pkgs)
		}
		d.policies[o] = d.newPolicies(o)
		d.issues[o].Store(&issueState{base: c.IssuesPerOrg})
	}
	if len(d.orgs) > 0 {
		d.self.Attributes.DefaultOrgContext = d.orgs[0].ID
	}
	return d
}

var (
	groupNames = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark"}
	orgNames   = fakecore.Teams
	repoNames  = fakecore.Repos
	origins    = []string{"github", "github", "gitlab", "cli", "bitbucket-cloud"}
)

func (d *dataset) newOrg(o int) Org {
	created := orgEpoch.Add(time.Duration(o) * 37 * 24 * time.Hour)
	name := fmt.Sprintf("%s %d", fakecore.Pick(uint64(o), orgNames), o+1)
	org := Org{
		ID:   d.h.UUID(kOrg, uint64(o), 0),
		Type: "org",
		Attributes: OrgAttributes{
			Name:                  name,
			Slug:                  strings.ReplaceAll(strings.ToLower(name), " ", "-"),
			CreatedAt:             fakecore.RFC3339(created),
			UpdatedAt:             fakecore.RFC3339(created.Add(time.Duration(d.h.N(kOrg, uint64(o), 1)%(400*24)) * time.Hour)),
			AccessRequestsEnabled: o%3 == 1,
		},
	}
	if o%5 == 4 {
		org.Attributes.IsPersonal = true
		org.Attributes.Name = fmt.Sprintf("Fake User's org %d", o+1)
		org.Attributes.Slug = fmt.Sprintf("fake-user-%d", o+1)
	} else {
		org.Attributes.GroupID = d.groups[o/4].ID
	}
	return org
}

func (d *dataset) newProject(o, p int) (Project, []int) {
	hv := d.h.N(kProject, uint64(o), uint64(p))
	eco := fakecore.Ecosystems[hv%uint64(len(fakecore.Ecosystems))]
	repo := fakecore.Pick(hv>>8, repoNames)
	created := projectEpoch.Add(time.Duration(o*projectsStride+p) * 26 * time.Hour).Add(time.Duration(hv%86400000) * time.Millisecond)
	orgID := d.h.UUID(kOrg, uint64(o), 0)
	targetID := d.h.UUID(kTarget, uint64(o), uint64(p))
	proj := Project{
		ID:   d.h.UUID(kProject, uint64(o), uint64(p)),
		Type: "project",
		Attributes: ProjectAttributes{
			Name:                fmt.Sprintf("acme/%s-%d:%s", repo, p+1, eco.TargetFile),
			Type:                eco.Name,
			Origin:              fakecore.Pick(hv>>16, origins),
			Status:              "active",
			Created:             created.UTC().Format("2006-01-02T15:04:05.000Z"),
			TargetFile:          eco.TargetFile,
			TargetReference:     fakecore.Pick(hv>>24, []string{"main", "main", "master", "develop"}),
			TargetRuntime:       eco.Runtime,
			Settings:            ProjectSettings{RecurringTests: RecurringTests{Frequency: fakecore.Pick(hv>>28, []string{"daily", "daily", "weekly", "never"})}},
			Tags:                []Tag{{Key: "team", Value: strings.ToLower(fakecore.Pick(uint64(o), orgNames))}},
			BusinessCriticality: fakecore.Pick(hv>>32, [][]string{{"critical"}, {"high"}, {"medium"}, {"low"}, {}}),
			Environment:         fakecore.Pick(hv>>36, [][]string{{"backend"}, {"frontend", "external"}, {"internal"}, {}}),
			Lifecycle:           fakecore.Pick(hv>>40, [][]string{{"production"}, {"development"}, {"sandbox"}, {}}),
		},
		Relationships: ProjectRelationships{
			Organization: Rel{Data: RelData{ID: orgID, Type: "org"}, Links: &RelLinks{Related: "/orgs/" + orgID}},
			Target:       Rel{Data: RelData{ID: targetID, Type: "target"}, Links: &RelLinks{Related: "/orgs/" + orgID + "/targets/" + targetID}},
			Importer:     &Rel{Data: RelData{ID: d.self.ID, Type: "user"}},
			Owner:        &Rel{Data: RelData{ID: d.self.ID, Type: "user"}},
		},
	}
	if hv%10 == 9 {
		proj.Attributes.Status = "inactive"
	}
	if proj.Attributes.Origin == "cli" {
		at := fakecore.RFC3339(created.Add(48 * time.Hour))
		proj.Meta.CLIMonitoredAt = &at
		proj.Attributes.ReadOnly = true
	}
	pkgs := d.catalog.PickPackages(eco.Name, hv>>44, 2+int(hv>>52)%4)
	return proj, pkgs
}

// projectsStride spaces the creation times of different orgs' projects.
const projectsStride = 1000

var (
	policyReasons = []string{"Only in test fixtures", "False positive: input is sanitised upstream", "Accepted risk until the rewrite ships"}
	ignoreTypes   = []string{"wont-fix", "temporary-ignore", "not-vulnerable"}
)

func (d *dataset) newPolicies(o int) []Policy {
	n := int(d.h.N(kPolicy, uint64(o), 0) % 4)
	if o == 0 {
		n = 2 // so small tests always see some
	}
	out := make([]Policy, 0, n)
	for i := 0; i < n; i++ {
		hv := d.h.N(kPolicy, uint64(o), uint64(i)+1)
		created := orgEpoch.AddDate(3, 0, 0).Add(time.Duration(o*31+i*7) * 24 * time.Hour)
		it := fakecore.Pick(hv, ignoreTypes)
		var expires *string
		if it == "temporary-ignore" {
			e := fakecore.RFC3339(created.AddDate(0, 6, 0))
			expires = &e
		}
		out = append(out, Policy{
			ID:   d.h.UUID(kPolicy, uint64(o), uint64(i)+1),
			Type: "policy",
			Attributes: PolicyAttributes{
				Name:       fmt.Sprintf("Ignore %d of org %d", i+1, o+1),
				ActionType: "ignore",
				Action:     PolicyAction{Data: PolicyActionData{IgnoreType: it, Expires: expires, Reason: fakecore.Pick(hv>>8, policyReasons)}},
				ConditionsGroup: ConditionsGroup{LogicalOperator: "and", Conditions: []Condition{{
					Field: "snyk/asset/finding/v1", Operator: "includes", Value: d.h.UUID(kPolicy, uint64(o), uint64(i)+1000),
				}}},
				CreatedAt: fakecore.RFC3339(created),
				UpdatedAt: fakecore.RFC3339(created.Add(time.Duration(hv>>16%72) * time.Hour)),
				Review:    fakecore.Pick(hv>>24, []string{"not-required", "pending", "approved"}),
				CreatedBy: PolicyUser{ID: d.self.ID, Name: d.self.Attributes.Name, Email: d.self.Attributes.Email},
			},
		})
	}
	return out
}
