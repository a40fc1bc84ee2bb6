package snykfake

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// Release dates of each endpoint, from x-snyk-api-releases (A.5).
var (
	relSelf     = []release{{"2024-04-22", stGA}}
	relOrgs     = []release{{"2023-05-29", stGA}, {"2024-02-28", stGA}}
	relGroups   = []release{{"2023-01-30", stBeta}}
	relGrpOrgs  = []release{{"2024-02-28", stGA}}
	relProjects = []release{{"2024-05-31", stGA}}
	relIssues   = []release{{"2024-01-23", stGA}}
	relPolicies = []release{{"2024-10-15", stGA}}
	relPkgIss   = []release{{"2022-09-15", stGA}, {"2024-06-26", stGA}, {"2025-11-05", stGA}}
)

// Route patterns of the Snyk REST API, as Count names them.
const (
	RouteSelf          = "GET /rest/self"
	RouteOrgs          = "GET /rest/orgs"
	RouteGroups        = "GET /rest/groups"
	RouteGroupOrgs     = "GET /rest/groups/{group_id}/orgs"
	RouteProjects      = "GET /rest/orgs/{org_id}/projects"
	RouteIssues        = "GET /rest/orgs/{org_id}/issues"
	RoutePolicies      = "GET /rest/orgs/{org_id}/policies"
	RoutePackageIssues = "GET /rest/orgs/{org_id}/packages/{purl}/issues"
)

// restCall is one checked REST request.
type restCall struct {
	q      query
	served release
	self   Self
	path   string // relative to /rest, escaped
}

// rest registers a Snyk REST endpoint: auth, version and strict
// parameters are checked before serve runs.
func (s *Server) rest(rt *fakecore.Router, pattern string, releases []release, params []string, serve func(http.ResponseWriter, *http.Request, *restCall)) {
	api := restAPI
	if pattern == RoutePackageIssues {
		api = packageIssuesAPI
	}
	rt.Handle(pattern, api, func(w http.ResponseWriter, r *http.Request) {
		self, ok := s.snykCaller(r)
		if !ok {
			writeAPIError(w, http.StatusUnauthorized, "Authentication credentials not recognized, or user access is not provisioned.", "")
			return
		}
		raw, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			writeAPIError(w, http.StatusBadRequest, "Malformed query string: "+err.Error(), "")
			return
		}
		served, verr := resolveVersion(raw.Get("version"), releases, s.cfg.Now().UTC())
		if verr != nil {
			writeAPIError(w, verr.status, verr.detail, "version")
			return
		}
		q, ok := parseQuery(w, r.URL.RawQuery, params)
		if !ok {
			return
		}
		serve(w, r, &restCall{q: q, served: served, self: self, path: strings.TrimPrefix(r.URL.EscapedPath(), "/rest")})
	})
}

func (s *Server) routeREST(rt *fakecore.Router) {
	s.rest(rt, RouteSelf, relSelf, []string{"version"}, s.serveSelf)
	s.rest(rt, RouteOrgs, relOrgs, slices.Concat(cursorParams, []string{"group_id", "is_personal", "slug", "name", "expand"}), s.serveOrgs)
	s.rest(rt, RouteGroups, relGroups, cursorParams, s.serveGroups)
	s.rest(rt, RouteGroupOrgs, relGrpOrgs, slices.Concat(cursorParams, []string{"name", "slug", "expand"}), s.serveGroupOrgs)
	s.rest(rt, RouteProjects, relProjects, slices.Concat(cursorParams, projectFilters), s.serveProjects)
	s.rest(rt, RouteIssues, relIssues, slices.Concat(cursorParams, issueFilters), s.serveIssues)
	s.rest(rt, RoutePolicies, relPolicies, slices.Concat(cursorParams, []string{"search", "order_by", "order_direction", "review", "expires_before", "expires_after", "expires_never"}), s.servePolicies)
	s.rest(rt, RoutePackageIssues, relPkgIss, []string{"version", "offset", "limit"}, s.servePackageIssues)
	rt.Handle("/rest/", restAPI, func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, http.StatusNotFound, "The requested resource does not exist", "")
	})
}

// notImplemented answers 501 for a documented parameter the fake does
// not apply, rather than silently ignoring it.
func notImplemented(w http.ResponseWriter, param string) {
	writeAPIError(w, http.StatusNotImplemented, fmt.Sprintf("fakeapi does not implement query parameter '%s'", param), param)
}

func (s *Server) serveSelf(w http.ResponseWriter, r *http.Request, c *restCall) {
	writeDoc(w, c.served, c.q["version"], -1, nil, c.self, &links{Self: c.path + "?" + linkQuery(c.q, 0)}, nil)
}

