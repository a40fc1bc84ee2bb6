package openapi

import "strings"

// nextLinkPath finds a next-page URL below the top level, breadth first
// at most depth objects down: a string property named like a URL to the
// next page (meta.next_page_url, Jira's nextPage of format uri), or the href, url, uri or link of an
// object named like the next page (next_page.uri); "" when none.
func nextLinkPath(s *Schema, depth int) string {
	type node struct {
		path string
		s    *Schema
		next bool // the object's own name says "next"
	}
	level := []node{{"", s, false}}
	for d := 0; d < depth && len(level) > 0; d++ {
		var below []node
		for _, n := range level {
			for _, p := range n.s.propsOrNil() {
				if p.Schema == nil || p.Schema.Recursive {
					continue
				}
				path := p.Name
				if n.path != "" {
					path = n.path + "." + p.Name
				}
				name := strings.ToLower(p.Name)
				switch p.Schema.Type {
				case "string":
					// Jira's nextPage is a string of format uri.
					nextURL := strings.Contains(name, "next") && (urlWord(name) || p.Schema.Format == "uri")
					if nextURL || (n.next && isURLName(name)) {
						return path
					}
				case "object":
					below = append(below, node{path, p.Schema, strings.Contains(name, "next")})
				}
			}
		}
		level = below
	}
	return ""
}

func urlWord(name string) bool {
	for _, w := range []string{"url", "uri", "link", "href"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

func isURLName(name string) bool {
	switch name {
	case "url", "uri", "link", "href":
		return true
	}
	return false
}

// propsOrNil returns s's properties; nil for a nil schema.
func (s *Schema) propsOrNil() []Property {
	if s == nil {
		return nil
	}
	return s.Props
}

// nextCursorPath finds the value to send back as param: a scalar named
// next_<param> or next<Param> at most three objects down (Box's
// next_marker for marker), or one named param inside an object named
// like the next page, at most three objects down (Asana's
// next_page.offset, Intercom's pages.next.starting_after); "" when none.
func nextCursorPath(s *Schema, param string) string {
	for _, n := range []string{"next_" + param, "next" + strings.ToUpper(param[:1]) + param[1:]} {
		if path := findField(s, n, 3); path != "" {
			return path
		}
	}
	type node struct {
		path string
		s    *Schema
	}
	level := []node{{"", s}}
	for d := 0; d < 3 && len(level) > 0; d++ {
		var below []node
		for _, n := range level {
			for _, p := range n.s.propsOrNil() {
				if p.Schema == nil || p.Schema.Recursive || p.Schema.Type != "object" {
					continue
				}
				path := p.Name
				if n.path != "" {
					path = n.path + "." + p.Name
				}
				if q := p.Schema.Prop(param); q != nil && q.Type != "object" && q.Type != "array" && strings.Contains(strings.ToLower(p.Name), "next") {
					return path + "." + param
				}
				below = append(below, node{path, p.Schema})
			}
		}
		level = below
	}
	return ""
}
