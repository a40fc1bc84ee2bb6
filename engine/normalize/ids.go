package normalize

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// ErrMissingKey is wrapped by the error Normalize returns for a record
// whose primary key path is missing or null.
var ErrMissingKey = errors.New("missing or null in record")

// ErrDuplicateKey is wrapped by the error Normalize returns for a record
// whose primary key field (or an object on its path) appears twice in
// one object. JSON leaves which value counts undefined (RFC 8259, section
// 4); Normalize stores the last, as JSON parsers do, but the key is read
// from the first, so the row's _pipe_id and its key column would
// disagree and the next run would add the record again.
var ErrDuplicateKey = errors.New("key appears twice in one object")

// rootID returns the _pipe_id of a record's root row: a hash of the table
// name and the primary key values, else of the table name and the raw
// record when Config.IDFromContent is set, else 128 random bits. A key
// path missing from the record may name an extra column (an
// include_from_parent value such as _projects_id), so a child resource can
// be keyed by its parent. extraValues must have run for extra.
//
// A number in the key counts by its value (canonicalNumber: 1.0 and 1
// are one key). Before, it counted as written, so a key written 1.0 has
// a former id, the hash of its text as written, which former returns
// ("" when the key is written as its canonical text, as nearly every
// key is): a merge deletes the row an earlier load stored under it.
func (n *Normalizer) rootID(rec gjson.Result, extra []Field) (id, former string, err error) {
	switch {
	case len(n.cfg.PrimaryKey) > 0:
		b, respelled, err := n.keyText(rec, extra, true)
		if err != nil {
			return "", "", err
		}
		id = n.box.hashID(b)
		if respelled {
			old, _, _ := n.keyText(rec, extra, false)
			former = hashID(old)
		}
		return id, former, nil
	case n.cfg.IDFromContent:
		b := append(n.buf[:0], n.cfg.Table...)
		b = append(b, 0)
		b = append(b, rec.Raw...)
		n.buf = b
		return n.box.hashID(b), "", nil
	default:
		var r [16]byte
		binary.LittleEndian.PutUint64(r[:8], n.rng.Uint64())
		binary.LittleEndian.PutUint64(r[8:], n.rng.Uint64())
		var h [32]byte
		hex.Encode(h[:], r[:])
		return string(h[:]), "", nil
	}
}

// keyText returns what a keyed record's root id hashes: the table name
// and each primary key value's text, numbers canonical when canonical is
// set (else as written), and whether that made any number's text other
// than as written. The bytes are n.buf's, valid until its next use.
func (n *Normalizer) keyText(rec gjson.Result, extra []Field, canonical bool) ([]byte, bool, error) {
	b := append(n.buf[:0], n.cfg.Table...)
	b = append(b, 0)
	respelled := false
	for _, p := range n.cfg.PrimaryKey {
		v := rec.Get(p)
		var s string
		switch {
		case v.Exists() && v.Type != gjson.Null:
			s = v.Raw // numbers by value, so 42 and "42" are the same key
			switch {
			case v.Type == gjson.String:
				s = v.Str
			case canonical && v.Type == gjson.Number:
				if c, ok := canonicalNumber(s); ok && c != s {
					s, respelled = c, true
				}
			}
		default:
			ev, ok := n.extraKey(p, extra)
			if !ok {
				hint := ""
				if strings.Contains(p, "__") && rec.Get(strings.SplitN(p, "__", 2)[0]).Exists() {
					// A column name: the record's fields are read by path.
					hint = ` (primary_key is a path into the record, nested fields joined by "." as the API writes their keys, not a column name with "__")`
				}
				return nil, false, fmt.Errorf("table %q: primary key %q: %w%s", n.cfg.Table, p, ErrMissingKey, hint)
			}
			s = ev
		}
		b = binary.AppendUvarint(b, uint64(len(s))) // length-prefixed: ("a","bc") != ("ab","c")
		b = append(b, s...)
	}
	n.buf = b
	return b, respelled, nil
}

// childID returns the _pipe_id of item idx of the list field of the row
// with _pipe_id parentID.
func (n *Normalizer) childID(parentID, field string, idx int) string {
	b := append(n.buf[:0], parentID...)
	b = append(b, 0)
	b = append(b, field...)
	b = append(b, 0)
	b = binary.AppendUvarint(b, uint64(idx))
	n.buf = b
	return n.box.hashID(b)
}

// hashID is 32 hex digits: the first 16 bytes of the SHA-256 of b.
func hashID(b []byte) string {
	var h [32]byte
	return string(putHashID(h[:], b))
}

// putHashID writes hashID(b) to dst[:32] and returns it.
func putHashID(dst, b []byte) []byte {
	sum := sha256.Sum256(b)
	hex.Encode(dst[:32], sum[:16])
	return dst[:32]
}

// extraKey returns the text of the extra column named name, if it has a value.
func (n *Normalizer) extraKey(name string, extra []Field) (string, bool) {
	for i, f := range extra {
		if f.Name == name && i < len(n.vals) && n.vals[i] != nil {
			return fmt.Sprint(n.vals[i]), true
		}
	}
	return "", false
}
