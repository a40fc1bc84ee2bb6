package schema

import (
	"encoding/hex"
	"hash/fnv"
	"strings"
	"unicode/utf8"
)

// SnakeCase turns a JSON key into an identifier segment: lower-case ASCII
// letters, digits and underscores. A word boundary inside camelCase
// becomes "_" (createdOn -> created_on, HTTPServer -> http_server,
// cvssV3 -> cvss_v3); every run of other characters, underscores
// included, becomes one "_" (cvss.v3 -> cvss_v3, foo__bar -> foo_bar), so
// that "__" only ever separates nesting levels; a leading digit gets a "_"
// prefix; the empty string becomes "_". Different keys may give the same
// name: callers resolve collisions (see Disambiguate).
func SnakeCase(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 4)
	under := false // the last byte written is '_'
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isUpper(c):
			if i > 0 && b.Len() > 0 && !under {
				p := s[i-1]
				if isLower(p) || isDigit(p) || (isUpper(p) && i+1 < len(s) && isLower(s[i+1])) {
					b.WriteByte('_')
				}
			}
			b.WriteByte(c + ('a' - 'A'))
			under = false
		case isLower(c) || isDigit(c):
			if b.Len() == 0 && isDigit(c) {
				b.WriteByte('_')
			}
			b.WriteByte(c)
			under = false
		default:
			if !under {
				b.WriteByte('_')
				under = true
			}
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// hash8 is 8 hex digits of the 32-bit FNV-1a hash of s.
func hash8(s string) string {
	h := fnv.New32a()
	h.Write([]byte(s))
	var sum [4]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// Disambiguate returns name + "_" + 8 hex digits of a stable hash of key:
// the name given to the losers of a collision, key being what tells them
// apart (the original JSON key or path).
func Disambiguate(name, key string) string {
	return name + "_" + hash8(key)
}

// Shorten returns name if it is at most max bytes (or max <= 0), else its
// first max-9 bytes (cut at a character boundary) followed by "_" and 8 hex
// digits of the FNV-1a hash of the whole name, so that shortened names stay
// stable and distinct. Postgres allows 63 bytes.
func Shorten(name string, max int) string {
	if max <= 0 || len(name) <= max {
		return name
	}
	h := "_" + hash8(name)
	keep := max - len(h)
	if keep < 1 {
		return h[:max]
	}
	for keep > 0 && !utf8.RuneStart(name[keep]) {
		keep--
	}
	return name[:keep] + h
}
