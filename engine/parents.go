package engine

import (
	"fmt"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/spec"
)

// A child resource whose rows carry nothing of their parent (no
// include_from_parent column, no add_field from it) keys its rows by the
// record alone. When one load meets a key under two parent records with
// two different texts — a GitHub collaborator, admin of one repository
// and reader of another, keyed by the user's id — one row can keep only
// one of them, and which one depends on the order the requests ended in.
// The writer fails such a load instead (parentCheck); the same record
// under two parents, or two versions of a record under one parent, is
// not a conflict. A load whose rows carry their parent is checked by the
// destination against what it stores (destinations.OriginConflict).

// keyedRecord is a record of a page of a child resource without origin
// columns: its root _pipe_id and the xxHash of its JSON text.
type keyedRecord struct {
	id   string
	key  string // the primary key's fields, for the error: id=42
	text uint64
}

// parentCheck remembers, per resource, where the load first met each root
// _pipe_id of its child resources without origin columns: 16 bytes and a
// map entry per record, so a load of a million such records holds about
// 40 MB. Keys are the xxHash of the id: two ids that collide in 64 bits
// could only fail a load, never let one through.
type parentCheck struct {
	resources map[string]*keysMet
}

type keysMet struct {
	parents []string         // the parent chains met, by index in met
	index   map[string]int32 // parent chain → index in parents
	met     map[uint64]keyMet
}

type keyMet struct {
	parent int32
	text   uint64
}

// check records the page's records of res, which came from the parent
// chain parent, and returns an error when one of them has a key the load
// met under another parent with another text.
func (c *parentCheck) check(res *plan.Resource, parent string, recs []keyedRecord) error {
	if len(recs) == 0 {
		return nil
	}
	if c.resources == nil {
		c.resources = map[string]*keysMet{}
	}
	k := c.resources[res.Name]
	if k == nil {
		k = &keysMet{index: map[string]int32{}, met: map[uint64]keyMet{}}
		c.resources[res.Name] = k
	}
	p, ok := k.index[parent]
	if !ok {
		p = int32(len(k.parents))
		k.parents = append(k.parents, parent)
		k.index[parent] = p
	}
	for _, r := range recs {
		h := xxhash.Sum64String(r.id)
		was, ok := k.met[h]
		switch {
		case !ok, was.parent == p: // first met, or a later version from the same parent
			k.met[h] = keyMet{parent: p, text: r.text}
		case was.text != r.text:
			return parentConflictError(res, r, k.parents[was.parent], parent)
		}
	}
	return nil
}

// parentConflictError names the key, both parents and the settings that
// keep the records apart: the parent's fields in the rows and in the key.
func parentConflictError(res *plan.Resource, r keyedRecord, first, now string) error {
	cols := make([]string, len(res.ParentFields))
	for i, f := range res.ParentFields {
		cols[i] = "_" + schema.SnakeCase(res.Parent) + "_" + schema.SnakeCase(spec.EachColumn(f))
	}
	key := append(append([]string{}, res.PrimaryKey...), cols...)
	return fmt.Errorf("table %q: the record %s (_pipe_id %q) came from two %s records with different contents in one load (%s, then %s), and its row could keep only one of them: "+
		"primary_key [%s] does not tell them apart; keep the parent in the rows and in the key: include_from_parent: [%s] and primary_key: [%s]",
		res.Table, r.key, r.id, res.Parent, first, now, strings.Join(res.PrimaryKey, ", "), strings.Join(res.ParentFields, ", "), strings.Join(key, ", "))
}

// recordKey renders rec's primary key fields as name=value pairs.
func recordKey(res *plan.Resource, rec gjson.Result) string {
	parts := make([]string, len(res.PrimaryKey))
	for i, p := range res.PrimaryKey {
		parts[i] = p + "=" + rec.Get(p).Raw
	}
	return strings.Join(parts, ", ")
}
