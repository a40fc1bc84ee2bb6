package normalize

import (
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/tidwall/gjson"
)

// table is what a Normalizer knows about one table: its name and the
// columns it gave to the JSON keys of its rows.
type table struct {
	name   string // final name, shortened
	full   string // name before shortening, the base of child table names
	parent *table
	root   *node            // the row's own object; its fields are the top-level keys
	owners map[string]*node // column name -> the node that owns it (nil: bookkeeping)
	reg    *tableReg        // the table in the run's Names
	// key path of the list in the parent's rows, recorded as the Key of
	// the _pipe_parent_id column
	listKey string
	// cache of the table's rows in the Rows of generation gen
	gen uint64
	out *tableRows
	// items hashes the text of the record's list items that made rows
	// here, for the fingerprint's children part (fingerprint.go); noted
	// tells whether the record has any
	items xxhash.Digest
	noted bool
}

// node is one JSON key path within a table's rows. Its column is computed
// once, so that normalizing a row allocates no names.
type node struct {
	path   string           // gjson path from the row, for primary keys
	key    string           // path, recorded as the column's Key; "" for extra fields
	full   string           // flattened name before shortening: "attributes__title"
	col    string           // final column name
	fields map[string]*node // object members by raw JSON key
	order  []*node          // members in the order of the last object seen here
	name   string           // the raw JSON key of this member
	used   map[string]bool  // snake_case segments taken among fields
	child  *table           // the child table of a list at this path
	hint   schema.Type
	pk     bool
	skip   bool             // excluded (exclude_columns): never read
	noList bool             // a list here is excluded: no child table
	seen   [numTypes]uint64 // per type: generation of the Rows that observed it
	keyed  bool             // a primary key path or an object holding one: no duplicate key allowed
	visit  uint64           // the last object walk that met this member (duplicate keys)
}

// Bookkeeping columns reserved in every table.
var (
	rootColumns  = []string{schema.ColID, schema.ColLoadID, schema.ColHash}
	childColumns = []string{schema.ColID, schema.ColParentID, schema.ColRootID, schema.ColListIdx, schema.ColLoadID}
)

// newTable registers the table of field: the root table (parent nil), or
// the child table of the list at node field of parent, named by the
// Names (parent's full name + "__" + field's, shortened and kept distinct
// from every other table).
func (n *Normalizer) newTable(parent *table, field *node) *table {
	cols := rootColumns
	var name, full string
	if parent == nil {
		name, full = schema.Shorten(n.cfg.Table, n.cfg.MaxIdentLen), n.cfg.Table
	} else {
		cols = childColumns
		full = parent.full + "__" + field.full
		name = n.names.child(parent.reg, parent.name, field.path, full, n.cfg.MaxIdentLen)
	}
	reserved := cols
	if parent == nil {
		for _, to := range n.rename {
			reserved = append(reserved[:len(reserved):len(reserved)], to)
		}
	}
	t := &table{name: name, full: full, parent: parent, root: &node{}, owners: map[string]*node{}, reg: n.names.open(name, parent == nil, reserved)}
	if parent != nil {
		t.listKey = field.path
	}
	for _, c := range cols {
		t.owners[c] = nil
	}
	return t
}

// member returns the node of the k-th member of an object at nd, key,
// whose object's JSON text starts at s[start]. Records of one API list
// their keys in the same order, so the member at k is most often the one
// met there last time, which a comparison of keys confirms without
// hashing.
func (n *Normalizer) member(t *table, nd *node, k int, key, s string, start int) (*node, bool) {
	if k < len(nd.order) && nd.order[k].name == key {
		return nd.order[k], true
	}
	f := nd.fields[key]
	if f == nil {
		end, ok := valueEnd(s, start)
		if !ok {
			return nil, false
		}
		f = n.field(t, nd, key, s[start:end])
	}
	if k < len(nd.order) {
		nd.order[k] = f
	} else if k == len(nd.order) {
		nd.order = append(nd.order, f)
	}
	return f, true
}

