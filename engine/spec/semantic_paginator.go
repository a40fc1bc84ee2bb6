package spec

import (
	"fmt"
	"strings"
)

// checkPaginators checks what the schema cannot say of each paginator
// written (client, resource_defaults, every resource): an offset walk
// needs its page size, and a page_number walk that keeps empty pages
// needs some other end.
func (c *checker) checkPaginators() {
	check := func(path string, p *Paginator) {
		if p == nil {
			return
		}
		if f := lastFlag(p.HasMorePath); f != "" {
			c.errorf(path+".has_more_path", "%q is true on the last page, but has_more_path must be true while more pages follow: remove it: every walk's end check reads %q itself and fails a stop while it is false", p.HasMorePath, f)
		}
		switch p.Type {
		case "offset":
			if p.Limit <= 0 {
				c.errorf(path, "offset needs a limit (the page size)")
			}
			if p.TotalIsUpperBound && p.TotalPath == "" {
				c.errorf(path+".total_is_upper_bound", "needs total_path, the bound it reads")
			}
		case "page_number":
			if p.StopAfterEmptyPage != nil && !*p.StopAfterEmptyPage && p.TotalPath == "" && p.MaximumPage == 0 && p.HasMorePath == "" {
				c.errorf(path+".stop_after_empty_page", "false with none of total_path, maximum_page or has_more_path: paging would never stop")
			}
			if p.BasePage != nil && p.Page != nil && *p.Page < *p.BasePage {
				c.errorf(path+".page", "page %d is before base_page %d", *p.Page, *p.BasePage)
			}
		}
	}
	check("client.paginator", c.s.Client.Paginator)
	if d := c.s.ResourceDefaults; d != nil && d.Endpoint != nil {
		check("resource_defaults.endpoint.paginator", d.Endpoint.Paginator)
	}
	for i, r := range c.s.Resources {
		if r.Endpoint != nil {
			check(fmt.Sprintf("resources[%d].endpoint.paginator", i), r.Endpoint.Paginator)
		}
	}
}

// lastFlag returns the last name of path when it names a flag that says
// the page is the last (isLast, is_last, last, end_of_stream), the
// opposite of what has_more_path reads.
func lastFlag(path string) string {
	name := path[strings.LastIndexByte(path, '.')+1:]
	switch strings.ToLower(strings.ReplaceAll(name, "_", "")) {
	case "islast", "last", "endofstream", "islastpage", "lastpage", "islastbatch":
		return name
	}
	return ""
}
