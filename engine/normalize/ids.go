package normalize

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

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
func (n *Normalizer) rootID(rec gjson.Result, extra []Field) (string, error) {
	b := append(n.buf[:0], n.cfg.Table...)
	b = append(b, 0)
	switch {
	case len(n.cfg.PrimaryKey) > 0:
		for _, p := range n.cfg.PrimaryKey {
			v := rec.Get(p)
			var s string
			switch {
			case v.Exists() && v.Type != gjson.Null:
				s = v.Raw // numbers as written, so 42 and "42" are the same key
				if v.Type == gjson.String {
					s = v.Str
				}
			default:
				ev, ok := n.extraKey(p, extra)
				if !ok {
					return "", fmt.Errorf("table %q: primary key %q: %w", n.cfg.Table, p, ErrMissingKey)
				}
				s = ev
			}
			b = binary.AppendUvarint(b, uint64(len(s))) // length-prefixed: ("a","bc") != ("ab","c")
			b = append(b, s...)
		}
	case n.cfg.IDFromContent:
		b = append(b, rec.Raw...)
	default:
		var r [16]byte
		binary.LittleEndian.PutUint64(r[:8], n.rng.Uint64())
		binary.LittleEndian.PutUint64(r[8:], n.rng.Uint64())
		var h [32]byte
		hex.Encode(h[:], r[:])
		return string(h[:]), nil
	}
	n.buf = b
	return n.box.hashID(b), nil
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
