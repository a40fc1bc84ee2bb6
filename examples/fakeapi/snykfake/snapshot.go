package snykfake

import "time"

// Snapshot is the ground truth: every record the fake serves, as it
// serves it right now. Issues are in org order, then insertion order.
// Records that carry no link to their parent are keyed by the parent's id.
type Snapshot struct {
	Self     Self
	Groups   []Group
	Orgs     []Org
	Projects []Project // org order, then creation order
	Issues   []Issue
	// Policies by org id.
	Policies map[string][]Policy
	// DepGraphs by project id.
	DepGraphs map[string]DepGraph
	// PackageIssues by purl, for every package the fake knows; the same
	// for every org. Purls lists the keys in catalog order.
	PackageIssues map[string][]PackageIssue
	Purls         []string
}

// Snapshot returns every record the fake holds. It builds all issues, so
// it costs as much as serving them.
func (s *Server) Snapshot() Snapshot {
	d := s.data
	snap := Snapshot{
		Self:          d.self,
		Groups:        append([]Group{}, d.groups...),
		Orgs:          append([]Org{}, d.orgs...),
		Policies:      map[string][]Policy{},
		DepGraphs:     map[string]DepGraph{},
		PackageIssues: map[string][]PackageIssue{},
	}
	for o, org := range d.orgs {
		snap.Policies[org.ID] = append([]Policy{}, d.policies[o]...)
		for p, proj := range d.projects[o] {
			snap.Projects = append(snap.Projects, proj)
			snap.DepGraphs[proj.ID] = d.depGraph(o, p)
		}
		st := d.issues[o].Load()
		for i := 0; i < st.count(); i++ {
			snap.Issues = append(snap.Issues, d.issue(o, d.issueCore(o, st, i)))
		}
	}
	for i := range d.catalog {
		p := &d.catalog[i]
		purl := p.PURL()
		snap.Purls = append(snap.Purls, purl)
		for _, v := range p.Vulns {
			snap.PackageIssues[purl] = append(snap.PackageIssues[purl], packageIssue(p, v))
		}
	}
	return snap
}

// Touch marks n issues of every org (or all, if an org has fewer) as
// updated at `at` and toggles their attributes.ignored, so an incremental
// rerun with updated_after sees exactly them, changed. The choice is
// deterministic and moves with every call; Snapshot shows the result.
func (s *Server) Touch(n int, at time.Time) { s.data.touch(n, at) }

// AddIssues appends n new issues to every org, created and updated at
// `at`, after the existing ones in insertion order.
func (s *Server) AddIssues(n int, at time.Time) { s.data.addIssues(n, at) }

// IssueCount returns the number of issues of the org with the given id
// (0 for an unknown org).
func (s *Server) IssueCount(orgID string) int {
	o, ok := s.data.orgIdx[orgID]
	if !ok {
		return 0
	}
	return s.data.issues[o].Load().count()
}