// field returns the node for JSON key key of object obj (its JSON text)
// at nd, creating the nodes of every key of obj that is new when key is.
func (n *Normalizer) field(t *table, nd *node, key string, obj string) *node {
	if f := nd.fields[key]; f != nil {
		return f
	}
	// New keys in this object are named together, in byte-wise order, so
	// that of keys with the same snake_case the first keeps the plain name
	// whatever their order in the record.
	var fresh []string
	gjson.Parse(obj).ForEach(func(k, _ gjson.Result) bool {
		if nd.fields[k.Str] == nil {
			fresh = append(fresh, k.Str)
		}
		return true
	})
	slices.Sort(fresh)
	fresh = slices.Compact(fresh) // duplicate keys
	for _, k := range fresh {
		n.addField(t, nd, k)
	}
	return nd.fields[key]
}

// addField creates the node of key under nd and claims its column name.
func (n *Normalizer) addField(t *table, nd *node, key string) *node {
	key = strings.Clone(key) // keys are substrings of a page; keep none alive
	// A key holding a credential (an API that echoes the token as a map
	// key) is named, and recorded in the schema, with the credential as
	// "***": column names and _pipe_schema are in the database too. Keys
	// are short words, so a key merely containing a short "secret" (a
	// test's "s") keeps its name.
	shown := key
	if sec := n.cfg.Secrets; sec != nil && sec.Contains(key) {
		s := sec.String(key)
		if hidden := len(key) - len(s) + 3*(strings.Count(s, "***")-strings.Count(key, "***")); hidden >= minKeySecret {
			shown = s
		}
	}
	seg := schema.SnakeCase(shown)
	if nd.used[seg] {
		seg = schema.Disambiguate(seg, shown)
	}
	if nd.used == nil {
		nd.used = map[string]bool{}
		nd.fields = map[string]*node{}
	}
	nd.used[seg] = true
	f := &node{name: key, full: seg, path: escapePath(shown)}
	switch {
	case nd.full != "":
		f.full = nd.full + "__" + seg
		f.path = nd.path + "." + f.path
	case f.path == "":
		f.path = emptyKeyPath
	}
	f.key = f.path
	nd.fields[key] = f
	if t == n.root {
		f.hint = n.cfg.Hints[f.full]
		f.pk = n.pk[f.path]
		f.keyed = n.keyed[f.path]
		f.skip = n.exclude[f.full]
		if to, ok := n.rename[f.full]; ok {
			f.col = to // the renamed field owns the name, as rename replaces a column
			t.owners[f.col] = f
			return f
		}
	} else if n.exclude != nil {
		f.noList = n.exclude[strings.TrimPrefix(t.full+"__"+f.full, n.root.full+"__")]
	}
	f.col = n.names.column(t.reg, f.path, f.full, n.cfg.MaxIdentLen)
	for i := 0; ; i++ { // taken here only by an extra field
		if _, taken := t.owners[f.col]; !taken {
			break
		}
		f.col = schema.Shorten(schema.Disambiguate(f.full, f.path+strings.Repeat("+", i)), n.cfg.MaxIdentLen)
	}
	t.owners[f.col] = f
	return f
}

// emptyKeyPath is the path recorded as the Key of the column of the
// empty key "" at the top of a row ({"": 3, "us": 5}, an analytics API's
// bucket of records without a value). Its path would be "", which a
// schema record reads as a column that no key owns, so that a later run
// gave its column to another key ("_"). A lone backslash is no path
// escapePath makes: it always escapes a character.
const emptyKeyPath = `\`

// minKeySecret is the fewest bytes of credential a key must hold to be
// renamed (see addField).
const minKeySecret = 6

// valueNode is the node of a child table's "value" column, where scalar
// list items go; it is the same column as an item object's "value" key.
func (n *Normalizer) valueNode(t *table) *node {
	if f := t.root.fields[schema.ColValue]; f != nil {
		return f
	}
	return n.addField(t, t.root, schema.ColValue)
}

// escapePath escapes a JSON key for use as one gjson path component.
func escapePath(key string) string {
	if !strings.ContainsAny(key, `.*?\|#@!`) {
		return key
	}
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		if strings.IndexByte(`.*?\|#@!`, key[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(key[i])
	}
	return b.String()
}
