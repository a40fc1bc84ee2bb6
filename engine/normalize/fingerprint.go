package normalize

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"
	"math"
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
const fingerprintVersion = 1

// fingerprinter computes the _pipe_hash of a root row (Config.Fingerprint),
// 64 hex digits in two halves of 128 bits of SHA-256 each:
//   - the content: everything that decides the rows a record produces —
//     the settings (hashed once per Normalizer), the record's JSON text
//     and its extra columns' values;
//   - the shape: the tables and _pipe_id values of the record's child
//     rows, in the order the walk made them.
//
// A merge leaves out a record whose whole fingerprint is stored
// unchanged, and one whose shape alone is unchanged has the same child
// rows as stored, so the merge need not read which child rows the root
// has (destinations/sqlload, sql_merge_unchanged.go). Both are stable
// across processes and versions as long as fingerprintVersion is.
// Credentials never enter them: a record holding one is hashed as the
// text the rows are made of, with each credential replaced by "***",
// and the Secrets themselves are not part of the settings.
type fingerprinter struct {
	settings [sha256.Size]byte
	h        hash.Hash
	buf      []byte
	sum      [sha256.Size]byte
	out      [64]byte // hex of the first 16 bytes of both sums
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
	return &fingerprinter{settings: sha256.Sum256(b), h: sha256.New()}
}

// record returns the fingerprint of the record whose (credential-free)
// JSON text is raw, whose extra columns have names extra and values vals
// (a value holding a credential counts with the credential replaced, as
// it is stored), and whose child rows are those out holds beyond lens
// (Rows.mark before the record), as 64 hex digits.
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
	f.sumInto(f.out[:32])
	f.buf = f.buf[:0]
	for i, tr := range out.tables {
		if tr.parent == "" {
			continue // the root row: its id is the key itself
		}
		start := 0
		if i < len(lens) {
			start = lens[i]
		}
		if start < len(tr.rows) {
			f.buf = appendString(f.buf, tr.name)
			f.buf = binary.AppendUvarint(f.buf, uint64(len(tr.rows)-start))
		}
		for _, row := range tr.rows[start:] {
			id, _ := row[schema.ColID].(string)
			f.buf = appendString(f.buf, id)
		}
	}
	f.sumInto(f.out[32:])
	return string(f.out[:])
}

// sumInto writes the hex of the first 16 bytes of the SHA-256 of f.buf
// to dst.
func (f *fingerprinter) sumInto(dst []byte) {
	f.h.Reset()
	f.h.Write(f.buf)
	f.h.Sum(f.sum[:0])
	hex.Encode(dst, f.sum[:16])
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