func encodeItem[T any](items []T) func(itemEncoder, int) error {
	return func(enc itemEncoder, i int) error { return enc.Encode(items[i]) }
}

// boolParam reads a true/false parameter; ok is false (and a 400
// written) for anything else.
func boolParam(w http.ResponseWriter, q query, name string) (val, set, ok bool) {
	v, present := q[name]
	if !present {
		return false, false, true
	}
	b, err := strconv.ParseBool(v)
	if err != nil || (v != "true" && v != "false") {
		writeAPIError(w, http.StatusBadRequest, fmt.Sprintf("Invalid query parameter '%s': want true or false", name), name)
		return false, false, false
	}
	return b, true, true
}

// timeParam reads an RFC 3339 date-time parameter.
func timeParam(w http.ResponseWriter, q query, name string) (time.Time, bool, bool) {
	v, present := q[name]
	if !present {
		return time.Time{}, false, true
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, fmt.Sprintf("Invalid query parameter '%s': %q is not an RFC 3339 date-time", name, v), name)
		return time.Time{}, false, false
	}
	return t, true, true
}

// listParam reads a comma-separated list (style form, explode false) and
// checks each value against allowed (nil allows any).
func listParam(w http.ResponseWriter, q query, name string, allowed []string) ([]string, bool) {
	v, present := q[name]
	if !present {
		return nil, true
	}
	vals := strings.Split(v, ",")
	for _, x := range vals {
		if x == "" || allowed != nil && !slices.Contains(allowed, x) {
			writeAPIError(w, http.StatusBadRequest, fmt.Sprintf("Invalid query parameter '%s': %q is not one of %s", name, x, strings.Join(allowed, ", ")), name)
			return nil, false
		}
	}
	return vals, true
}

func (s *Server) serveOrgs(w http.ResponseWriter, r *http.Request, c *restCall) {
	personal, personalSet, ok := boolParam(w, c.q, "is_personal")
	if !ok {
		return
	}
	expand, ok := listParam(w, c.q, "expand", []string{"member_role"})
	if !ok {
		return
	}
	groupID, slug, name := c.q["group_id"], c.q["slug"], strings.ToLower(c.q["name"])
	orgs := s.data.orgs
	match := func(i int) bool {
		a := orgs[i].Attributes
		return (groupID == "" || a.GroupID == groupID) &&
			(!personalSet || a.IsPersonal == personal) &&
			(slug == "" || a.Slug == slug) &&
			(name == "" || strings.Contains(strings.ToLower(a.Name), name))
	}
	s.writeOrgPage(w, c, match, expand != nil, nil)
}

// writeOrgPage serves a cursor page of orgs; meta, when set, is computed
// from the matching count.
func (s *Server) writeOrgPage(w http.ResponseWriter, c *restCall, match func(int) bool, memberRole bool, meta func(total int) any) {
	orgs := s.data.orgs
	win, limit, ok := cursorPage(w, c.q, len(orgs), match)
	if !ok {
		return
	}
	page := make([]Org, len(win.items))
	for k, i := range win.items {
		page[k] = orgs[i]
		if memberRole {
			page[k].Relationships = &OrgRelationships{MemberRole: MemberRole{Data: MemberRoleData{
				ID: s.data.h.UUID(kUser, uint64(i), 1), Type: "org_role", Attributes: MemberRoleAttributes{Name: "Org Admin"},
			}}}
		}
	}
	var m any
	if meta != nil {
		total := 0
		for i := range orgs {
			if match(i) {
				total++
			}
		}
		m = meta(total)
	}
	l := cursorLinks(c.path, c.q, limit, win)
	writeDoc(w, c.served, c.q["version"], len(page), encodeItem(page), nil, &l, m)
}

func (s *Server) serveGroups(w http.ResponseWriter, r *http.Request, c *restCall) {
	groups := s.data.groups
	win, limit, ok := cursorPage(w, c.q, len(groups), func(int) bool { return true })
	if !ok {
		return
	}
	page := make([]Group, len(win.items))
	for k, i := range win.items {
		page[k] = groups[i]
	}
	l := cursorLinks(c.path, c.q, limit, win)
	writeDoc(w, c.served, c.q["version"], len(page), encodeItem(page), nil, &l, nil)
}

