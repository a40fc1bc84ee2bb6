package spec

import (
	"slices"
	"strings"
)

// checkVars checks variable defaults: they may reference other variables,
// without cycles, and nothing else; a default must be one of its enum.
func (c *checker) checkVars() {
	refs := map[string][]string{} // var -> vars its default references
	for _, name := range c.varNames() {
		v := c.s.Vars[name]
		if v.DefaultFrom != "" {
			c.checkDefaultFrom(name, v, refs)
		}
		if v.Default == nil {
			continue
		}
		path := joinKey(joinKey("vars", name), "default")
		t, err := ParseTemplate(*v.Default)
		if err != nil {
			c.errorf(path, "%v", err)
			continue
		}
		for _, p := range t.Placeholders() {
			switch p.Namespace {
			case NSVars:
				refs[name] = append(refs[name], p.Name)
				c.placeholder(&scope{where: "a variable default"}, path, p)
			case NSSecrets:
				c.errorf(path, "%s is not allowed in a variable default (defaults are not secret; use the secret where it is sent)", p)
			default:
				c.errorf(path, "%s is not allowed in a variable default (only {vars.NAME})", p)
			}
		}
		if len(v.Enum) > 0 && len(t.Placeholders()) == 0 && !slices.Contains(v.Enum, *v.Default) {
			c.errorf(path, "default %q is not one of enum (%s)", *v.Default, strings.Join(v.Enum, ", "))
		}
	}
	before := len(c.errs)
	c.checkVarCycles(refs)
	if len(c.errs) == before {
		c.checkVarSizes()
	}
}

// checkVarCycles reports each cycle among variable defaults once, from its
// first variable by name.
func (c *checker) checkVarCycles(refs map[string][]string) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		state[name] = visiting
		stack = append(stack, name)
		for _, next := range refs[name] {
			switch state[next] {
			case unvisited:
				if _, ok := c.s.Vars[next]; ok {
					visit(next)
				}
			case visiting:
				i := slices.Index(stack, next)
				cycle := append(slices.Clone(stack[i:]), next)
				c.errorf(joinKey(joinKey("vars", next), "default"), "variable cycle: %s", strings.Join(cycle, " -> "))
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = done
	}
	for _, name := range c.varNames() {
		if state[name] == unvisited {
			visit(name)
		}
	}
}

// checkDefaultFrom checks a lookup default: default_from names a declared
// variable, and every value in defaults is a valid default.
func (c *checker) checkDefaultFrom(name string, v Var, refs map[string][]string) {
	path := joinKey(joinKey("vars", name), "default_from")
	from, ok := c.s.Vars[v.DefaultFrom]
	if !ok {
		c.errorf(path, "unknown variable %q%s", v.DefaultFrom, hint(v.DefaultFrom, c.varNames(), ""))
		return
	}
	refs[name] = append(refs[name], v.DefaultFrom)
	for _, key := range sortedKeys(v.Defaults) {
		kpath := joinKey(joinKey(joinKey("vars", name), "defaults"), key)
		if len(from.Enum) > 0 && !slices.Contains(from.Enum, key) {
			c.errorf(kpath, "%q is not a value of %s (enum %s)", key, v.DefaultFrom, strings.Join(from.Enum, ", "))
		}
		t, err := ParseTemplate(v.Defaults[key])
		if err != nil {
			c.errorf(kpath, "%v", err)
			continue
		}
		for _, p := range t.Placeholders() {
			if p.Namespace != NSVars {
				c.errorf(kpath, "%s is not allowed in a variable default (only {vars.NAME})", p)
				continue
			}
			refs[name] = append(refs[name], p.Name)
			c.placeholder(&scope{where: "a variable default"}, kpath, p)
		}
	}
}
