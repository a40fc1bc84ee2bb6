package normalize

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"

	"github.com/pipe-etl/pipe/engine/schema"
)

// DefaultMaxNesting is the nesting depth used when Config.MaxNesting is 0.
const DefaultMaxNesting = 10

// Config says how the records of one resource become rows.
type Config struct {
	// Table is the root table name, already snake_case.
	Table string
	// PrimaryKey lists gjson paths into the record ("id",
	// "attributes.key"); empty means none.
	PrimaryKey []string
	// MaxNesting is how many levels of objects and lists are flattened or
	// become child tables before a value is stored as one JSON column.
	// 0 means DefaultMaxNesting; a negative value means none (every object
	// or list in a record is stored as JSON).
	MaxNesting int
	// Hints forces the type of root table columns, by their flattened name
	// before shortening (e.g. "attributes__created_at").
	Hints map[string]schema.Type
	// Tally, when set, counts the hints' values across Normalizers (see
	// HintTally); else each Normalizer keeps its own (see Hints).
	Tally *HintTally
	// IDFromContent derives _pipe_id from a hash of the record's raw JSON
	// when there is no primary key.
	IDFromContent bool
	// MaxIdentLen is the destination's identifier limit (63 for Postgres);
	// 0 means no limit. Longer names are shortened with schema.Shorten.
	MaxIdentLen int
	// LoadID, when set, is written to every row as _pipe_load_id and is
	// then part of every observed table.
	LoadID string
}

// Field is an extra root-row column, such as an include_from_parent value
// ("_orgs_id"). Value is nil (no value), bool, an integer or float kind,
// string, time.Time, json.RawMessage, or a gjson.Result, which is
// converted like a record value.
type Field struct {
	Name  string
	Value any
}

// Normalizer turns the records of one resource into rows. It remembers
// the names it gave to JSON keys, so a key gets the same column for the
// Normalizer's life. It is safe for use by one goroutine at a time and
// cheap to create per resource and run.
type Normalizer struct {
	cfg     Config
	loadID  any   // cfg.LoadID, boxed once
	err     error // a config error, returned by every Normalize
	maxNest int
	pk      map[string]bool // primary key paths
	root    *table
	tables  map[string]*table // by name, to keep child table names unique
	extras  map[string]*node  // extra fields by name
	rng     *mrand.ChaCha8
	buf     []byte // scratch for ids
	vals    []any  // scratch for extra values
	types   []schema.Type
}

// New returns a Normalizer for c. A config error (such as a hint with an
// unknown type) is returned by every call of Normalize.
func New(c Config) *Normalizer {
	n := &Normalizer{cfg: c, loadID: c.LoadID, maxNest: c.MaxNesting, pk: map[string]bool{}, tables: map[string]*table{}, extras: map[string]*node{}}
	switch {
	case n.maxNest == 0:
		n.maxNest = DefaultMaxNesting
	case n.maxNest < 0:
		n.maxNest = 0
	}
	for _, p := range c.PrimaryKey {
		n.pk[p] = true
	}
	for name, t := range c.Hints {
		if !t.Valid() {
			n.err = fmt.Errorf("normalize: table %q: hint for column %q: unknown type %q", c.Table, name, t)
		}
	}
	if c.Table == "" {
		n.err = fmt.Errorf("normalize: no table name")
	}
	if len(c.PrimaryKey) == 0 && !c.IDFromContent {
		var seed [32]byte
		rand.Read(seed[:])
		n.rng = mrand.NewChaCha8(seed)
	}
	n.root = n.newTable(nil, c.Table)
	return n
}
