package rest

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// errCharset reports a body in a charset the client cannot read exactly;
// it is final.
var errCharset = errors.New("response body in an unreadable charset")

// utf8Body returns body as UTF-8. JSON is UTF-8 (RFC 8259), and its media
// type defines no charset parameter, but some servers write their text in
// the charset their Content-Type names (charset=ISO-8859-1, windows-1252,
// Shift_JIS, UTF-16), and others name one and write UTF-8 all the same
// (Java servers whose default charset is Latin-1). So a body in a charset
// that keeps ASCII as it is (Latin-1, Shift_JIS) is read as UTF-8 when it
// is valid UTF-8, as a JSON parser must (real Latin-1 or Shift_JIS text is
// not: é is the byte E9 alone), and transcoded by the WHATWG label of its
// charset, as browsers read labels, when it is not; a UTF-16 body, whose
// ASCII holds NULs, is always transcoded. A byte the charset does not
// define, or a charset without a decoder, is an error. A body with no
// charset, or UTF-8, is returned as it is: Selector.Select refuses it
// when it is not valid UTF-8.
func utf8Body(body []byte, contentType string) ([]byte, error) {
	cs := charsetOf(contentType)
	switch cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return body, nil
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		if utf8.Valid(body) {
			return body, nil // a label nobody decodes, on UTF-8: RFC 8259 ignores it
		}
		return nil, fmt.Errorf("%w: Content-Type %q names charset %q, which pipe cannot decode", errCharset, contentType, cs)
	}
	switch name, _ := htmlindex.Name(enc); {
	case name == "utf-8":
		return body, nil
	case !strings.HasPrefix(name, "utf-16") && utf8.Valid(body):
		return body, nil
	}
	// Decoders replace a byte the charset does not define with U+FFFD:
	// the text read would differ from the text sent. Encoding it back
	// finds that.
	out, err := enc.NewDecoder().Bytes(body)
	if err == nil {
		var back []byte
		if back, err = enc.NewEncoder().Bytes(out); err == nil && !bytes.Equal(back, body) {
			err = errors.New("differs")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the body holds bytes that %s, the charset of its Content-Type %q, does not define", errCharset, cs, contentType)
	}
	return out, nil
}

// charsetOf returns the charset parameter of a Content-Type value, in
// lower case; "" when there is none.
func charsetOf(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		// A malformed value still often carries the parameter.
		_, after, ok := strings.Cut(strings.ToLower(contentType), "charset=")
		if !ok {
			return ""
		}
		cs, _, _ := strings.Cut(after, ";")
		return strings.Trim(strings.TrimSpace(cs), `"'`)
	}
	return strings.ToLower(strings.TrimSpace(params["charset"]))
}

// invalidUTF8 returns the offset of the first byte of body that is not
// valid UTF-8, or -1.
func invalidUTF8(body []byte) int {
	if utf8.Valid(body) {
		return -1
	}
	for i := 0; i < len(body); {
		r, n := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// notUTF8Error is errNotUTF8 at a byte offset of the body.
type notUTF8Error struct{ at int }

func (e *notUTF8Error) Error() string { return errNotUTF8.Error() }
func (e *notUTF8Error) Unwrap() error { return errNotUTF8 }
