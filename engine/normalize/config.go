package normalize

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/spec"
)

// Secrets tells registered credentials apart from data; engine/rest's
// Redactor implements it.
type Secrets interface {
	// Contains reports whether s holds a credential anywhere.
	Contains(s string) bool
	// String returns s with every credential replaced by "***".
	String(s string) string
}

// Config says how the records of one resource become rows.
type Config struct {
	// Table is the root table name, already snake_case.
	Table string
	// PrimaryKey lists gjson paths into the record ("id",
	// "attributes.key"); empty means none.
	PrimaryKey []string
	// MaxNesting is how many levels of objects and lists are flattened or
	// become child tables before a value is stored as one JSON column,
	// taken as given: 0 (or less) means none, every object or list in a
	// record is stored as JSON. The plan applies pipe's default.
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
	// Secrets, when set, keeps credentials out of the rows: every
	// credential inside a text or JSON value is replaced by "***" (an API
	// that echoes the token it got).
	Secrets Secrets

	// The shaping of a record beyond its own fields (see Extras):

	// Parent is the parent resource's name; IncludeFromParent lists
	// fields of the parent record each root row gets, as columns
	// _<parent>_<field> (dlt's naming).
	Parent            string
	IncludeFromParent []string
	// ListVar is the list variable the resource fans out over; each row
	// gets the chain's item in the column _<variable>.
	ListVar string
	// Steps are the resource's processing_steps as written, in order; the
	// shaping ones apply here (see steps.go), filter is extract's.
	Steps []spec.ProcessingStep
	// Names, when set, decides the names of columns and child tables,
	// shared by the Normalizers of a run and seeded with the destination's
	// tables; nil means the Normalizer's own, empty.
	Names *Names
	// Fingerprint, when set, gives every root row a _pipe_hash column:
	// a fingerprint of the record, its extra columns and these settings
	// (see fingerprint.go), by which a merge tells a record it stored
	// before unchanged.
	Fingerprint bool
	// Required lists root table columns that must have a value in every
	// row (columns hints with nullable: false); a row without one is an
	// error naming the record.
	Required []string
}

// Field is an extra root-row column, such as an include_from_parent value
// ("_orgs_id"). Value is nil (no value), bool, an integer or float kind,
// string, time.Time, json.RawMessage, or a gjson.Result, which is
// converted like a record value.
type Field struct {
	Name  string
	Value any
	// Origin marks a value the chain took from its parent record or list
	// item, not from the spec (see Normalizer.OriginColumns).
	Origin bool
}

// Normalizer turns the records of one resource into rows. It asks its
// Names for the column of each JSON key once and remembers it, so a key
// gets the column the run's Names decided. It is safe for use by one
// goroutine at a time and cheap to create per resource and run.
type Normalizer struct {
	cfg     Config
	loadID  any   // cfg.LoadID, boxed once
	err     error // a config error, returned by every Normalize
	maxNest int
	pk      map[string]bool // primary key paths
	keyed   map[string]bool // primary key paths and the paths of the objects holding them
	root    *table
	names   *Names
	extras  map[string]*node // extra fields by name
	rng     *mrand.ChaCha8
	buf     []byte // scratch for ids
	vals    []any  // scratch for extra values
	types   []schema.Type
	lens    []int // scratch for rollback
	box     boxes // interface values of row values, in blocks
	fp      *fingerprinter
	visits  uint64 // object walks so far, stamping the members each meets
	lastID  string // the root _pipe_id of the record last normalized
	shaping
}

// New returns a Normalizer for c. A config error (such as a hint with an
// unknown type) is returned by every call of Normalize.
func New(c Config) *Normalizer {
	n := &Normalizer{cfg: c, loadID: c.LoadID, maxNest: max(c.MaxNesting, 0), pk: map[string]bool{}, names: c.Names, extras: map[string]*node{}}
	n.shaping = compileSteps(c.Steps, c.MaxIdentLen)
	n.keyed = map[string]bool{}
	for _, p := range c.PrimaryKey {
		n.pk[p] = true
		n.keyed[p] = true
		for i := 1; i < len(p); i++ { // "a.b.id" holds "a" and "a.b"; "a\.b" is one key
			if p[i] == '.' && p[i-1] != '\\' {
				n.keyed[p[:i]] = true
			}
		}
	}
	for name, t := range c.Hints {
		if !t.Valid() {
			n.err = fmt.Errorf("normalize: table %q: hint for column %q: unknown type %q", c.Table, name, t)
		}
	}
	if c.Fingerprint {
		n.fp = newFingerprinter(c)
	}
	if c.Table == "" {
		n.err = fmt.Errorf("normalize: no table name")
	}
	if len(c.PrimaryKey) == 0 && !c.IDFromContent {
		var seed [32]byte
		rand.Read(seed[:])
		n.rng = mrand.NewChaCha8(seed)
	}
	if n.names == nil {
		n.names = NewNames(nil)
	}
	n.root = n.newTable(nil, nil)
	return n
}
