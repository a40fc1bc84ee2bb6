package spec

import (
	"fmt"
	"slices"
	"sort"
)

// scope says which placeholders a template may use where it is written.
type scope struct {
	where       string // for messages: "client", `resource "issues"`, ...
	secrets     bool   // {secrets.*} allowed
	incremental bool   // {incremental.*} allowed
	resource    string // the resource being checked; "" where parents are not allowed
	parents     []parentRef
	pager       *pagerScope // the paginator that fills {paginator.*}; nil where none is allowed
}

// incrementalNames are the names of the incremental namespace.
var incrementalNames = []string{"start_value", "end_value", "initial_value", "lag"}

// template parses text and checks each of its placeholders.
func (c *checker) template(sc *scope, path, text string) {
	t, err := ParseTemplate(text)
	if err != nil {
		c.errorf(path, "%v", err)
		return
	}
	for _, p := range t.Placeholders() {
		c.placeholder(sc, path, p)
		if _, alone := t.Single(); p.Namespace == NSPaginator && p.Name == "cursor" && !alone {
			// The first page has no cursor: a value that is the
			// placeholder alone is left out then; one inside text could
			// not be sent.
			c.errorf(path, "%s must be the whole value (the first request, which has no cursor, leaves the parameter or header out): write it alone, and the text around it in the API's own parameter", p)
		}
	}
}

func (c *checker) placeholder(sc *scope, path string, p Part) {
	switch p.Namespace {
	case NSVars:
		if _, ok := c.s.Vars[p.Name]; !ok {
			c.errorf(path, "unknown variable %q in %s%s", p.Name, p, hint(p.Name, c.varNames(), "declare it under vars"))
		}
	case NSSecrets:
		if !sc.secrets {
			c.errorf(path, "%s is not allowed in %s (defaults are not secret; use the secret where it is sent)", p, sc.where)
		}
	case NSIncremental:
		switch {
		case !slices.Contains(incrementalNames, p.Name):
			c.errorf(path, "unknown placeholder %s%s", p, hint(p.Name, incrementalNames, "want start_value, end_value, initial_value or lag"))
		case !sc.incremental && sc.resource != "":
			c.errorf(path, "%s needs endpoint.incremental in %s", p, sc.where)
		case !sc.incremental:
			c.errorf(path, "%s is not allowed in %s (only in a resource's endpoint with incremental)", p, sc.where)
		}
	case NSResources:
		c.parentRef(sc, path, p.Name, p.Field, p.String())
	case NSPaginator:
		c.pagerValue(sc, path, p)
	}
}

// parentRef checks a reference to a parent resource, by placeholder or by
// a resolve param, and records it.
func (c *checker) parentRef(sc *scope, path, name, field, text string) {
	_, exists := c.byName[name]
	switch {
	case sc.resource == "":
		c.errorf(path, "%s is not allowed in %s (a parent is named in a resource's endpoint path, params, headers or body)", text, sc.where)
	case name == sc.resource:
		c.errorf(path, "resource %q cannot be its own parent (in %s)", name, text)
	case !exists:
		c.errorf(path, "unknown resource %q in %s%s", name, text, hint(name, c.resourceNames(), ""))
	default:
		sc.parents = append(sc.parents, parentRef{name: name, path: path, field: field})
	}
}

// hint is " (did you mean X?)" when a name is close to s, else " (other)"
// or "".
func hint(s string, names []string, other string) string {
	if m := suggest(s, names); m != "" {
		return fmt.Sprintf(" (did you mean %q?)", m)
	}
	if other != "" {
		return " (" + other + ")"
	}
	return ""
}

