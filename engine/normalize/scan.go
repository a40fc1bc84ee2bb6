package normalize

import (
	"errors"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// A record is walked once, front to back, over its JSON text: the walker
// enters an object or a list where it starts, instead of asking gjson for
// each member's value, which scans every nested value once per level
// above it before the walk enters it. The text is valid JSON (response
// bodies are checked with gjson.Valid before records are selected);
// values are handed on as the gjson.Result that gjson would give for
// them, so that conversions stay gjson's. These helpers never read past
// the text: on malformed text they report it and the walk stops.

// skipSpace returns the index of the first byte at or after i that is not
// insignificant whitespace.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the string
// whose opening quote is at s[i], and whether it holds escapes; ok is
// false when it is not closed.
func stringEnd(s string, i int) (end int, escaped, ok bool) {
	j := strings.IndexByte(s[i+1:], '"')
	if j < 0 {
		return len(s), false, false
	}
	if strings.IndexByte(s[i+1:i+1+j], '\\') < 0 {
		return i + 2 + j, false, true
	}
	for j = i + 1; j < len(s); j++ {
		switch s[j] {
		case '"':
			return j + 1, true, true
		case '\\':
			j++
		}
	}
	return len(s), true, false
}

// unquote returns the text of the string token tok (quotes included), as
// gjson gives it (Result.Str).
func unquote(tok string, escaped bool) string {
	if !escaped {
		return tok[1 : len(tok)-1]
	}
	return gjson.Parse(tok).Str
}

// atomEnd returns the end of the number or literal (true, false, null)
// starting at s[i]: the next delimiter.
func atomEnd(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ',', '}', ']', ' ', '\n', '\r', '\t', ':':
			return i
		}
		i++
	}
	return i
}

// valueEnd returns the index after the JSON value starting at s[i]; ok is
// false when the text ends first.
func valueEnd(s string, i int) (int, bool) {
	switch s[i] {
	case '"':
		end, _, ok := stringEnd(s, i)
		return end, ok
	case '{', '[':
		depth := 0
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '"':
				end, _, ok := stringEnd(s, j)
				if !ok {
					return len(s), false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1, true
				}
			}
		}
		return len(s), false
	}
	return atomEnd(s, i), true
}

// atom returns the string, number or literal starting at s[i] as gjson
// gives it, and the index after it; ok is false for malformed text.
func atom(s string, i int) (gjson.Result, int, bool) {
	if s[i] == '"' {
		end, escaped, ok := stringEnd(s, i)
		if !ok {
			return gjson.Result{}, end, false
		}
		tok := s[i:end]
		return gjson.Result{Type: gjson.String, Raw: tok, Str: unquote(tok, escaped)}, end, true
	}
	end := atomEnd(s, i)
	v := gjson.Result{Raw: s[i:end]}
	switch v.Raw {
	case "true":
		v.Type = gjson.True
	case "false":
		v.Type = gjson.False
	case "null":
		v.Type = gjson.Null
	default:
		if c := s[i]; c != '-' && (c < '0' || c > '9') {
			return v, end, false
		}
		v.Type = gjson.Number
	}
	return v, end, end > i
}

// within reports whether s is a piece of text (shares its memory), as the
// text of a value without escapes is a piece of its record's.
func within(s, text string) bool {
	if len(s) == 0 || len(text) == 0 {
		return len(s) == 0
	}
	p, b := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(text)))
	return p >= b && p-b+uintptr(len(s)) <= uintptr(len(text))
}

// ErrLoneSurrogate reports a JSON string holding half of a UTF-16
// surrogate pair, which no UTF-8 text can hold.
var ErrLoneSurrogate = errors.New("the string holds a lone UTF-16 surrogate")

// LoneSurrogate reports whether the JSON text tok (a string token, quotes
// included, or a whole document) holds a \uD800–\uDBFF escape not
// followed by a \uDC00–\uDFFF one, or a \uDC00–\uDFFF escape not
// preceded by one: gjson, like encoding/json, reads either as U+FFFD, and
// Postgres' jsonb refuses it.
func LoneSurrogate(tok string) bool {
	high := false // the escape before was a high surrogate
	for i := 1; i < len(tok)-1; i++ {
		if tok[i] != '\\' {
			if high {
				return true
			}
			continue
		}
		i++
		if i >= len(tok) || tok[i] != 'u' || i+4 >= len(tok) {
			if high {
				return true
			}
			continue
		}
		r, err := strconv.ParseUint(tok[i+1:i+5], 16, 16)
		i += 4
		switch {
		case err != nil:
			high = false
		case r >= 0xD800 && r <= 0xDBFF:
			if high {
				return true
			}
			high = true
		case r >= 0xDC00 && r <= 0xDFFF:
			if !high {
				return true
			}
			high = false
		default:
			if high {
				return true
			}
		}
	}
	return high
}
