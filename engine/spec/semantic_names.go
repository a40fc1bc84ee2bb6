package spec

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pipe-etl/pipe/engine/schema"
)

// reservedPrefixes are table name prefixes that belong to pipe's
// bookkeeping (_pipe_loads, _pipe_state, _pipe_schema) or to the
// destinations' catalogs (sqlite_master, pg_class): a resource loading
// into one would corrupt them or fail mid-run.
var reservedPrefixes = []string{"_pipe_", "sqlite_", "pg_"}

// checkSpecName wants a spec name that is safe as a file name: it names
// the default database (./NAME.db) and the stored credential, so "../x"
// or "a/b" would write outside the working directory.
func (c *checker) checkSpecName() {
	name := c.s.Name
	ok := name != "" && name[0] != '.' && name[0] != '-'
	for i := 0; i < len(name) && ok; i++ {
		ch := name[i]
		ok = 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '_' || ch == '-' || ch == '.'
	}
	switch {
	case ok:
	case c.s.Source != nil && !c.s.Source.Has("name"):
		c.errorf("", "the file name gives the spec name %q, which is not a safe file name (set name: to letters, digits, _, - and .)", name)
	default:
		c.errorf("name", "%q is not a safe file name (want letters, digits, _, - and ., not starting with . or -): it names the default database %s.db", name, name)
	}
}

// checkTableName refuses a resource whose table would have a reserved
// name; path points at the name or table_name that gives it.
func (c *checker) checkTableName(path, table string) {
	lower := strings.ToLower(table)
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(lower, p) {
			c.errorf(path, "table %q has a reserved name (%s* names belong to %s)", table, p, reservedOwner(p))
			return
		}
	}
}

func reservedOwner(prefix string) string {
	switch prefix {
	case "_pipe_":
		return "pipe's bookkeeping"
	case "sqlite_":
		return "SQLite"
	}
	return "Postgres"
}

// tableOf is the table a resource loads into, as engine/plan names it.
func tableOf(r *Resource) string {
	if r.TableName != "" {
		return r.TableName
	}
	return schema.SnakeCase(r.Name)
}

// checkBaseURL wants base_url to be an absolute http or https URL with a
// host once its variables take their defaults. Variables without a
// default (set with --var) leave the check to engine/plan.
func (c *checker) checkBaseURL(path, text string) {
	if text == "" {
		return
	}
	u, ok := c.withDefaults(text, 0)
	if !ok {
		return
	}
	p, err := url.Parse(u)
	switch {
	case err != nil:
		c.errorf(path, "%q is not a URL: %v", u, unwrapURLError(err))
	case p.Scheme != "http" && p.Scheme != "https":
		c.errorf(path, "%q is not an http or https URL", u)
	case p.Host == "":
		c.errorf(path, "%q has no host", u)
	}
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// withDefaults expands the {vars.*} placeholders of text with the
// variables' defaults; ok is false when one has none, or text holds
// another kind of placeholder (which only a run can fill).
func (c *checker) withDefaults(text string, depth int) (string, bool) {
	t, err := ParseTemplate(text)
	if err != nil || depth > MaxVarDepth {
		return "", false
	}
	var b strings.Builder
	for _, p := range t {
		if !p.IsPlaceholder() {
			b.WriteString(p.Literal)
			continue
		}
		v, declared := c.s.Vars[p.Name]
		if p.Namespace != NSVars || !declared {
			return "", false
		}
		def := v.Default
		if v.DefaultFrom != "" {
			key, ok := c.withDefaults(fmt.Sprintf("{vars.%s}", v.DefaultFrom), depth+1)
			if d, has := v.Defaults[key]; ok && has {
				def = &d
			}
		}
		if def == nil || v.List {
			return "", false
		}
		s, ok := c.withDefaults(*def, depth+1)
		if !ok {
			return "", false
		}
		b.WriteString(s)
		if b.Len() > MaxVarLen {
			return "", false
		}
	}
	return b.String(), true
}

// checkColumnHints wants every key of columns to be a column name as pipe
// makes them: snake_case segments joined by "__" for nested fields. A
// gjson path (attributes.created_at) or a JSON key (createdAt) would
// never match a column, and the hint would silently not apply.
func (c *checker) checkColumnHints(path string, cols map[string]ColumnHint) {
	for _, key := range sortedKeys(cols) {
		if want := columnName(key); want != key {
			c.errorf(joinKey(path, key), "%q is not a column name (hints name columns: snake_case, nested fields joined with __; want %q)", key, want)
		}
		if n := cols[key].Name; n != "" && n != key {
			c.errorf(joinKey(joinKey(path, key), "name"), "name %q differs from the key %q, which names the column (dlt would name the column %q; pipe does not rename by hint: for dlt's result use processing_steps: [{rename: {%s: %s}}])", n, key, n, key, n)
		}
	}
}

// columnName is the column pipe makes for key read as a nested path,
// split at "." and "__".
func columnName(key string) string {
	var segs []string
	for _, part := range strings.Split(key, ".") {
		for _, seg := range strings.Split(part, "__") {
			segs = append(segs, schema.SnakeCase(seg))
		}
	}
	return strings.Join(segs, "__")
}