func (c *checker) varNames() []string {
	names := make([]string, 0, len(c.s.Vars))
	for k := range c.s.Vars {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func (c *checker) resourceNames() []string {
	names := make([]string, 0, len(c.s.Resources))
	for _, r := range c.s.Resources {
		names = append(names, r.Name)
	}
	return names
}

// stringMap checks the templates of a mapping, in key order so errors are
// stable before they are sorted by position.
func (c *checker) stringMap(sc *scope, path string, m map[string]string) {
	for _, k := range sortedKeys(m) {
		c.template(sc, joinKey(path, k), m[k])
	}
}

// jsonStrings checks every string in a JSON body.
func (c *checker) jsonStrings(sc *scope, path string, v any) {
	switch v := v.(type) {
	case string:
		c.template(sc, path, v)
	case map[string]any:
		for _, k := range sortedKeys(v) {
			c.jsonStrings(sc, joinKey(path, k), v[k])
		}
	case []any:
		for i, e := range v {
			c.jsonStrings(sc, joinIndex(path, i), e)
		}
	}
}

// auth checks the templates of an auth block, or the name of a named one.
func (c *checker) auth(sc *scope, path string, a *Auth) {
	if a == nil {
		return
	}
	if a.Use != "" {
		c.authName(path, a.Use)
		return
	}
	fields := []struct{ name, value string }{
		{"name", a.Name}, {"api_key", a.APIKey}, {"token", a.Token},
		{"username", a.Username}, {"password", a.Password},
		{"token_url", a.TokenURL}, {"client_id", a.ClientID}, {"client_secret", a.ClientSecret},
		{"authorize_url", a.AuthorizeURL}, {"revoke_url", a.RevokeURL}, {"redirect_uri", a.RedirectURI},
		{"broker_url", a.BrokerURL}, {"broker_api_key", a.BrokerAPIKey}, {"org_id", a.OrgID},
		{"access_token_url", a.AccessTokenURL},
	}
	for _, f := range fields {
		if f.value != "" {
			c.template(sc, joinKey(path, f.name), f.value)
		}
	}
	for i, s := range a.Scopes {
		c.template(sc, joinIndex(joinKey(path, "scopes"), i), s)
	}
	c.stringMap(sc, joinKey(path, "token_data"), a.TokenData)
	c.stringMap(sc, joinKey(path, "access_token_request_data"), a.AccessTokenRequestData)
	c.stringMap(sc, joinKey(path, "form"), a.Form)
	if a.JSON != nil {
		c.jsonStrings(sc, joinKey(path, "json"), a.JSON)
	}
	c.login(sc, path, a)
}

// endpoint checks the templates of an endpoint and collects its parent
// references into sc.
func (c *checker) endpoint(sc *scope, path string, e *Endpoint) {
	c.template(sc, path+".path", e.Path)
	for _, k := range sortedKeys(e.Params) {
		p, kp := e.Params[k], joinKey(path+".params", k)
		switch {
		case p.Resolve != nil:
			r := p.Resolve
			c.parentRef(sc, kp+".resource", r.Resource, r.Field, fmt.Sprintf("{type: resolve, resource: %s, field: %s}", r.Resource, r.Field))
		case p.Incremental != nil:
			c.incrementalValues(kp, p.Incremental)
		default:
			c.template(sc, kp, p.Value)
		}
	}
	c.pathParams(path, e)
	c.bareNames(path, e)
	c.stringMap(sc, path+".headers", e.Headers)
	c.headerNames(path+".headers", e.Headers)
	c.jsonStrings(sc, path+".json", e.JSON)
	c.stringMap(sc, path+".data", e.Data)
	c.template(sc, path+".data", e.RawData)
	if (e.RawData != "" || len(e.Data) > 0) && e.JSON != nil {
		// dlt refuses both too; one would be sent and the other dropped.
		c.errorf(path+".data", "data and json are both request bodies (keep one)")
	}
	c.auth(&scope{where: "auth", secrets: true, incremental: sc.incremental}, path+".auth", e.Auth)
	if inc := e.Incremental; inc != nil {
		c.incrementalValues(path+".incremental", inc)
	}
	c.rateLimit(path+".rate_limit", e.RateLimit)
}

// authName checks a string auth: a name of an entry of auths, with
// {vars.*} placeholders only. A literal name must exist; a name built
// from variables is checked by engine/plan once the values are known.
func (c *checker) authName(path, name string) {
	t, err := ParseTemplate(name)
	if err != nil {
		c.errorf(path, "%v", err)
		return
	}
	for _, p := range t.Placeholders() {
		if p.Namespace != NSVars {
			c.errorf(path, "%s is not allowed in an auth name (only {vars.NAME})", p)
			continue
		}
		c.placeholder(&scope{where: "an auth name"}, path, p)
	}
	if len(t.Placeholders()) > 0 {
		return
	}
	if _, ok := c.s.Auths[name]; ok {
		return
	}
	if block, ok := dltAuthShorthand[name]; ok {
		// dlt's shorthand: the type alone, its credentials from dlt's
		// secrets, which pipe does not read.
		c.errorf(path, "no auth named %q in auths: %q alone is dlt's shorthand for an auth whose credentials come from dlt's secrets; write the block, auth: %s", name, name, block)
		return
	}
	c.errorf(path, "no auth named %q in auths%s", name, hint(name, sortedKeys(c.s.Auths), "declare it under auths"))
}

// dltAuthShorthand is the block each of dlt's auth shorthands
// (rest_api/typing.py, AuthType) stands for, with its credentials as
// {secrets.*}.
var dltAuthShorthand = map[string]string{
	"bearer":                    `{type: bearer, token: "{secrets.token}"}`,
	"api_key":                   `{type: api_key, api_key: "{secrets.api_key}"}`,
	"http_basic":                `{type: http_basic, username: "{secrets.username}", password: "{secrets.password}"}`,
	"oauth2_client_credentials": `{type: oauth2_client_credentials, access_token_url: URL, client_id: "{secrets.client_id}", client_secret: "{secrets.client_secret}"}`,
}

// checkAuths checks the named auth blocks: each a block, not a name.
func (c *checker) checkAuths() {
	sc := &scope{where: "auths", secrets: true}
	for _, name := range sortedKeys(c.s.Auths) {
		a, path := c.s.Auths[name], joinKey("auths", name)
		if a != nil && a.Use != "" {
			c.errorf(path, "an entry of auths must be an auth block, not the name %q", a.Use)
			continue
		}
		c.auth(sc, path, a)
	}
}

// headerNames checks that each header's name, braces unescaped, is one
// HTTP allows: a request with any other would fail at every attempt.
func (c *checker) headerNames(path string, h map[string]string) {
	for _, k := range sortedKeys(h) {
		if n := HeaderName(k); !ValidHeaderName(n) {
			c.errorf(joinKey(path, k), "%q is no HTTP header name (letters, digits and !#$%%&'*+-.^_`|~ only; dlt's requests sends it, Go's HTTP client refuses it)", n)
		}
	}
}

// bareNames refuses a {NAME} without a namespace in query params,
// headers, JSON and form bodies, as dlt does ("Expression `id` defined in
// `headers` is not valid"): there it would be sent as written, braces and
// all. A resolve param's name fills the path only; elsewhere its parent
// field is written {resources.PARENT.FIELD}.
func (c *checker) bareNames(path string, e *Endpoint) {
	check := func(at, text string) {
		for _, name := range PathParams(text) {
			if p, ok := e.Params[name]; ok && p.Resolve != nil {
				c.errorf(at, "{%s} fills the path only, as in dlt; here write {resources.%s.%s}", name, p.Resolve.Resource, p.Resolve.Field)
				continue
			}
			c.errorf(at, "{%s} is bound to nothing here and would be sent as written (dlt refuses it too): write {{%s}} for the text, or a placeholder such as {resources.PARENT.FIELD} or {incremental.start_value}", name, name)
		}
	}
	for _, k := range sortedKeys(e.Params) {
		if p := e.Params[k]; p.Resolve == nil && p.Incremental == nil {
			check(joinKey(path+".params", k), p.Value)
		}
	}
	for _, k := range sortedKeys(e.Headers) {
		check(joinKey(path+".headers", k), e.Headers[k])
	}
	for _, k := range sortedKeys(e.Data) {
		check(joinKey(path+".data", k), e.Data[k])
	}
	check(path+".data", e.RawData)
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case string:
			check(at, v)
		case map[string]any:
			for _, k := range sortedKeys(v) {
				walk(joinKey(at, k), v[k])
			}
		case []any:
			for i, x := range v {
				walk(joinIndex(at, i), x)
			}
		}
	}
	walk(path+".json", e.JSON)
}
