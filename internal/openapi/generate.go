package openapi

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
)

// Options select and name what Generate writes.
type Options struct {
	Name      string   // spec name; default: the document title in snake_case
	Source    string   // the document's file or URL, named in the header comment
	Include   []string // path globs (path.Match, * within a segment); empty keeps all
	Exclude   []string // path globs
	Tags      []string // keep operations with one of these tags
	Resources []string // keep only these resources (and their parents)
}

// Result is a generated spec and what was detected, guessed and skipped.
type Result struct {
	YAML      []byte
	Resources []Summary
	Skipped   []string // "GET /path: why"
	Notes     []string // document-level detections (server, auth)
}

// Summary describes one generated resource.
type Summary struct {
	Name, Path, Parent, Paginator string
	Guesses                       int
}

// resource is a resource being generated from one operation.
type resource struct {
	op          *Operation
	name        string
	selector    string
	selectorWhy string
	item        *Schema
	pk, pkWhy   string
	parent      *resource
	specPath    string
	pathNotes   []string
	includes    []string // include_from_parent
	params      []line
	pagination  pagination
	guesses     int
}

// line is a key, a rendered value and a trailing comment.
type line struct{ key, value, comment string }

// Generate builds a spec from d.
func Generate(d *Doc, o Options) (*Result, error) {
	res := &Result{}
	name := o.Name
	if name == "" {
		name = strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(d.Title, " API"), " Api"))
	}
	name = snake(name)
	srv := chooseServer(d, res)
	var rs []*resource
	for _, op := range d.Ops {
		if why := filtered(op, o); why != "" {
			continue
		}
		sel, item, why, ok := selectRecords(op.Response)
		if ok && endsWithParam(op.Path) && (op.Response == nil || op.Response.Type != "array") {
			res.Skipped = append(res.Skipped, "GET "+op.Path+": the path ends with a parameter: one record")
			continue
		}
		if !ok {
			reason := "returns one object, not a list"
			if op.Response == nil {
				reason = "no JSON response schema"
			}
			res.Skipped = append(res.Skipped, "GET "+op.Path+": "+reason)
			continue
		}
		rs = append(rs, &resource{op: op, selector: sel, selectorWhy: why, item: item})
	}
	// Names: shallower paths first, so /projects gets "projects" before /orgs/{id}/projects.
	byDepth := append([]*resource(nil), rs...)
	sort.SliceStable(byDepth, func(i, j int) bool {
		a, b := byDepth[i].op.Path, byDepth[j].op.Path
		if depth(a) != depth(b) {
			return depth(a) < depth(b)
		}
		return strings.Count(a, "/") < strings.Count(b, "/")
	})
	assignNames(byDepth)
	byPath := map[string]*resource{}
	for _, r := range rs {
		byPath[strings.TrimSuffix(r.op.Path, "/")] = r
		r.pk, r.pkWhy = primaryKey(r.item, r.name)
	}
	jsonAPIBase := srv.path != ""
	var kept []*resource
	for _, r := range byDepth {
		if err := link(r, byPath); err != "" {
			res.Skipped = append(res.Skipped, "GET "+r.op.Path+": "+err)
			r.name = ""
			continue
		}
		kept = append(kept, r)
	}
	for _, r := range rs {
		if r.name == "" {
			continue
		}
		r.pagination = detectPaginator(r.op, r.op.Response, r.selector, r.pk, jsonAPIBase && strings.Contains(r.op.MediaType, "vnd.api+json"))
	}
	for _, r := range kept {
		ownServer(r, d)
	}
	out := orderLike(rs, kept)
	out = keepResources(out, o.Resources)
	if len(out) == 0 {
		return nil, fmt.Errorf("no list-returning GET operation left (%d GET operation(s), %d skipped)", len(d.Ops), len(res.Skipped))
	}
	w := &writer{}
	vars := collectVars(out, srv)
	auth := chooseAuth(d, name, res)
	if auth != nil && auth.tokenURL != "" {
		vars = append(vars, specVar{name: "token_url", value: auth.tokenURL, comment: "the scheme's tokenUrl"})
	}
	writeSpec(w, d, o, name, srv, vars, auth, out)
	for _, r := range out {
		parent := ""
		if r.parent != nil {
			parent = r.parent.name
		}
		res.Resources = append(res.Resources, Summary{Name: r.name, Path: r.op.Path, Parent: parent, Paginator: r.pagination.fields[0].value, Guesses: r.guesses})
	}
	w.skipped(res.Skipped)
	res.YAML = w.bytes()
	return res, nil
}

// filtered says why an operation is left out by the options; "" keeps it.
func filtered(op *Operation, o Options) string {
	p := op.Path
	match := func(globs []string) bool {
		for _, g := range globs {
			if ok, _ := path.Match(g, p); ok {
				return true
			}
			if ok, _ := path.Match(strings.TrimPrefix(g, "/"), strings.TrimPrefix(p, "/")); ok {
				return true
			}
			if strings.HasSuffix(g, "/**") && strings.HasPrefix(p, strings.TrimSuffix(g, "**")) {
				return true
			}
		}
		return false
	}
	if len(o.Include) > 0 && !match(o.Include) {
		return "not included"
	}
	if match(o.Exclude) {
		return "excluded"
	}
	if len(o.Tags) > 0 {
		for _, t := range op.Tags {
			for _, want := range o.Tags {
				if strings.EqualFold(t, want) {
					return ""
				}
			}
		}
		return "tag"
	}
	return ""
}

