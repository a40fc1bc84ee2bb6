package spec

import (
	"fmt"
	"regexp"
)

// responsePlaceholder matches a placeholder written in a path into the
// response, where none is read: gjson would read its braces as a
// multipath ({resources.p.total} is the object {}).
var responsePlaceholder = regexp.MustCompile(`\{(vars|secrets|resources|incremental|paginator)\.[^{}]*\}`)

// checkResponsePaths checks every path into the response a spec writes
// (data_selector, the paginators' paths, incremental cursor paths): one
// in dlt's JSONPath form must be one pipe can translate (GJSONPath).
func (c *checker) checkResponsePaths() {
	check := func(path, p string) {
		if m := responsePlaceholder.FindString(p); m != "" {
			c.errorf(path, "%s: a path into each response, where placeholders are not read (they fill requests: path, params, headers, bodies); a value of a parent record cannot be read here", m)
			return
		}
		if _, err := GJSONPath(p); err != nil {
			c.errorf(path, "%v", err)
		}
	}
	paginator := func(path string, p *Paginator) {
		if p == nil {
			return
		}
		check(path+".next_url_path", p.NextURLPath)
		check(path+".total_path", p.TotalPath)
		check(path+".has_more_path", p.HasMorePath)
		check(path+".cursor_path", p.CursorPath)
		check(path+".id_path", p.IDPath)
	}
	paginator("client.paginator", c.s.Client.Paginator)
	c.eachEndpoint(func(path string, e *Endpoint) {
		check(path+".data_selector", e.DataSelector)
		paginator(path+".paginator", e.Paginator)
		e.eachIncremental(path, func(path string, inc *Incremental) {
			check(path+".cursor_path", inc.CursorPath)
		})
	})
}

// checkIncrementals wants the range settings, which drop records on the
// client, only where records are filtered on the client.
func (c *checker) checkIncrementals() {
	c.eachEndpoint(func(path string, e *Endpoint) {
		e.eachIncremental(path, func(path string, inc *Incremental) {
			if inc.ClientFilter() {
				return
			}
			if inc.RangeStart == "open" {
				c.errorf(path+".range_start", "range_start: open drops records on the client, which filter: false turns off (pipe then loads what the server sends)")
			}
			if inc.RangeEnd == "open" {
				c.errorf(path+".range_end", "range_end: open drops records on the client, which filter: false turns off (pipe then loads what the server sends)")
			}
		})
	})
}

// eachEndpoint calls fn with resource_defaults' endpoint and every
// resource's own, each with its path.
func (c *checker) eachEndpoint(fn func(path string, e *Endpoint)) {
	if d := c.s.ResourceDefaults; d != nil && d.Endpoint != nil {
		fn("resource_defaults.endpoint", d.Endpoint)
	}
	for i, r := range c.s.Resources {
		if r.Endpoint != nil {
			fn(fmt.Sprintf("resources[%d].endpoint", i), r.Endpoint)
		}
	}
}

// eachIncremental calls fn with the endpoint's incremental block and
// every incremental param (dlt's form), each with its path.
func (e *Endpoint) eachIncremental(path string, fn func(path string, inc *Incremental)) {
	if e.Incremental != nil {
		fn(path+".incremental", e.Incremental)
	}
	for _, name := range sortedKeys(e.Params) {
		if p := e.Params[name]; p.Incremental != nil {
			fn(joinKey(path+".params", name), p.Incremental)
		}
	}
}
