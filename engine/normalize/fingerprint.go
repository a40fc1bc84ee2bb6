package normalize

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/pipe-etl/pipe/engine/schema"
	"github.com/pipe-etl/pipe/engine/spec"
)

// fingerprintVersion names the rows Normalize makes of a given record
// under given settings. Bump it whenever that output changes for the
// same input (a new column, another id, another conversion of a value):
// every stored _pipe_hash then differs from the new ones, and the next
// merge of each record takes the full path instead of skipping it as
// unchanged.
// Version 2: a timestamp hint reads unix times exactly (not through a
// float), and a double converted to text or decimal is written as
// Postgres writes it (schema.FormatDouble).
const fingerprintVersion = 2

// fingerprinter computes the _pipe_hash of a root row (Config.Fingerprint),
// in parts of hex digits:
//   - the content (32 digits of a SHA-256 sum): everything that decides
//     the rows a record produces — the settings (hashed once per
//     Normalizer), the record's JSON text and its extra columns' values;
//   - the shape (32 digits of a SHA-256 sum): the tables and _pipe_id
//     values of the record's child rows, table by table in the order of
//     their names, rows in the order the walk made them;
//   - the children (16 digits per child table the record has rows in, in
//     the order of the tables' names): what decides its rows in that
//     table beyond their ids — the settings and the JSON text of each
//     list item that made one of them (an item's text holds its own
//     lists, so a change deep down changes every table above it too),
//     as a 64-bit xxHash: hashing each item's text once more with
//     SHA-256 cost 1–4 µs per Snyk issue (BenchmarkNormalize), and a
//     part only decides whether rows are written again, which an API
//     that could forge a collision could decide by its answers anyway.
//
// A merge leaves out a record whose content is stored unchanged (its
// rows follow from it); one whose shape alone is unchanged has the same child rows
// as stored, so the merge need not read which child rows the root has,
// and its rows in each table whose children part is unchanged are the
// very rows stored, so the merge leaves them out (destinations/sqlload,
// sql_merge_unchanged.go): a record whose lists did not change has its
// root row merged alone. All parts are stable across processes and
// versions as long as fingerprintVersion is. Credentials never enter
// them: a record holding one is hashed as the text the rows are made of,
// with each credential replaced by "***", and the Secrets themselves are
// not part of the settings.
type fingerprinter struct {
	settings [sha256.Size]byte
	h        hash.Hash
	buf      []byte
	tables   []*table    // the child tables the record has rows in so far
	kids     []childRows // scratch: the record's child rows per table
	num      []byte      // scratch
	sum      [sha256.Size]byte
	out      []byte
}

// childRows are a record's rows in one child table.
type childRows struct {
	table string
	rows  []schema.Row
}

// fingerprintSettings is what of a Config decides the rows of a record,
// encoded as JSON (struct fields in order, map keys sorted) for the
// settings' hash.
type fingerprintSettings struct {
	Version           int
	Table             string
	PrimaryKey        []string
	MaxNesting        int
	Hints             map[string]schema.Type
	IDFromContent     bool
	MaxIdentLen       int
	LoadID            bool
	Parent            string
	IncludeFromParent []string
	ListVar           string
	Steps             []spec.ProcessingStep
	Required          []string
}

func newFingerprinter(c Config) *fingerprinter {
	b, err := json.Marshal(fingerprintSettings{
		Version:           fingerprintVersion,
		Table:             c.Table,
		PrimaryKey:        c.PrimaryKey,
		MaxNesting:        max(c.MaxNesting, 0),
		Hints:             c.Hints,
		IDFromContent:     c.IDFromContent,
		MaxIdentLen:       c.MaxIdentLen,
		LoadID:            c.LoadID != "",
		Parent:            c.Parent,
		IncludeFromParent: c.IncludeFromParent,
		ListVar:           c.ListVar,
		Steps:             c.Steps,
		Required:          c.Required,
	})
	if err != nil {
		// Only an add_field value JSON cannot encode gets here; such a
		// value cannot be loaded either. A settings hash of the error's
		// text still differs from every valid settings' hash.
		b = []byte(err.Error())
	}
	return &fingerprinter{settings: sha256.Sum256(b), h: sha256.New(), num: make([]byte, 0, 64)}
}

