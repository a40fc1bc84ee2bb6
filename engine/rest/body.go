package rest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// decoded returns the body of hresp decompressed, and its length if
// known. net/http decompresses gzip itself unless the request asked for
// an encoding (a spec whose headers say "Accept-Encoding: gzip", as some
// APIs' docs advise): then the client does, and refuses other encodings
// by name rather than reading them as text that is not JSON.
func decoded(hresp *http.Response) (io.Reader, int64, error) {
	enc := strings.ToLower(strings.TrimSpace(hresp.Header.Get("Content-Encoding")))
	if hresp.Uncompressed || enc == "" || enc == "identity" {
		return hresp.Body, hresp.ContentLength, nil
	}
	// Codings are listed in the order they were applied (RFC 9110 §8.4):
	// a proxy that gzips a gzipped body says "gzip, gzip".
	codings := strings.Split(enc, ",")
	var r io.Reader = hresp.Body
	for i := len(codings) - 1; i >= 0; i-- {
		switch strings.TrimSpace(codings[i]) {
		case "identity":
		case "gzip", "x-gzip":
			zr, err := gzip.NewReader(r)
			if err != nil {
				return nil, 0, fmt.Errorf("read body: gzip: %w", err)
			}
			r = zr
		default:
			if hresp.Request == nil || hresp.Request.Header.Get("Accept-Encoding") == "" {
				return nil, 0, fmt.Errorf("%w: Content-Encoding %q, which pipe did not ask for (it asks for gzip): set client.headers {Accept-Encoding: identity} to ask for none", errEncoding, enc)
			}
			return nil, 0, fmt.Errorf("%w: Content-Encoding %q (gzip is read): leave Accept-Encoding out of the spec's headers", errEncoding, enc)
		}
	}
	return r, -1, nil
}

// errEncoding reports a response body in an encoding the client cannot
// read; it is final.
var errEncoding = errors.New("response body in an unsupported encoding")

// cutJSON reports whether b is JSON text that stops mid-value, as a body
// cut short does (an HTML page or NaN is not JSON at all, not cut).
func cutJSON(b []byte) bool {
	var v json.RawMessage
	return errors.Is(json.NewDecoder(bytes.NewReader(b)).Decode(&v), io.ErrUnexpectedEOF)
}

// MaxJSONDepth bounds how deep a response body may nest objects and
// arrays, as encoding/json bounds its input.
const MaxJSONDepth = 10000

// tooDeep reports whether the JSON text b nests objects and arrays deeper
// than limit, strings skipped. A body with no more brackets than limit
// is passed on a count (SIMD), without a walk.
func tooDeep(b []byte, limit int) bool {
	if bytes.Count(b, []byte("{"))+bytes.Count(b, []byte("[")) <= limit {
		return false
	}
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > limit {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}