func (s *Server) serveGroupOrgs(w http.ResponseWriter, r *http.Request, c *restCall) {
	gid := r.PathValue("group_id")
	if _, ok := s.data.grpIdx[gid]; !ok {
		writeAPIError(w, http.StatusNotFound, "Group not found", "")
		return
	}
	expand, ok := listParam(w, c.q, "expand", []string{"count"})
	if !ok {
		return
	}
	slug, name := c.q["slug"], strings.ToLower(c.q["name"])
	orgs := s.data.orgs
	match := func(i int) bool {
		a := orgs[i].Attributes
		return a.GroupID == gid && (slug == "" || a.Slug == slug) &&
			(name == "" || strings.Contains(strings.ToLower(a.Name), name))
	}
	var meta func(int) any
	if expand != nil {
		meta = func(total int) any { return map[string]int{"total_count": total} }
	}
	s.writeOrgPage(w, c, match, false, meta)
}

// org returns the index of the org in the path, or writes 404.
func (s *Server) org(w http.ResponseWriter, r *http.Request) (int, bool) {
	o, ok := s.data.orgIdx[r.PathValue("org_id")]
	if !ok {
		writeAPIError(w, http.StatusNotFound, "Org not found", "")
	}
	return o, ok
}

var issueFilters = []string{
	"scan_item.id", "scan_item.type", "type", "updated_before", "updated_after",
	"created_before", "created_after", "effective_severity_level", "status", "ignored",
}

func (s *Server) serveIssues(w http.ResponseWriter, r *http.Request, c *restCall) {
	o, ok := s.org(w, r)
	if !ok {
		return
	}
	var f issueFilter
	if f, ok = s.parseIssueFilter(w, c.q, o); !ok {
		return
	}
	st := s.data.issues[o].Load()
	match := func(i int) bool { return f.match(s.data.issueCore(o, st, i)) }
	win, limit, ok := cursorPage(w, c.q, st.count(), match)
	if !ok {
		return
	}
	scratch := make([]byte, 0, 2048)
	enc := func(enc itemEncoder, k int) error {
		is := s.data.issue(o, s.data.issueCore(o, st, win.items[k]))
		scratch = appendIssue(scratch[:0], &is)
		enc.Raw(scratch)
		return nil
	}
	l := cursorLinks(c.path, c.q, limit, win)
	writeDoc(w, c.served, c.q["version"], len(win.items), enc, nil, &l, nil)
}

// issueFilter is the parsed filters of an issues request.
type issueFilter struct {
	updAfter, updBefore, crAfter, crBefore time.Time
	kind                                   string
	levels, statuses                       []string
	ignored, ignoredSet                    bool
	project                                int // -2 no filter, -1 matches nothing
}

func (s *Server) parseIssueFilter(w http.ResponseWriter, q query, o int) (issueFilter, bool) {
	f := issueFilter{project: -2}
	var ok bool
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"updated_after", &f.updAfter}, {"updated_before", &f.updBefore}, {"created_after", &f.crAfter}, {"created_before", &f.crBefore}} {
		if *t.dst, _, ok = timeParam(w, q, t.name); !ok {
			return f, false
		}
	}
	if v, set := q["type"]; set {
		if !slices.Contains([]string{"package_vulnerability", "license", "cloud", "code", "custom", "config"}, v) {
			writeAPIError(w, http.StatusBadRequest, fmt.Sprintf("Invalid query parameter 'type': %q", v), "type")
			return f, false
		}
		f.kind = v
	}
	if f.levels, ok = listParam(w, q, "effective_severity_level", []string{"info", "low", "medium", "high", "critical"}); !ok {
		return f, false
	}
	if f.statuses, ok = listParam(w, q, "status", []string{"open", "resolved"}); !ok {
		return f, false
	}
	if f.ignored, f.ignoredSet, ok = boolParam(w, q, "ignored"); !ok {
		return f, false
	}
	id, idSet := q["scan_item.id"]
	typ, typSet := q["scan_item.type"]
	if idSet != typSet {
		writeAPIError(w, http.StatusBadRequest, "scan_item.id and scan_item.type must be given together", "scan_item.id")
		return f, false
	}
	if idSet {
		if typ != "project" && typ != "environment" {
			writeAPIError(w, http.StatusBadRequest, fmt.Sprintf("Invalid query parameter 'scan_item.type': %q", typ), "scan_item.type")
			return f, false
		}
		f.project = -1
		if typ == "project" {
			for p, proj := range s.data.projects[o] {
				if proj.ID == id {
					f.project = p
				}
			}
		}
	}
	return f, true
}

