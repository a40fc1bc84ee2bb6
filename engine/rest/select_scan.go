package rest

import (
	"slices"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// topArray returns the items of the array that the top-level key path
// holds in the valid JSON text s, as gjson gives them for
// gjson.Parse(s).Get(path).Array(), without first finding the end of the
// array: gjson's Get scans the whole array once to find where it ends and
// Array scans it again, item by item. ok is false when path is not a
// plain key, s is not an object, the key's value is not an array or a key
// before it holds escapes; the caller then asks gjson.
func topArray(s, path string) (recs []gjson.Result, ok bool) {
	if path == "" || strings.ContainsAny(path, `.*?|#@\!=<>%`) {
		return nil, false
	}
	i := skipWS(s, 0)
	if i >= len(s) || s[i] != '{' {
		return nil, false
	}
	for i = skipWS(s, i+1); i < len(s) && s[i] == '"'; i = skipWS(s, i+1) {
		end := strings.IndexByte(s[i+1:], '"')
		if end < 0 {
			return nil, false
		}
		key := s[i+1 : i+1+end]
		if strings.IndexByte(key, '\\') >= 0 {
			return nil, false // an escaped key might spell path
		}
		if i = skipWS(s, i+2+end); i >= len(s) || s[i] != ':' {
			return nil, false
		}
		if i = skipWS(s, i+1); i >= len(s) {
			return nil, false
		}
		if key == path {
			if s[i] != '[' {
				return nil, false
			}
			// Array stops at the array's closing bracket: the text after
			// it is never read.
			return gjson.Result{Type: gjson.JSON, Raw: s[i:], Index: i}.Array(), true
		}
		if i = skipWS(s, skipValue(s, i)); i >= len(s) || s[i] != ',' {
			return nil, false
		}
	}
	return nil, false
}

// skipWS returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
		i++
	}
	return i
}

// skipValue returns the index after the JSON value at s[i] of valid JSON
// text, or len(s).
func skipValue(s string, i int) int {
	switch s[i] {
	case '"':
		return min(stringClose(s, i)+1, len(s))
	case '{', '[':
		depth := 0
		for ; i < len(s); i++ {
			switch s[i] {
			case '"':
				i = stringClose(s, i)
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(s)
	}
	for i < len(s) && !strings.ContainsRune(",}] \n\r\t", rune(s[i])) { // a number or literal
		i++
	}
	return i
}

// stringClose returns the index of the closing quote of the string whose
// opening quote is at s[i], or len(s).
func stringClose(s string, i int) int {
	for {
		j := strings.IndexByte(s[i+1:], '"')
		if j < 0 {
			return len(s)
		}
		i += 1 + j
		n := 0 // backslashes before the quote: an odd number escapes it
		for k := i - 1; s[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return i
		}
	}
}

// getPath returns gjson.GetBytes(body, path) for path of plain keys
// ("links.next") in the valid JSON body of a page whose records recs
// Select returned: at the top level it steps over the array that holds
// the records, from its first record to its last, instead of scanning it
// to find its end, as gjson does when the key comes after it (JSON:API's
// links follow its data). A path it does not find is left to gjson.
func getPath(body []byte, path string, recs []gjson.Result) gjson.Result {
	s := bodyString(body)
	key, rest, nested := strings.Cut(path, ".")
	if !nested || len(recs) == 0 || strings.ContainsAny(path, `*?|#@\!=<>%`) || slices.Contains(strings.Split(path, "."), "") {
		return gjson.GetBytes(body, path)
	}
	i := skipWS(s, 0)
	if i >= len(s) || s[i] != '{' {
		return gjson.GetBytes(body, path)
	}
	for i = skipWS(s, i+1); i < len(s) && s[i] == '"'; i = skipWS(s, i+1) {
		end := strings.IndexByte(s[i+1:], '"')
		if end < 0 || strings.IndexByte(s[i+1:i+1+end], '\\') >= 0 {
			return gjson.GetBytes(body, path)
		}
		k := s[i+1 : i+1+end]
		if i = skipWS(s, i+2+end); i >= len(s) || s[i] != ':' {
			return gjson.GetBytes(body, path)
		}
		if i = skipWS(s, i+1); i >= len(s) {
			return gjson.GetBytes(body, path)
		}
		if k == key && s[i] == '{' {
			// gjson takes the first key whose value has the rest of the
			// path, so the scan goes on when this one does not
			v := gjson.Result{Type: gjson.JSON, Raw: s[i:skipValue(s, i)], Index: i}
			if r := v.Get(rest); r.Exists() {
				return r
			}
		}
		if end, ok := recordsEnd(s, i, recs); ok {
			i = skipWS(s, end)
		} else {
			i = skipWS(s, skipValue(s, i))
		}
		if i >= len(s) || s[i] != ',' {
			break
		}
	}
	return gjson.GetBytes(body, path)
}

// recordsEnd returns the index after the array at s[i] when recs are its
// items, read from s (their text is a piece of s at their Index): its
// first item is the first record and the closing bracket follows the
// last record.
func recordsEnd(s string, i int, recs []gjson.Result) (int, bool) {
	if s[i] != '[' {
		return 0, false
	}
	first, last := recs[0], recs[len(recs)-1]
	if first.Index != skipWS(s, i+1) || !pieceAt(s, first) || !pieceAt(s, last) || last.Index < first.Index {
		return 0, false
	}
	end := skipWS(s, last.Index+len(last.Raw))
	if end >= len(s) || s[end] != ']' {
		return 0, false
	}
	return end + 1, true
}

// recordsAt is recordsEnd for a page with records, false for one without.
func recordsAt(s string, i int, recs []gjson.Result) (int, bool) {
	if len(recs) == 0 {
		return 0, false
	}
	return recordsEnd(s, i, recs)
}

// pieceAt reports whether r's text is the piece of s at r.Index.
func pieceAt(s string, r gjson.Result) bool {
	return r.Raw != "" && r.Index >= 0 && r.Index+len(r.Raw) <= len(s) &&
		unsafe.StringData(r.Raw) == unsafe.StringData(s[r.Index:])
}

// dupTopKey returns a key that the object body holds twice at its top
// level, its envelope, where paging fields and the records are: gjson
// reads the first of the two, JSON parsers the last, so a paginator and
// the API could mean different pages ({"next": null, "next": "/p2"}).
// It steps over the array of the page's records recs (recordsEnd), so a
// full page costs a look at its envelope, not a scan.
func dupTopKey(body []byte, recs []gjson.Result) (string, bool) {
	s := bodyString(body)
	i := skipWS(s, 0)
	if i >= len(s) || s[i] != '{' {
		return "", false
	}
	var seen []string // an envelope has a few keys
	for i = skipWS(s, i+1); i < len(s) && s[i] == '"'; i = skipWS(s, i+1) {
		end := stringClose(s, i)
		if end >= len(s) {
			break
		}
		k := s[i+1 : end]
		if strings.IndexByte(k, '\\') >= 0 {
			k = gjson.Parse(s[i : end+1]).Str
		}
		if slices.Contains(seen, k) {
			return k, true
		}
		seen = append(seen, k)
		if i = skipWS(s, end+1); i >= len(s) || s[i] != ':' {
			break
		}
		if i = skipWS(s, i+1); i >= len(s) {
			break
		}
		if e, ok := recordsAt(s, i, recs); ok {
			i = skipWS(s, e)
		} else {
			i = skipWS(s, skipValue(s, i))
		}
		if i >= len(s) || s[i] != ',' {
			break
		}
	}
	return "", false
}
