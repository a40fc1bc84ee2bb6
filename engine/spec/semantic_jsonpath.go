package spec

import "fmt"

// checkResponsePaths checks every path into the response a spec writes
// (data_selector, the paginators' paths, incremental cursor paths): one
// in dlt's JSONPath form must be one pipe can translate (GJSONPath).
func (c *checker) checkResponsePaths() {
	check := func(path, p string) {
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
	endpoint := func(path string, e *Endpoint) {
		if e == nil {
			return
		}
		check(path+".data_selector", e.DataSelector)
		paginator(path+".paginator", e.Paginator)
		if e.Incremental != nil {
			check(path+".incremental.cursor_path", e.Incremental.CursorPath)
		}
		for _, name := range sortedKeys(e.Params) {
			if p := e.Params[name]; p.Incremental != nil {
				check(path+".params."+name+".cursor_path", p.Incremental.CursorPath)
			}
		}
	}
	paginator("client.paginator", c.s.Client.Paginator)
	if d := c.s.ResourceDefaults; d != nil {
		endpoint("resource_defaults.endpoint", d.Endpoint)
	}
	for i, r := range c.s.Resources {
		endpoint(fmt.Sprintf("resources[%d].endpoint", i), r.Endpoint)
	}
}