// link finds r's parent from its last path parameter and writes its
// spec path; it returns why not when a parameter has no parent.
func link(r *resource, byPath map[string]*resource) string {
	segs := strings.Split(strings.Trim(r.op.Path, "/"), "/")
	last := -1
	for i, s := range segs {
		if isParam(s) {
			last = i
		}
	}
	if last < 0 {
		r.specPath = strings.Join(segs, "/")
		return ""
	}
	prefix := "/" + strings.Join(segs[:last], "/")
	p := byPath[prefix]
	if p == nil || p.name == "" {
		return fmt.Sprintf("path parameter {%s} matches no list resource at %s", segs[last][1:len(segs[last])-1], prefix)
	}
	if p.specPath == "" && p.parent == nil && strings.Contains(p.op.Path, "{") {
		return "parent " + prefix + " is skipped"
	}
	r.parent = p
	// Map each parameter to the ancestor whose path ends just before it.
	out := make([]string, len(segs))
	copy(out, segs)
	for i, s := range segs {
		if !isParam(s) {
			continue
		}
		param := s[1 : len(s)-1]
		anc := byPath["/"+strings.Join(segs[:i], "/")]
		if anc == nil {
			return fmt.Sprintf("path parameter {%s} matches no list resource at /%s", param, strings.Join(segs[:i], "/"))
		}
		f, why := parentField(anc, param)
		if why != "" {
			r.pathNotes = append(r.pathNotes, why)
			r.guesses++
		}
		ref, err := carry(r.parent, anc, f)
		if err != "" {
			return err
		}
		out[i] = "{resources." + r.parent.name + "." + ref + "}"
	}
	r.specPath = strings.Join(out, "/")
	return ""
}

// carry returns the field of parent's records that holds ancestor's field
// f: f itself when ancestor is the parent, else the include_from_parent
// column carried down (_orgs_id), adding the includes on the way.
func carry(parent, ancestor *resource, f string) (string, string) {
	if parent == ancestor {
		return f, ""
	}
	if parent.parent == nil {
		return "", "ancestor " + ancestor.name + " is not above " + parent.name
	}
	up, err := carry(parent.parent, ancestor, f)
	if err != "" {
		return "", err
	}
	if !slices.Contains(parent.includes, up) {
		parent.includes = append(parent.includes, up)
	}
	return "_" + parent.parent.name + "_" + up, ""
}

// parentField picks the parent record's field a path parameter takes:
// a property of the same name, else the parent's primary key. why is
// non-empty for a guess.
func parentField(p *resource, param string) (string, string) {
	if f := p.item.propFold(param); f != "" {
		return f, ""
	}
	// {project_name} of projects is a project's name, {org_id} an org's
	// id, Twilio's {FlowSid} of Flows a flow's sid.
	for _, sep := range []string{"_", ""} {
		prefix := singular(p.name) + sep
		if len(param) > len(prefix) && strings.EqualFold(param[:len(prefix)], prefix) {
			if f := p.item.propFold(param[len(prefix):]); f != "" {
				return f, ""
			}
		}
	}
	if p.pk != "" {
		return p.pk, fmt.Sprintf("guess: {%s} is the %s of a record of %s", param, p.pk, p.name)
	}
	return param, fmt.Sprintf("guess: {%s} has no matching field in %s records: check the path", param, p.name)
}

func endsWithParam(p string) bool {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	return isParam(segs[len(segs)-1])
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

func depth(p string) int { return strings.Count(p, "{") }

// orderLike keeps the elements of kept in the order of all.
func orderLike(all, kept []*resource) []*resource {
	in := map[*resource]bool{}
	for _, r := range kept {
		in[r] = true
	}
	var out []*resource
	for _, r := range all {
		if in[r] {
			out = append(out, r)
		}
	}
	return out
}

// keepResources keeps the named resources and their ancestors.
func keepResources(rs []*resource, names []string) []*resource {
	if len(names) == 0 {
		return rs
	}
	keep := map[*resource]bool{}
	for _, r := range rs {
		if slices.Contains(names, r.name) {
			for a := r; a != nil; a = a.parent {
				keep[a] = true
			}
		}
	}
	var out []*resource
	for _, r := range rs {
		if keep[r] {
			out = append(out, r)
		}
	}
	return out
}

// ownServer points a resource whose operation names its own server (all
// of Google Maps' GET operations: https://maps.googleapis.com, under a
// document server https://www.googleapis.com) at that server with an
// absolute path, rather than ask base_url's host for it.
func ownServer(r *resource, d *Doc) {
	own := strings.TrimSuffix(r.op.Server, "/")
	if own == "" || len(d.Servers) > 0 && own == strings.TrimSuffix(d.Servers[0].URL, "/") {
		return
	}
	if !strings.Contains(own, "://") || strings.ContainsAny(own, "{}") {
		r.pathNotes = append(r.pathNotes, "guess: the operation names its own server "+own+": check that base_url serves it")
		r.guesses++
		return
	}
	r.specPath = own + "/" + r.specPath
	r.pathNotes = append(r.pathNotes, "the operation's own server, not base_url's: the credentials go there too")
}
