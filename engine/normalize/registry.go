package normalize

import (
	"strings"
	"sync"

	"github.com/pipe-etl/pipe/engine/schema"
)

// Names decides, once, the column of every JSON key and the table of
// every list, and keeps the decision: the names a destination already
// records win, and within a run every Normalizer that shares the Names
// (the chains of a run) gets the same answer, whatever order each meets
// the keys in. A column name owned by one key is never given to another;
// the later key gets a disambiguated name, which is then its own. Names
// is safe for concurrent use; Normalizers ask it only for keys new to
// them, so the lock is not on the hot path.
type Names struct {
	mu     sync.Mutex
	tables map[string]*tableReg // by table name
}

// tableReg is what Names knows about one table.
type tableReg struct {
	cols  map[string]string // key path -> column
	owner map[string]string // column -> key path; unknown for recorded columns without one
	// children: key path of a list in this table's rows -> child table
	children map[string]string
	parent   string // for child tables
	key      string // key path of the list in parent's rows; rootKey for root tables; "" not known
}

// Owners of names that are not key paths. Key paths are gjson paths,
// which never start with a NUL byte.
const (
	unknownKey  = "\x00unknown" // recorded without a key (older schemas): the first claimant takes it
	reservedKey = "\x00reserved"
	rootKey     = "\x00root"
)

// NewNames returns Names seeded with a destination's tables: every column
// recorded with its key (schema.Column.Key) keeps it, and a column or
// child table recorded without one goes to the first key that would be
// given its name.
func NewNames(existing []schema.Table) *Names {
	r := &Names{tables: map[string]*tableReg{}}
	keys := map[string]string{} // child table -> key path of its list
	for _, t := range existing {
		tn := r.entry(t.Name)
		for _, c := range t.Columns {
			switch {
			case c.Name == schema.ColParentID && c.Key != "" && t.Parent != "":
				keys[t.Name] = c.Key
			case c.Key != "":
				if _, ok := tn.cols[c.Key]; !ok {
					tn.cols[c.Key] = c.Name
				}
				tn.owner[c.Name] = c.Key
			default:
				if _, ok := tn.owner[c.Name]; !ok {
					tn.owner[c.Name] = unknownKey
				}
			}
		}
	}
	for _, t := range existing {
		tn := r.tables[t.Name]
		if t.Parent == "" {
			tn.key = rootKey
			continue
		}
		tn.parent = t.Parent
		if k, ok := keys[t.Name]; ok {
			tn.key = k
			r.entry(t.Parent).children[k] = t.Name
		}
	}
	return r
}

// entry returns the table's entry, creating it. Callers hold mu or own r.
func (r *Names) entry(name string) *tableReg {
	tn := r.tables[name]
	if tn == nil {
		tn = &tableReg{cols: map[string]string{}, owner: map[string]string{}, children: map[string]string{}}
		r.tables[name] = tn
	}
	return tn
}

// open returns the entry of table name, a root table if root, reserving
// the names given (the bookkeeping columns, rename targets) unless a key
// already owns them.
func (r *Names) open(name string, root bool, reserved []string) *tableReg {
	r.mu.Lock()
	defer r.mu.Unlock()
	tn := r.entry(name)
	if root && tn.parent == "" {
		tn.key = rootKey
	}
	for _, c := range reserved {
		if o, ok := tn.owner[c]; !ok || o == unknownKey {
			tn.owner[c] = reservedKey
		}
	}
	return tn
}

// column returns the column of the key at path in table tn: the one
// decided before, else the first of full and its disambiguations
// (schema.Disambiguate by path), shortened to maxLen, that no other key
// owns.
func (r *Names) column(tn *tableReg, path, full string, maxLen int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := tn.cols[path]; ok {
		return c
	}
	c := schema.Shorten(full, maxLen)
	for i := 0; ; i++ {
		if o, taken := tn.owner[c]; !taken || o == unknownKey || o == path {
			break
		}
		c = schema.Shorten(schema.Disambiguate(full, path+strings.Repeat("+", i)), maxLen)
	}
	tn.cols[path] = c
	tn.owner[c] = path
	return c
}

// child returns the name of the child table of the list at path in the
// rows of table parent: the one decided before, else the first of full
// and its disambiguations, shortened to maxLen, that no other table has.
func (r *Names) child(parent *tableReg, parentName, path, full string, maxLen int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name, ok := parent.children[path]; ok {
		return name
	}
	name := schema.Shorten(full, maxLen)
	for i := 0; !r.free(name, parentName); i++ {
		name = schema.Shorten(schema.Disambiguate(full, full+strings.Repeat("+", i)), maxLen)
	}
	parent.children[path] = name
	tn := r.entry(name)
	tn.parent, tn.key = parentName, path
	return name
}

// free reports whether name may become a child table of parent: there is
// no such table, or one of parent recorded without the key of its list.
func (r *Names) free(name, parent string) bool {
	tn, ok := r.tables[name]
	return !ok || (tn.key == "" && tn.parent == parent)
}
