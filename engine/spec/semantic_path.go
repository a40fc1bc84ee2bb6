package spec

import "slices"

// pathParams checks dlt's path parameters: every {NAME} in the path is
// bound to a param NAME (a value or a resolve param), every resolve param
// fills the path (dlt refuses one that does not), and at most one param
// is incremental, and not beside endpoint.incremental.
func (c *checker) pathParams(path string, e *Endpoint) {
	at := path + ".path"
	used := PathParams(e.Path)
	params := sortedKeys(e.Params)
	for _, name := range used {
		p, ok := e.Params[name]
		switch {
		case !ok:
			c.errorf(at, "{%s} in the path is bound to nothing%s", name,
				hint(name, params, "add endpoint.params."+name+": a value, or {type: resolve, resource: PARENT, field: FIELD}"))
		case p.Incremental != nil:
			c.errorf(joinKey(path+".params", name), "an incremental param cannot fill the path placeholder {%s} (use {incremental.start_value})", name)
		}
	}
	incremental := ""
	for _, name := range params {
		p, kp := e.Params[name], joinKey(path+".params", name)
		switch {
		case p.Resolve != nil && !slices.Contains(used, name):
			c.errorf(kp, "resolve param %q is not used in the path %q: write {%s} in the path, or {resources.%s.%s} in a query parameter",
				name, e.Path, name, p.Resolve.Resource, p.Resolve.Field)
		case p.Incremental != nil && e.Incremental != nil:
			c.errorf(kp, "incremental param %q and endpoint.incremental both set a cursor (keep one)", name)
		case p.Incremental != nil && incremental != "":
			c.errorf(kp, "incremental params %q and %q both set a cursor (keep one)", incremental, name)
		case p.Incremental != nil:
			incremental = name
		}
	}
}

// incrementalValues checks the templates of a cursor's own bounds, which
// cannot depend on the window or a parent.
func (c *checker) incrementalValues(path string, inc *Incremental) {
	isc := &scope{where: "incremental values", secrets: true}
	c.template(isc, path+".initial_value", string(inc.InitialValue))
	c.template(isc, path+".end_value", string(inc.EndValue))
}