// begin starts the fingerprint of a record: no item noted (the record
// before may have left some, also one whose walk failed).
func (f *fingerprinter) begin() {
	for _, t := range f.tables {
		t.noted = false
	}
	f.tables = f.tables[:0]
}

// item notes text, the (credential-free) JSON of a list item the walk
// made a row of child table t.
func (f *fingerprinter) item(t *table, text string) {
	if !t.noted {
		t.noted = true
		f.tables = append(f.tables, t)
		t.items.Reset()
		t.items.Write(f.settings[:])
		t.items.Write(appendString(f.num[:0], t.name))
	}
	t.items.Write(binary.AppendUvarint(f.num[:0], uint64(len(text))))
	t.items.WriteString(text)
}

// record returns the fingerprint of the record whose (credential-free)
// JSON text is raw, whose extra columns have names extra and values vals
// (a value holding a credential counts with the credential replaced, as
// it is stored), and whose child rows are those out holds beyond lens
// (Rows.mark before the record) and were noted by item since begin.
func (f *fingerprinter) record(raw string, extra []Field, vals []any, sec Secrets, out *Rows, lens []int) string {
	f.buf = append(f.buf[:0], f.settings[:]...)
	f.buf = appendString(f.buf, raw)
	f.buf = binary.AppendUvarint(f.buf, uint64(len(extra)))
	for i, e := range extra {
		f.buf = appendString(f.buf, e.Name)
		v := vals[i]
		if sec != nil {
			v = withoutSecrets(sec, v)
		}
		f.buf = appendValue(f.buf, v)
	}
	f.out = f.sumInto(f.out[:0], 16)
	f.buf = f.buf[:0]
	f.kids = f.kids[:0]
	for i, tr := range out.tables {
		if tr.parent == "" {
			continue // the root row: its id is the key itself
		}
		start := 0
		if i < len(lens) {
			start = lens[i]
		}
		if start < len(tr.rows) {
			f.kids = append(f.kids, childRows{tr.name, tr.rows[start:]})
		}
	}
	// In the order of the tables' names, not of out.tables, which is the
	// order the page's records first made them in: the same record on
	// another page must get the same shape.
	slices.SortFunc(f.kids, func(a, b childRows) int { return strings.Compare(a.table, b.table) })
	for _, k := range f.kids {
		f.buf = appendString(f.buf, k.table)
		f.buf = binary.AppendUvarint(f.buf, uint64(len(k.rows)))
		for _, row := range k.rows {
			id, _ := row[schema.ColID].(string)
			f.buf = appendString(f.buf, id)
		}
	}
	f.out = f.sumInto(f.out, 16)
	slices.SortFunc(f.tables, func(a, b *table) int { return strings.Compare(a.name, b.name) })
	for _, t := range f.tables {
		f.out = hex.AppendEncode(f.out, binary.BigEndian.AppendUint64(f.num[:0], t.items.Sum64()))
	}
	return string(f.out)
}

// sumInto appends to dst the hex of the first n bytes of the SHA-256 of
// f.buf.
func (f *fingerprinter) sumInto(dst []byte, n int) []byte {
	f.h.Reset()
	f.h.Write(f.buf)
	f.h.Sum(f.sum[:0])
	return hex.AppendEncode(dst, f.sum[:n])
}

// appendString appends s with its length, so that no two sequences of
// strings encode alike.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendValue appends an extra column's value (extraValue's types) as a
// type tag and its bytes.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 'n')
	case bool:
		if x {
			return append(b, 't')
		}
		return append(b, 'f')
	case int64:
		return binary.AppendVarint(append(b, 'i'), x)
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 'd'), math.Float64bits(x))
	case string:
		return appendString(append(b, 's'), x)
	case json.RawMessage:
		return appendString(append(b, 'j'), string(x))
	case json.Number:
		return appendString(append(b, 'm'), string(x))
	case time.Time:
		return appendString(append(b, 'T'), x.UTC().Format(time.RFC3339Nano))
	}
	// Not reached: extraValue converts to the types above. Any other
	// value gets its JSON, tagged apart.
	j, _ := json.Marshal(v)
	return appendString(append(b, '?'), string(j))
}
