package spec

import (
	"fmt"
	"strings"
)

// checker collects the semantic errors of a decoded spec.
type checker struct {
	s    *Spec
	errs Errors
	// byName maps resource names to their index, for parents.
	byName map[string]int
	// parents holds each resource's parent references, in the order written.
	parents [][]parentRef
}

// parentRef is one mention of a parent resource.
type parentRef struct {
	name  string
	path  string
	field string // the field read in the parent's records (FIELD, or F[*] for each item of F)
}

func (c *checker) errorf(path, format string, args ...any) {
	line, col := c.s.Source.Pos(path)
	c.errs = append(c.errs, &Error{File: c.s.File, Line: line, Col: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// checkSemantics runs the checks a JSON Schema cannot express.
func checkSemantics(s *Spec) Errors {
	c := &checker{s: s, byName: map[string]int{}, parents: make([][]parentRef, len(s.Resources))}
	c.checkSpecName()
	c.checkNames()
	c.checkVars()
	c.checkClient()
	c.checkDefaults()
	for i := range s.Resources {
		c.checkResource(i)
	}
	c.checkParentCycles()
	c.checkPaginators()
	c.checkResponsePaths()
	c.checkIncrementals()
	c.checkPolls()
	return c.errs
}

// checkNames wants resource names non-empty and unique, and no two
// resources loading into the same table.
func (c *checker) checkNames() {
	tables := map[string]int{}
	for i, r := range c.s.Resources {
		path := fmt.Sprintf("resources[%d].name", i)
		switch first, dup := c.byName[r.Name]; {
		case r.Name == "":
			c.errorf(path, "resource name is empty")
			continue
		case dup:
			line, _ := c.s.Pos(fmt.Sprintf("resources[%d].name", first))
			c.errorf(path, "duplicate resource name %q (first at line %d)", r.Name, line)
			continue // its table clashes too; one error says it
		default:
			c.byName[r.Name] = i
		}
		table, tpath := r.Name, path
		if r.TableName != "" {
			table, tpath = r.TableName, fmt.Sprintf("resources[%d].table_name", i)
		}
		c.checkTableName(tpath, tableOf(&c.s.Resources[i]))
		if first, dup := tables[table]; dup {
			c.errorf(tpath, "table %q is already loaded by resource %q", table, c.s.Resources[first].Name)
		} else {
			tables[table] = i
		}
	}
}

// checkClient checks the templates every request shares; they cannot name
// a parent or the incremental window, which belong to one resource.
func (c *checker) checkClient() {
	sc := &scope{where: "client", secrets: true}
	cl := &c.s.Client
	c.template(sc, "client.base_url", cl.BaseURL)
	c.checkBaseURL("client.base_url", cl.BaseURL)
	c.headerNames("client.headers", cl.Headers)
	for _, k := range sortedKeys(cl.Headers) {
		t, _ := ClientHeader(cl.Headers[k]) // other braces are literal: see Warnings
		for _, p := range t.Placeholders() {
			c.placeholder(sc, joinKey("client.headers", k), p)
		}
	}
	c.auth(sc, "client.auth", cl.Auth)
	c.rateLimit("client.rate_limit", cl.RateLimit)
	c.checkAuths()
}

// checkDefaults checks resource_defaults. Incremental placeholders are
// allowed here; engine/plan checks each merged resource has incremental.
func (c *checker) checkDefaults() {
	d := c.s.ResourceDefaults
	if d != nil {
		c.checkColumnHints("resource_defaults.columns", d.Columns)
	}
	if d == nil || d.Endpoint == nil {
		return
	}
	sc := &scope{where: "resource_defaults", secrets: true, incremental: true, pager: c.resourcePager("resource_defaults", nil)}
	c.endpoint(sc, "resource_defaults.endpoint", d.Endpoint)
}

// checkResource checks one resource's templates and what depends on its
// parent.
func (c *checker) checkResource(i int) {
	r := &c.s.Resources[i]
	base := fmt.Sprintf("resources[%d]", i)
	sc := &scope{
		where:       fmt.Sprintf("resource %q", r.Name),
		secrets:     true,
		resource:    r.Name,
		incremental: r.Endpoint.Cursor() != nil || c.defaultIncremental(),
		pager:       c.resourcePager(base, r.Endpoint),
	}
	if r.Endpoint != nil {
		c.endpoint(sc, base+".endpoint", r.Endpoint)
	}
	c.checkColumnHints(base+".columns", r.Columns)
	c.parents[i] = sc.parents
	c.checkEach(base, r, sc.parents)
	parent := ""
	for _, p := range sc.parents {
		if parent == "" {
			parent = p.name
		} else if p.name != parent {
			c.errorf(p.path, "resource %q already has parent %q; a resource has one parent (found %q)", r.Name, parent, p.name)
		}
	}
	if parent == "" && len(r.IncludeFromParent) > 0 {
		c.errorf(base+".include_from_parent", "include_from_parent needs a parent: reference one with {resources.PARENT.FIELD} in the endpoint")
	}
	for j, st := range r.ProcessingSteps {
		if st.AddField == nil {
			continue
		}
		p := fmt.Sprintf("%s.processing_steps[%d].add_field", base, j)
		switch a := st.AddField; {
		case a.FromParent != "" && a.Value != nil:
			c.errorf(p, "add_field takes value or from_parent, not both")
		case a.FromParent == "" && a.Value == nil:
			c.errorf(p, "add_field wants value or from_parent")
		case a.FromParent != "" && parent == "":
			c.errorf(p+".from_parent", "from_parent needs a parent: reference one with {resources.PARENT.FIELD} in the endpoint")
		}
	}
}

func (c *checker) defaultIncremental() bool {
	d := c.s.ResourceDefaults
	return d != nil && d.Endpoint.Cursor() != nil
}

// rateLimit wants exactly one of the two rates.
func (c *checker) rateLimit(path string, rl *RateLimit) {
	if rl == nil {
		return
	}
	if (rl.RequestsPerSecond > 0) == (rl.RequestsPerMinute > 0) {
		c.errorf(path, "set exactly one of requests_per_second and requests_per_minute")
	}
}

// checkParentCycles follows each resource's parent chain; the parents of
// a spec must form a DAG. A cycle is reported once, at the reference that
// closes it from its first resource.
func (c *checker) checkParentCycles() {
	parentOf := make([]int, len(c.s.Resources))
	for i, refs := range c.parents {
		parentOf[i] = -1
		if len(refs) > 0 {
			if j, ok := c.byName[refs[0].name]; ok && j != i {
				parentOf[i] = j
			}
		}
	}
	reported := map[int]bool{}
	for start := range c.s.Resources {
		seen := map[int]int{} // resource -> position in chain
		var chain []int
		for i := start; i >= 0; i = parentOf[i] {
			if at, ok := seen[i]; ok {
				cycle := chain[at:]
				first := cycle[0]
				for _, k := range cycle {
					first = min(first, k)
				}
				if !reported[first] {
					for _, k := range cycle {
						reported[k] = true
					}
					c.errorf(c.parents[first][0].path, "parent cycle: %s", c.cycleText(first, parentOf))
				}
				break
			}
			seen[i] = len(chain)
			chain = append(chain, i)
		}
	}
}

// cycleText names a cycle from the resource start, child to parent:
// "a -> b -> a".
func (c *checker) cycleText(start int, parentOf []int) string {
	names := []string{c.s.Resources[start].Name}
	for i := parentOf[start]; i != start; i = parentOf[i] {
		names = append(names, c.s.Resources[i].Name)
	}
	names = append(names, c.s.Resources[start].Name)
	return strings.Join(names, " -> ")
}
