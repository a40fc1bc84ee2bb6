package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// cursorPrefix starts the persisted text of a Cursor that carries
// boundary hashes. A text without it is a plain cursor value, as every
// run wrote before boundaries were kept.
const cursorPrefix = "pipe.v2 "

// Cursor is what an incremental chain keeps between runs: the largest
// cursor value it loaded and the hashes (RecordHash) of the records it
// loaded at exactly that value, so that the next run, which starts at
// the value inclusively, skips them instead of loading them again.
type Cursor struct {
	Value    string
	Boundary []string // sorted
}

// ParseCursor reads the persisted text of a cursor. A plain value (the
// format before boundaries) is a cursor without boundary records.
func ParseCursor(text string) Cursor {
	rest, ok := strings.CutPrefix(text, cursorPrefix)
	if !ok {
		return Cursor{Value: text}
	}
	var v struct {
		Cursor   string   `json:"cursor"`
		Boundary []string `json:"boundary"`
	}
	if err := json.Unmarshal([]byte(rest), &v); err != nil {
		return Cursor{Value: text}
	}
	return Cursor{Value: v.Cursor, Boundary: v.Boundary}
}

// String returns the persisted text: the plain value when there are no
// boundary records (readable, and what older versions wrote), else the
// prefix and a JSON object {"cursor": value, "boundary": [hashes]}.
func (c Cursor) String() string {
	if len(c.Boundary) == 0 && !strings.HasPrefix(c.Value, cursorPrefix) {
		return c.Value
	}
	b, _ := json.Marshal(struct {
		Cursor   string   `json:"cursor"`
		Boundary []string `json:"boundary"`
	}{c.Value, c.Boundary})
	return cursorPrefix + string(b)
}

// RecordHash identifies a record by its raw JSON, as received: 32 hex
// digits of its SHA-256.
func RecordHash(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:16])
}

// Tracker follows one chain's cursor while its records arrive: the
// largest value seen and, when it keeps boundaries, the hashes of the
// records seen at that value. It starts from the committed cursor, so a
// record at the committed value whose hash it holds is known as loaded.
// A Tracker is used by one goroutine.
type Tracker struct {
	committed Cursor
	boundary  bool
	// fences hold records loaded at a value that stay skipped after the
	// largest value moves past it, since an API that lists newest first
	// (Stripe) sends the records above it before them: the committed
	// boundary (an earlier run's), and the boundary at each Fence (an
	// earlier window's).
	fences     []fence
	committedV value // committed.Value, read
	max        value // the largest value so far
	at         map[string]bool
	// first and kind are the first cursor value seen and its kind; err
	// is set once a value of another kind comes.
	first, kind string
	err         error
}

// Err returns the error of a cursor value whose kind or unit differs
// from the first value's (a date-time among numbers, milliseconds among
// seconds), nil while every value is of one kind. The walk fails with it:
// values of two kinds have no order, so no cursor saved from them is
// right.
func (t *Tracker) Err() error { return t.err }

// note follows the kinds of the cursor values.
func (t *Tracker) note(v value) {
	if t.err != nil {
		return
	}
	if t.kind == "" {
		t.first, t.kind = v.text, v.kind()
		if t.committed.Value != "" {
			t.first, t.kind = t.committed.Value, t.committedV.kind()
		}
	}
	if k := v.kind(); k != t.kind && !sameKind(t.kind, k) {
		t.err = kindError(t.first, t.kind, v.text, k)
	}
}

// NewTracker starts from the committed cursor (zero when none).
// keepBoundary says whether records at the largest value are remembered
// (client-side filtering) or only the value is (the server is trusted).
func NewTracker(committed Cursor, keepBoundary bool) *Tracker {
	cv := parseValue(committed.Value)
	t := &Tracker{committed: committed, committedV: cv, boundary: keepBoundary, max: cv}
	if keepBoundary {
		t.at = make(map[string]bool, len(committed.Boundary))
		for _, h := range committed.Boundary {
			t.at[h] = true
		}
		t.Fence()
	}
	return t
}

// Take follows a record with cursor value v ("" for none) and raw JSON
// raw. With boundaries it reports false for a record loaded already (at
// the largest value, by a previous run or an earlier window of this
// chain), or at a fenced value and loaded there (by a previous run, or
// in an earlier window: in whatever order the records come), which the
// caller skips; every other
// record is taken. Records below the largest value change nothing; only
// records at or above it, or at a fenced value, are hashed.
func (t *Tracker) Take(v, raw string) bool {
	if v == "" {
		return true
	}
	p := parseValue(v)
	t.note(p)
	c := 1
	if t.max.text != "" {
		c = p.compare(t.max)
	}
	switch {
	case c < 0:
		return !t.fenced(p, raw)
	case !t.boundary:
		if c > 0 {
			t.max = p
		}
		return true
	}
	h := RecordHash(raw)
	if c == 0 {
		if t.at[h] {
			return false
		}
		t.at[h] = true
		return true
	}
	t.max = p
	clear(t.at)
	t.at[h] = true
	return true
}

// Cursor returns the chain's cursor and whether it differs from the
// committed one (a larger value, or new records at the same value).
func (t *Tracker) Cursor() (Cursor, bool) {
	c := Cursor{Value: t.max.text}
	if t.boundary {
		for h := range t.at {
			c.Boundary = append(c.Boundary, h)
		}
		slices.Sort(c.Boundary)
	}
	if c.Value == "" {
		return c, false
	}
	cmp := t.max.compare(t.committedV)
	if t.committed.Value == "" || cmp > 0 {
		return c, true
	}
	// At the committed value the set of records only grows.
	return c, cmp == 0 && len(c.Boundary) > len(t.committed.Boundary)
}

// fence is a cursor value and the hashes of the records loaded at it.
type fence struct {
	value  value
	hashes map[string]bool
}

// Fence keeps the records loaded at the largest value so far skipped for
// the rest of the walk, even once a larger value comes first. The walk
// calls it where a window starts, since the window's start is the
// previous window's end and an inclusive API returns the records at it
// again. Without boundaries it does nothing.
func (t *Tracker) Fence() {
	if !t.boundary || t.max.text == "" || len(t.at) == 0 {
		return
	}
	if n := len(t.fences); n > 0 && t.fences[n-1].value.compare(t.max) == 0 {
		t.fences = t.fences[:n-1] // the same value: at holds its records
	}
	t.fences = append(t.fences, fence{value: t.max, hashes: maps.Clone(t.at)})
}

// fenced reports whether a record at v below the largest value was
// loaded at a fenced value.
func (t *Tracker) fenced(v value, raw string) bool {
	var h string
	for _, f := range t.fences {
		if v.compare(f.value) == 0 {
			if h == "" {
				h = RecordHash(raw)
			}
			if f.hashes[h] {
				return true
			}
		}
	}
	return false
}