func (f *issueFilter) match(c issueCore) bool {
	if !f.updAfter.IsZero() && !c.updated.After(f.updAfter) ||
		!f.updBefore.IsZero() && !c.updated.Before(f.updBefore) ||
		!f.crAfter.IsZero() && !c.created.After(f.crAfter) ||
		!f.crBefore.IsZero() && !c.created.Before(f.crBefore) {
		return false
	}
	if f.kind != "" && f.kind != c.kind.String() {
		return false
	}
	if f.levels != nil && !slices.Contains(f.levels, c.level) {
		return false
	}
	if f.statuses != nil && !slices.Contains(f.statuses, map[bool]string{false: "open", true: "resolved"}[c.resolved]) {
		return false
	}
	if f.ignoredSet && f.ignored != c.ignored {
		return false
	}
	return f.project == -2 || f.project == c.project
}

func (s *Server) servePolicies(w http.ResponseWriter, r *http.Request, c *restCall) {
	o, ok := s.org(w, r)
	if !ok {
		return
	}
	for _, p := range []string{"order_by", "order_direction"} {
		if _, set := c.q[p]; set {
			notImplemented(w, p)
			return
		}
	}
	reviews, ok := listParam(w, c.q, "review", []string{"not-required", "pending", "approved", "rejected"})
	if !ok {
		return
	}
	never, neverSet, ok := boolParam(w, c.q, "expires_never")
	if !ok {
		return
	}
	before, _, ok := timeParam(w, c.q, "expires_before")
	if !ok {
		return
	}
	after, _, ok := timeParam(w, c.q, "expires_after")
	if !ok {
		return
	}
	search := strings.ToLower(c.q["search"])
	pols := s.data.policies[o]
	match := func(i int) bool {
		a := pols[i].Attributes
		exp := a.Action.Data.Expires
		var et time.Time
		if exp != nil {
			et, _ = time.Parse(time.RFC3339, *exp)
		}
		return (search == "" || strings.Contains(strings.ToLower(a.Name), search) || strings.Contains(strings.ToLower(a.Action.Data.Reason), search)) &&
			(reviews == nil || slices.Contains(reviews, a.Review)) &&
			(!neverSet || never == (exp == nil)) &&
			(before.IsZero() || exp != nil && et.Before(before)) &&
			(after.IsZero() || exp != nil && et.After(after))
	}
	win, limit, ok := cursorPage(w, c.q, len(pols), match)
	if !ok {
		return
	}
	page := make([]Policy, len(win.items))
	for k, i := range win.items {
		page[k] = pols[i]
	}
	l := cursorLinks(c.path, c.q, limit, win)
	writeDoc(w, c.served, c.q["version"], len(page), encodeItem(page), nil, &l, nil)
}

func (s *Server) servePackageIssues(w http.ResponseWriter, r *http.Request, c *restCall) {
	o, ok := s.org(w, r)
	if !ok {
		return
	}
	limit, offset := 1000, 0
	if v, set := c.q["limit"]; set {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeAPIError(w, http.StatusBadRequest, fmt.Sprintf("Invalid query parameter 'limit': %q must be from 1 to 1000", v), "limit")
			return
		}
		limit = n
	}
	if v, set := c.q["offset"]; set {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeAPIError(w, http.StatusBadRequest, fmt.Sprintf("Invalid query parameter 'offset': %q must be 0 or more", v), "offset")
			return
		}
		offset = n
	}
	purl := r.PathValue("purl")
	typ, name, version, pkg, err := lookupPurl(s.data.catalog, purl)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, err.Error(), "")
		return
	}
	var all []PackageIssue
	if pkg != nil {
		for _, v := range pkg.Vulns {
			all = append(all, packageIssue(pkg, v))
		}
	}
	page := all[min(offset, len(all)):min(offset+limit, len(all))]
	path := "/orgs/" + s.data.orgs[o].ID + "/packages/" + escapePurl(purl) + "/issues"
	at := func(off int) string {
		return path + "?" + linkQuery(c.q, limit, "offset", strconv.Itoa(off))
	}
	l := links{Self: at(offset), First: at(0)}
	if offset+limit < len(all) {
		l.Next = at(offset + limit)
	}
	if offset > 0 {
		l.Prev = at(max(0, offset-limit))
	}
	if n := len(all); n > 0 {
		l.Last = at((n - 1) / limit * limit)
	}
	meta := map[string]PackageMeta{"package": {Name: name, Type: typ, URL: purl, Version: version}}
	writeDoc(w, c.served, c.q["version"], len(page), encodeItem(page), nil, &l, meta)
}

// escapePurl encodes a purl as one path segment, as Snyk's links do:
// pkg%3Anpm%2Flodash%404.17.20.
func escapePurl(purl string) string {
	return strings.NewReplacer(":", "%3A", "@", "%40").Replace(url.PathEscape(purl))
}
