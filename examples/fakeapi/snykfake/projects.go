package snykfake

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

var projectFilters = []string{
	"target_id", "target_reference", "target_file", "target_runtime", "ids", "names",
	"names_start_with", "origins", "types", "tags", "business_criticality", "environment",
	"lifecycle", "cli_monitored_before", "cli_monitored_after", "importing_user_public_id",
	"meta_count", "meta.latest_issue_counts", "meta.latest_dependency_total", "expand",
}

// projectMatch is the parsed filters of a projects request.
type projectMatch struct {
	targetIDs, ids, names, prefixes, origins, types, tags []string
	crit, env, life                                       []string
	targetRef, targetFile, targetRuntime, importer        string
	monBefore, monAfter                                   time.Time
}

func (m *projectMatch) match(p *Project) bool {
	a := &p.Attributes
	anyOf := func(filter, have []string) bool {
		if filter == nil {
			return true
		}
		for _, h := range have {
			if slices.Contains(filter, h) {
				return true
			}
		}
		return false
	}
	one := func(filter []string, v string) bool { return filter == nil || slices.Contains(filter, v) }
	if !one(m.targetIDs, p.Relationships.Target.Data.ID) || !one(m.ids, p.ID) || !one(m.names, a.Name) ||
		!one(m.origins, a.Origin) || !one(m.types, a.Type) ||
		!anyOf(m.crit, a.BusinessCriticality) || !anyOf(m.env, a.Environment) || !anyOf(m.life, a.Lifecycle) {
		return false
	}
	if m.prefixes != nil {
		ok := false
		for _, pre := range m.prefixes {
			ok = ok || strings.HasPrefix(a.Name, pre)
		}
		if !ok {
			return false
		}
	}
	if m.tags != nil {
		var have []string
		for _, t := range a.Tags {
			have = append(have, t.Key+":"+t.Value)
		}
		if !anyOf(m.tags, have) {
			return false
		}
	}
	if m.targetRef != "" && a.TargetReference != m.targetRef || m.targetFile != "" && a.TargetFile != m.targetFile ||
		m.targetRuntime != "" && a.TargetRuntime != m.targetRuntime {
		return false
	}
	if m.importer != "" && (p.Relationships.Importer == nil || p.Relationships.Importer.Data.ID != m.importer) {
		return false
	}
	if !m.monBefore.IsZero() || !m.monAfter.IsZero() {
		if p.Meta.CLIMonitoredAt == nil {
			return false
		}
		t, _ := time.Parse(time.RFC3339, *p.Meta.CLIMonitoredAt)
		if !m.monBefore.IsZero() && !t.Before(m.monBefore) || !m.monAfter.IsZero() && !t.After(m.monAfter) {
			return false
		}
	}
	return true
}

func (s *Server) serveProjects(w http.ResponseWriter, r *http.Request, c *restCall) {
	o, ok := s.org(w, r)
	if !ok {
		return
	}
	if _, set := c.q["expand"]; set {
		notImplemented(w, "expand")
		return
	}
	var m projectMatch
	lists := []struct {
		name string
		dst  *[]string
	}{
		{"target_id", &m.targetIDs}, {"ids", &m.ids}, {"names", &m.names}, {"names_start_with", &m.prefixes},
		{"origins", &m.origins}, {"types", &m.types}, {"tags", &m.tags},
		{"business_criticality", &m.crit}, {"environment", &m.env}, {"lifecycle", &m.life},
	}
	for _, l := range lists {
		if *l.dst, ok = listParam(w, c.q, l.name, nil); !ok {
			return
		}
	}
	m.targetRef, m.targetFile, m.targetRuntime, m.importer = c.q["target_reference"], c.q["target_file"], c.q["target_runtime"], c.q["importing_user_public_id"]
	if m.monBefore, _, ok = timeParam(w, c.q, "cli_monitored_before"); !ok {
		return
	}
	if m.monAfter, _, ok = timeParam(w, c.q, "cli_monitored_after"); !ok {
		return
	}
	counts, _, ok := boolParam(w, c.q, "meta.latest_issue_counts")
	if !ok {
		return
	}
	deps, _, ok := boolParam(w, c.q, "meta.latest_dependency_total")
	if !ok {
		return
	}
	projects := s.data.projects[o]
	match := func(i int) bool { return m.match(&projects[i]) }
	if v, set := c.q["meta_count"]; set {
		if v != "only" {
			writeAPIError(w, http.StatusBadRequest, "Invalid query parameter 'meta_count': want only", "meta_count")
			return
		}
		n := 0
		for i := range projects {
			if match(i) {
				n++
			}
		}
		writeDoc(w, c.served, c.q["version"], 0, nil, nil, &links{Self: c.path + "?" + linkQuery(c.q, 0)}, map[string]int{"count": n})
		return
	}
	win, limit, ok := cursorPage(w, c.q, len(projects), match)
	if !ok {
		return
	}
	var issueCounts []IssueCounts
	if counts {
		issueCounts = s.data.issueCounts(o)
	}
	page := make([]Project, len(win.items))
	for k, i := range win.items {
		page[k] = projects[i]
		if counts {
			ic := issueCounts[i]
			page[k].Meta.LatestIssueCounts = &ic
		}
		if deps {
			page[k].Meta.LatestDependencyTotal = &DependencyTotal{Total: len(s.data.projectPkgs[o][i]), UpdatedAt: page[k].Attributes.Created}
		}
	}
	l := cursorLinks(c.path, c.q, limit, win)
	writeDoc(w, c.served, c.q["version"], len(page), encodeItem(page), nil, &l, nil)
}

// issueCounts returns, per project of org o, its open and not ignored
// issues by severity.
func (d *dataset) issueCounts(o int) []IssueCounts {
	out := make([]IssueCounts, len(d.projects[o]))
	latest := make([]time.Time, len(out))
	st := d.issues[o].Load()
	for i := 0; i < st.count(); i++ {
		c := d.issueCore(o, st, i)
		if c.project < 0 || c.resolved || c.ignored {
			continue
		}
		ic := &out[c.project]
		switch c.level {
		case "critical":
			ic.Critical++
		case "high":
			ic.High++
		case "medium":
			ic.Medium++
		case "low":
			ic.Low++
		}
		if c.updated.After(latest[c.project]) {
			latest[c.project] = c.updated
		}
	}
	for p := range out {
		if !latest[p].IsZero() {
			out[p].UpdatedAt = fakecore.RFC3339(latest[p])
		} else {
			out[p].UpdatedAt = d.projects[o][p].Attributes.Created
		}
	}
	return out
}
