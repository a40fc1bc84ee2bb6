package plan

import (
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/spec"
)

// checkBaseURL refuses a base URL that is no http or https URL with a host
// once its variables are set (--var api_host=acme.jamfcloud.com, a host
// without its scheme), naming the variables it uses; one that still holds
// {secrets.*} is checked at run time.
func checkBaseURL(errs *errorList, tmpl, resolved string) {
	if resolved == "" || strings.Contains(resolved, "{") {
		return
	}
	u, err := url.Parse(resolved)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return
	}
	var names []string
	if t, err := spec.ParseTemplate(tmpl); err == nil {
		for _, part := range t {
			if part.Namespace == spec.NSVars {
				names = append(names, part.Name)
			}
		}
	}
	hint := ""
	if len(names) > 0 {
		hint = fmt.Sprintf(": set %s with its scheme (--var %s=https://…)", strings.Join(names, ", "), names[0])
	}
	errs.add("client.base_url", "%q is not an http or https URL with a host%s", resolved, hint)
}

// Options are the run-time choices that shape a plan.
type Options struct {
	Vars      map[string]string // --var NAME=VALUE
	BaseURL   string            // --base-url: replaces client.base_url
	Resources []string          // --resources: overrides each resource's selected
	// LookupEnv reads PIPE_VAR_<NAME>; defaults to os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

func (o Options) lookupEnv(name string) (string, bool) {
	if o.LookupEnv != nil {
		return o.LookupEnv(name)
	}
	return os.LookupEnv(name)
}

// Defaults applied when neither the resource nor resource_defaults set a value.
const (
	DefaultWriteDisposition = "append"
	DefaultMaxTableNesting  = 10
	DefaultConcurrency      = 8
	DefaultMethod           = "GET"
)

// Build resolves s into a Plan. The spec must have loaded without errors.
//
// Inheritance: a resource's own setting wins over resource_defaults, which
// wins over client (paginator, auth), which wins over pipe's defaults.
// endpoint.params, endpoint.headers and columns merge key by key (the
// resource's key wins); every other field is taken whole from the first
// level that sets it.
func Build(s *spec.Spec, o Options) (*Plan, error) {
	errs := &errorList{s: s}
	vars := resolveVars(s, o, errs)
	p := &Plan{
		Name:        s.Name,
		File:        s.File,
		Vars:        vars,
		Concurrency: s.Client.Concurrency,
		RateLimit:   s.Client.RateLimit,
		Headers:     map[string]spec.Template{},
	}
	if p.Concurrency <= 0 {
		p.Concurrency = DefaultConcurrency
	}
	if s.Client.Retry != nil {
		p.Retry = *s.Client.Retry
	}
	base := s.Client.BaseURL
	if o.BaseURL != "" {
		base = o.BaseURL
	}
	p.BaseURL = compile(errs, "client.base_url", base, vars).String()
	checkBaseURL(errs, base, p.BaseURL)
	for i, h := range s.Client.AllowedHosts {
		p.AllowedHosts = append(p.AllowedHosts, compile(errs, fmt.Sprintf("client.allowed_hosts[%d]", i), h, vars).String())
	}
	p.MaxResponseBytes = s.Client.MaxResponseBytes
	for k, v := range s.Client.Headers {
		t, _ := spec.ClientHeader(v)
		p.Headers[spec.HeaderName(k)] = bindVars(t, vars)
	}
	noListVars(errs, s, "client.base_url", base)
	for k, v := range s.Client.Headers {
		noListVars(errs, s, "client.headers."+k, v)
	}
	d := s.ResourceDefaults
	if d == nil {
		d = &spec.ResourceDefaults{}
	}
	scalars := scalarVars(s, vars)
	auths := authCache{}
	var list []*Resource
	for i := range s.Resources {
		r := buildResource(errs, s, d, i, scalars, auths)
		listVar(errs, fmt.Sprintf("resources[%d]", i), r, vars)
		list = append(list, r)
	}
	selectResources(errs, list, o.Resources)
	p.Resources = order(errs, list)
	markNeeded(p)
	return p, errs.err()
}

func buildResource(errs *errorList, s *spec.Spec, d *spec.ResourceDefaults, i int, vars map[string]string, auths authCache) *Resource {
	sr := s.Resources[i]
	at := fmt.Sprintf("resources[%d]", i)
	ep := mergeEndpoint(d.Endpoint, sr.Endpoint)
	r := &Resource{
		Name:              sr.Name,
		Table:             sr.TableName,
		Selected:          firstBool(true, sr.Selected, d.Selected),
		IncludeFromParent: sr.IncludeFromParent,
		Method:            strings.ToUpper(first(ep.Method, DefaultMethod)),
		DataSelector:      errs.responsePath(at+".endpoint.data_selector", dataSelector(&ep, sr.Name)),
		EmptyListOmitted:  ep.EmptyListOmitted != nil && *ep.EmptyListOmitted,
		Paginator:         compilePaginator(errs, paginatorPath(s, d, i), firstPtr(ep.Paginator, s.Client.Paginator)),
		Incremental:       incremental(errs, at, ep.Incremental, vars), // mergeEndpoint took the cursor of an incremental param
		ResponseActions:   compileActions(ep.ResponseActions),
		RateLimit:         ep.RateLimit,
		Poll:              compilePoll(ep.Poll),
		ProcessingSteps:   sr.ProcessingSteps,
		PrimaryKey:        firstSlice(sr.PrimaryKey, d.PrimaryKey),
		MergeKey:          sr.MergeKey,
		WriteDisposition:  first(string(sr.WriteDisposition), string(d.WriteDisposition), DefaultWriteDisposition),
		IDFromContent:     sr.IDFromContent,
		Columns:           mergeMaps(d.Columns, sr.Columns),
		MaxTableNesting:   *firstPtr(sr.MaxTableNesting, d.MaxTableNesting, ptr(DefaultMaxTableNesting)),
		Headers:           map[string]spec.Template{},
		Data:              map[string]spec.Template{},
	}
	applyColumnHints(r)
	auth, authPath := firstPtr(ep.Auth, s.Client.Auth), at+".endpoint.auth"
	if auth != nil && auth == s.Client.Auth {
		authPath = "client.auth"
	}
	if auth != nil && auth.Use != "" {
		var name string
		auth, name = namedAuth(errs, s, authPath, auth.Use, vars)
		authPath = "auths." + name
	}
	r.Auth = auths.compile(errs, authPath, s.Name, auth, vars)
	if c := firstPtr(sr.SchemaContract, d.SchemaContract); c != nil {
		r.SchemaContract = *c
	}
	if r.Table == "" {
		r.Table = schema.SnakeCase(r.Name)
	}
	if r.WriteDisposition == "merge" && len(r.PrimaryKey) == 0 && len(r.MergeKey) == 0 {
		errs.add(at+".write_disposition", "merge needs a primary_key or a merge_key")
	}
	if len(r.MergeKey) > 0 && r.WriteDisposition != "merge" {
		errs.add(at+".merge_key", "merge_key replaces the rows of the values a load meets, under write_disposition: merge only (this resource is %s)", r.WriteDisposition)
	}
	path, inPath := bindPathParams(first(ep.Path, sr.Name), ep.Params)
	r.Path = compilePath(errs, at+".endpoint.path", path, vars)
	for _, name := range sortedKeys(ep.Params) {
		pv := ep.Params[name]
		if inPath[name] || pv.Incremental != nil {
			continue // in the path, or the cursor's start_param
		}
		text := paramText(pv)
		r.Params = append(r.Params, Param{Name: name, Value: compile(errs, at+".endpoint.params."+name, text, vars), Empty: text == ""})
	}
	for k, v := range ep.Headers {
		r.Headers[spec.HeaderName(k)] = compile(errs, at+".endpoint.headers."+k, v, vars)
	}
	for k, v := range ep.Data {
		r.Data[k] = compile(errs, at+".endpoint.data."+k, v, vars)
	}
	if ep.RawData != "" {
		r.RawData = compile(errs, at+".endpoint.data", ep.RawData, vars)
	}
	r.JSON = bindJSON(ep.JSON, vars)
	if ep.JSON != nil && (len(ep.Data) > 0 || ep.RawData != "") {
		// One endpoint with both is a spec error; here one is inherited.
		errs.add(at+".endpoint.data", "data and json are both request bodies (keep one; one of them comes from resource_defaults)")
	}
	findParent(errs, at, r)
	placeValues(errs, paginatorPath(s, d, i), r)
	return r
}

// noListVars reports list variables in client settings, which every
// request shares: a list fans out one resource's requests, not all.
func noListVars(errs *errorList, s *spec.Spec, path, text string) {
	t, err := spec.ParseTemplate(text)
	if err != nil {
		return // reported by compile
	}
	for _, part := range t.Placeholders() {
		if part.Namespace == spec.NSVars && s.Vars[part.Name].List {
			errs.add(path, "list variable %q can only be used in a resource's requests", part.Name)
		}
	}
}

// scalarVars returns the variable values without the list variables,
// which stay placeholders in resource templates to be bound per chain.
func scalarVars(s *spec.Spec, vars map[string]string) map[string]string {
	out := make(map[string]string, len(vars))
	for k, v := range vars {
		if !s.Vars[k].List {
			out[k] = v
		}
	}
	return out
}

// listVar finds the list variable a resource's requests use: the
// resource runs one chain per item. A resource may use one list variable.
func listVar(errs *errorList, at string, r *Resource, vars map[string]string) {
	r.EachTemplate(func(t spec.Template) {
		for _, part := range t.Placeholders() {
			if part.Namespace != spec.NSVars || part.Name == r.EachVar {
				continue
			}
			if r.EachVar != "" {
				errs.add(at, "resource %q uses two list variables, %q and %q (one per resource)", r.Name, r.EachVar, part.Name)
				continue
			}
			r.EachVar = part.Name
			for _, item := range strings.Split(vars[part.Name], ",") {
				if item = strings.TrimSpace(item); item != "" {
					r.Each = append(r.Each, item)
				}
			}
		}
	})
}

// applyColumnHints adds hinted primary key columns to the primary key
// (a column name a__b is the record path a.b) and collects the columns
// hinted nullable: false.
func applyColumnHints(r *Resource) {
	for _, col := range sortedKeys(r.Columns) {
		h := r.Columns[col]
		if h.PrimaryKey {
			path := strings.ReplaceAll(col, "__", ".")
			if !slices.Contains(r.PrimaryKey, path) && !slices.Contains(r.PrimaryKey, col) {
				r.PrimaryKey = append(slices.Clone(r.PrimaryKey), path)
			}
		}
		if h.Nullable != nil && !*h.Nullable {
			r.Required = append(r.Required, col)
		}
	}
}

// namedAuth returns the entry of auths that a string auth names once its
// variables are bound (auth: "{vars.auth}" with --var auth=oauth).
func namedAuth(errs *errorList, s *spec.Spec, path, use string, vars map[string]string) (*spec.Auth, string) {
	name := compile(errs, path, use, vars).String()
	if a, ok := s.Auths[name]; ok {
		return a, name
	}
	errs.add(path, "no auth named %q in auths (have %s)", name, strings.Join(sortedKeys(s.Auths), ", "))
	return nil, name
}

// mergeEndpoint applies the resource's endpoint over the defaults' one.
func mergeEndpoint(def, own *spec.Endpoint) spec.Endpoint {
	var d, o spec.Endpoint
	if def != nil {
		d = *def
	}
	if own != nil {
		o = *own
	}
	return spec.Endpoint{
		Path:             o.Path,
		Method:           first(o.Method, d.Method),
		Params:           mergeMaps(d.Params, o.Params),
		Headers:          mergeMaps(d.Headers, o.Headers),
		JSON:             mergeJSON(d.JSON, o.JSON),
		Data:             mergeMaps(d.Data, o.Data),
		RawData:          first(o.RawData, d.RawData),
		DataSelector:     first(o.DataSelector, d.DataSelector),
		EmptyListOmitted: firstPtr(o.EmptyListOmitted, d.EmptyListOmitted),
		Paginator:        firstPtr(o.Paginator, d.Paginator),
		Auth:             firstPtr(o.Auth, d.Auth),
		Incremental:      firstPtr(own.Cursor(), def.Cursor()),
		ResponseActions:  firstSlice(o.ResponseActions, d.ResponseActions),
		RateLimit:        firstPtr(o.RateLimit, d.RateLimit),
		Poll:             firstPtr(o.Poll, d.Poll),
	}
}

// findParent records the parent resource and the parent fields that the
// resource's request templates use, and checks that incremental
// placeholders inherited from resource_defaults have a cursor to fill them.
func findParent(errs *errorList, at string, r *Resource) {
	seen := map[string]bool{}
	visit := func(t spec.Template) {
		for _, part := range t.Placeholders() {
			if part.Namespace == spec.NSIncremental && r.Incremental == nil {
				errs.add(at, "resource %q uses %s (perhaps from resource_defaults) but has no endpoint.incremental", r.Name, part)
			}
			if part.Namespace != spec.NSResources {
				continue
			}
			if r.Parent != "" && r.Parent != part.Name {
				errs.add(at, "resource %q uses two parents, %q and %q (a resource has one parent)", r.Name, r.Parent, part.Name)
				continue
			}
			r.Parent = part.Name
			if !seen[part.Field] {
				seen[part.Field] = true
				r.ParentFields = append(r.ParentFields, part.Field)
			}
			if list, _, ok := spec.EachItem(part.Field); ok {
				r.EachList = list // one list per resource: spec's checks refuse two
			}
		}
	}
	r.EachTemplate(visit)
	if r.Parent == "" && len(r.IncludeFromParent) > 0 {
		errs.add(at+".include_from_parent", "resource %q has no parent resource", r.Name)
	}
}

// EachTemplate calls fn for every request template of r: path, params,
// headers, form data and the strings of the JSON body.
func (r *Resource) EachTemplate(fn func(spec.Template)) {
	fn(r.Path)
	for _, p := range r.Params {
		fn(p.Value)
	}
	for _, k := range sortedKeys(r.Headers) {
		fn(r.Headers[k])
	}
	for _, k := range sortedKeys(r.Data) {
		fn(r.Data[k])
	}
	fn(r.RawData)
	walkJSON(r.JSON, fn)
}

func selectResources(errs *errorList, list []*Resource, names []string) {
	if len(names) == 0 {
		return
	}
	byName := map[string]*Resource{}
	for _, r := range list {
		byName[r.Name] = r
		r.Selected = false
	}
	for _, n := range names {
		r, ok := byName[n]
		if !ok {
			all := slices.Sorted(maps.Keys(byName))
			errs.add("", "--resources: unknown resource %q (the spec has %s)", n, strings.Join(all, ", "))
			continue
		}
		r.Selected = true
	}
}

// order sorts resources parents first, keeping spec order otherwise.
func order(errs *errorList, list []*Resource) []*Resource {
	byName := map[string]*Resource{}
	for _, r := range list {
		byName[r.Name] = r
	}
	var out []*Resource
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(r *Resource, chain []string) bool
	visit = func(r *Resource, chain []string) bool {
		switch state[r.Name] {
		case 2:
			return true
		case 1:
			errs.add("", "resource dependency cycle: %s -> %s", strings.Join(chain, " -> "), r.Name)
			return false
		}
		state[r.Name] = 1
		if r.Parent != "" {
			parent, ok := byName[r.Parent]
			if !ok {
				errs.add("", "resource %q: unknown parent resource %q", r.Name, r.Parent)
				return false
			}
			if !visit(parent, append(chain, r.Name)) {
				return false
			}
		}
		state[r.Name] = 2
		out = append(out, r)
		return true
	}
	for _, r := range list {
		visit(r, nil)
	}
	return out
}

// markNeeded flags selected resources and all their ancestors.
func markNeeded(p *Plan) {
	for _, r := range p.Resources {
		if !r.Selected {
			continue
		}
		for cur := r; cur != nil && !cur.Needed; cur = p.Resource(cur.Parent) {
			cur.Needed = true
		}
	}
}

// dataSelector is the endpoint's data_selector; without one, a path that
// names one entity (spec.SingleEntityPath) selects the whole body, "$",
// as dlt does: its record is the object, not a list it holds.
func dataSelector(ep *spec.Endpoint, name string) string {
	if ep.DataSelector == "" && spec.SingleEntityPath(first(ep.Path, name)) {
		return "$"
	}
	return ep.DataSelector
}
