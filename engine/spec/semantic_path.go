package spec

import (
	"slices"
	"time"
)

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
	if f := inc.ParamFormat; f != "" && f != ParamUnix && f != ParamUnixMS && !IsTimeLayout(f) {
		c.errorf(path+".param_format", "%q is neither unix, unix_ms nor a Go time layout (a date-time written as Mon Jan 2 15:04:05 MST 2006 is: \"2006-01-02 15:04\")", f)
	}
	if z := inc.ParamTimezone; z != "" {
		if inc.ParamFormat == "" || inc.ParamFormat == ParamUnix || inc.ParamFormat == ParamUnixMS {
			c.errorf(path+".param_timezone", "needs a param_format layout to write the time in (unix times have no zone)")
		} else if _, err := time.LoadLocation(z); err != nil {
			c.errorf(path+".param_timezone", "%q is not an IANA time zone (such as Europe/Berlin): %v", z, err)
		}
	}
}
