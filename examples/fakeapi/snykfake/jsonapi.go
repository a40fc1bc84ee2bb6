package snykfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pipe-etl/pipe/examples/fakeapi/fakecore"
)

// This file holds what every Snyk REST endpoint shares: the version
// parameter (A.2), strict query parameters, limit rules and cursors (A.4),
// relative links (A.3) and JSON:API error documents (A.9).

const jsonAPIType = "application/vnd.api+json"

// stability is a release's lifecycle stage, least stable first.
type stability int

const (
	stWIP stability = iota
	stExperimental
	stBeta
	stGA
)

func (s stability) String() string {
	return [...]string{"wip", "experimental", "beta", "ga"}[s]
}

// release is one published version of an endpoint.
type release struct {
	date string // YYYY-MM-DD
	stab stability
}

// String is the version as snyk-version-served shows it.
func (r release) String() string {
	if r.stab == stGA {
		return r.date
	}
	return r.date + "~" + r.stab.String()
}

// versionError is a version problem and its status (400 or 404).
type versionError struct {
	status int
	detail string
}

// resolveVersion applies Snyk's rule: serve the newest release dated on or
// before the requested date, at the requested stability or a more stable
// one. today is the server's date (a later request date is an error).
func resolveVersion(raw string, releases []release, today time.Time) (release, *versionError) {
	if raw == "" {
		return release{}, &versionError{http.StatusBadRequest, "missing required query parameter 'version'"}
	}
	date, suffix, hasSuffix := strings.Cut(raw, "~")
	stab := stGA
	if !hasSuffix {
		switch raw {
		case "wip", "work-in-progress", "experimental", "beta":
			date, suffix, hasSuffix = today.Format("2006-01-02"), raw, true
		}
	}
	if hasSuffix {
		switch suffix {
		case "wip", "work-in-progress":
			stab = stWIP
		case "experimental":
			stab = stExperimental
		case "beta":
			stab = stBeta
		default:
			return release{}, &versionError{http.StatusBadRequest, fmt.Sprintf("invalid version %q: unknown stability %q", raw, suffix)}
		}
	}
	d, err := time.Parse("2006-01-02", date)
	if err != nil {
		return release{}, &versionError{http.StatusBadRequest, fmt.Sprintf("invalid version %q: want YYYY-MM-DD with an optional ~beta, ~experimental or ~wip", raw)}
	}
	if d.After(today) {
		return release{}, &versionError{http.StatusBadRequest, "requested version newer than present date"}
	}
	var best release
	found := false
	for _, r := range releases {
		if r.date <= date && r.stab >= stab && (!found || r.date > best.date || r.date == best.date && r.stab > best.stab) {
			best, found = r, true
		}
	}
	if !found {
		return release{}, &versionError{http.StatusNotFound, fmt.Sprintf("no release of this endpoint matches version %q", raw)}
	}
	return best, nil
}

// apiError is one JSON:API error object.
type apiError struct {
	ID     string            `json:"id"`
	Status string            `json:"status"` // a string, always
	Code   string            `json:"code,omitempty"`
	Title  string            `json:"title,omitempty"`
	Detail string            `json:"detail"`
	Source map[string]string `json:"source,omitempty"`
	Links  map[string]string `json:"links,omitempty"`
	Meta   map[string]any    `json:"meta,omitempty"`
}

var requestSeq atomic.Uint64

// requestID returns a fresh uuid-shaped id for snyk-request-id.
func requestID() string { return fakecore.Hasher(0x5eed).UUID(0xfeed, requestSeq.Add(1), 0) }

// writeAPIError writes a JSON:API error document. param, when set, names
// the offending query parameter in source.parameter.
func writeAPIError(w http.ResponseWriter, status int, detail, param string) {
	e := apiError{ID: requestID(), Status: strconv.Itoa(status), Title: http.StatusText(status), Detail: detail}
	if param != "" {
		e.Source = map[string]string{"parameter": param}
	}
	if status == http.StatusUnauthorized {
		e.Code = "SNYK-0005"
		e.Title = "Authentication error"
		e.Links = map[string]string{"about": "https://docs.snyk.io/scan-with-snyk/error-catalog#snyk-0005"}
	}
	body, _ := json.Marshal(struct {
		JSONAPI jsonAPIVersion `json:"jsonapi"`
		Errors  []apiError     `json:"errors"`
	}{jsonAPIVersion{"1.0"}, []apiError{e}})
	w.Header().Set("Content-Type", jsonAPIType)
	w.Header().Set("snyk-request-id", e.ID)
	w.WriteHeader(status)
	w.Write(body)
}

type jsonAPIVersion struct {
	Version string `json:"version"`
}

// query is a request's parameters, checked: each at most once, each known.
type query map[string]string

// parseQuery checks raw against the allowed names. On failure it has
// written the 400 and returns false.
func parseQuery(w http.ResponseWriter, raw string, allowed []string) (query, bool) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "Malformed query string: "+err.Error(), "")
		return nil, false
	}
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	sort.Strings(names)
	q := make(query, len(vals))
	for _, k := range names {
		if !slices.Contains(allowed, k) {
			writeAPIError(w, http.StatusBadRequest, fmt.Sprintf("Unknown query parameter '%s'", k), k)
			return nil, false
		}
		if len(vals[k]) > 1 {
			writeAPIError(w, http.StatusBadRequest, fmt.Sprintf("Invalid query parameter '%s': given %d times, read as an array where one value is expected", k, len(vals[k])), k)
			return nil, false
		}
		q[k] = vals[k][0]
	}
	return q, true
}

// cursorParams are accepted by every cursor-paginated endpoint.
var cursorParams = []string{"version", "limit", "starting_after", "ending_before"}

// pageLimit reads limit: 10..100 in steps of 10, default 10.
func pageLimit(q query) (int, string) {
	s, ok := q["limit"]
	if !ok {
		return 10, ""
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 10 || n > 100 || n%10 != 0 {
		return 0, fmt.Sprintf("Invalid query parameter 'limit': %q must be a multiple of 10 from 10 to 100", s)
	}
	return n, ""
}

// encodeCursor makes an opaque cursor for position pos: v1.<base64 JSON>.
func encodeCursor(pos int) string {
	return "v1." + base64.StdEncoding.EncodeToString([]byte(`{"id":"`+strconv.Itoa(pos)+`"}`))
}

// decodeCursor reads a cursor made by encodeCursor.
func decodeCursor(c string) (int, bool) {
	rest, ok := strings.CutPrefix(c, "v1.")
	if !ok {
		return 0, false
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return 0, false
	}
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(b, &v) != nil {
		return 0, false
	}
	n, err := strconv.Atoi(v.ID)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// window is one page of positions out of [0, n).
type window struct {
	items   []int
	hasNext bool
	hasPrev bool
}

// paginate selects the page of positions in [0, n) that match, after
// `after` (or before `before` when before >= 0), up to limit. Work is
// proportional to the positions scanned, not to n.
func paginate(n int, match func(int) bool, after, before, limit int) window {
	var w window
	if before >= 0 {
		for i := min(before, n) - 1; i >= 0; i-- {
			if !match(i) {
				continue
			}
			if len(w.items) == limit {
				w.hasPrev = true
				break
			}
			w.items = append(w.items, i)
		}
		for l, r := 0, len(w.items)-1; l < r; l, r = l+1, r-1 {
			w.items[l], w.items[r] = w.items[r], w.items[l]
		}
		for i := before; i < n; i++ {
			if match(i) {
				w.hasNext = true
				break
			}
		}
		return w
	}
	for i := after + 1; i < n; i++ {
		if !match(i) {
			continue
		}
		if len(w.items) == limit {
			w.hasNext = true
			break
		}
		w.items = append(w.items, i)
	}
	for i := min(after, n-1); i >= 0; i-- {
		if match(i) {
			w.hasPrev = true
			break
		}
	}
	return w
}

// cursorPage reads limit and the cursors from q and pages [0, n).
// On failure it has written the 400.
func cursorPage(w http.ResponseWriter, q query, n int, match func(int) bool) (window, int, bool) {
	limit, msg := pageLimit(q)
	if msg != "" {
		writeAPIError(w, http.StatusBadRequest, msg, "limit")
		return window{}, 0, false
	}
	after, before := -1, -1
	if c, ok := q["starting_after"]; ok {
		p, ok := decodeCursor(c)
		if !ok {
			writeAPIError(w, http.StatusBadRequest, "Invalid query parameter 'starting_after': not a valid cursor", "starting_after")
			return window{}, 0, false
		}
		after = p
	}
	if c, ok := q["ending_before"]; ok {
		if after >= 0 {
			writeAPIError(w, http.StatusBadRequest, "starting_after and ending_before are mutually exclusive", "ending_before")
			return window{}, 0, false
		}
		p, ok := decodeCursor(c)
		if !ok {
			writeAPIError(w, http.StatusBadRequest, "Invalid query parameter 'ending_before': not a valid cursor", "ending_before")
			return window{}, 0, false
		}
		before = p
	}
	return paginate(n, match, after, before, limit), limit, true
}

// linkQuery renders q as a link's query: version and limit first, the
// other parameters sorted, the cursors dropped, then extra appended.
func linkQuery(q query, limit int, extra ...string) string {
	var b strings.Builder
	b.WriteString("version=")
	b.WriteString(url.QueryEscape(q["version"]))
	if limit > 0 {
		b.WriteString("&limit=")
		b.WriteString(strconv.Itoa(limit))
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		switch k {
		case "version", "limit", "starting_after", "ending_before", "offset":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteByte('&')
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(q[k]))
	}
	for i := 0; i+1 < len(extra); i += 2 {
		b.WriteByte('&')
		b.WriteString(extra[i])
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(extra[i+1]))
	}
	return b.String()
}

// links are a page's links, relative to /rest.
type links struct {
	Self  string `json:"self"`
	First string `json:"first,omitempty"`
	Prev  string `json:"prev,omitempty"`
	Next  string `json:"next,omitempty"`
	Last  string `json:"last,omitempty"`
}

// cursorLinks builds the links of a cursor page at path (relative to /rest).
func cursorLinks(path string, q query, limit int, win window) links {
	l := links{First: path + "?" + linkQuery(q, limit)}
	switch {
	case q["starting_after"] != "":
		l.Self = path + "?" + linkQuery(q, limit, "starting_after", q["starting_after"])
	case q["ending_before"] != "":
		l.Self = path + "?" + linkQuery(q, limit, "ending_before", q["ending_before"])
	default:
		l.Self = l.First
	}
	if len(win.items) > 0 {
		if win.hasNext {
			l.Next = path + "?" + linkQuery(q, limit, "starting_after", encodeCursor(win.items[len(win.items)-1]))
		}
		if win.hasPrev {
			l.Prev = path + "?" + linkQuery(q, limit, "ending_before", encodeCursor(win.items[0]))
		}
	}
	return l
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeDoc writes a JSON:API document: data (a list of n items, each
// written by item, or one object when n < 0 and one is given), links and
// meta, with Snyk's headers.
func writeDoc(w http.ResponseWriter, served release, requested string, n int, item func(enc itemEncoder, i int) error, one any, l *links, meta any) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	enc := &trimEncoder{buf: buf, enc: json.NewEncoder(buf)}
	enc.enc.SetEscapeHTML(false)
	buf.WriteString(`{"jsonapi":{"version":"1.0"},"data":`)
	if n < 0 {
		if err := enc.Encode(one); err != nil {
			writeAPIError(w, http.StatusInternalServerError, "encoding: "+err.Error(), "")
			return
		}
	} else {
		buf.WriteByte('[')
		for i := 0; i < n; i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := item(enc, i); err != nil {
				writeAPIError(w, http.StatusInternalServerError, "encoding: "+err.Error(), "")
				return
			}
		}
		buf.WriteByte(']')
	}
	if l != nil {
		buf.WriteString(`,"links":`)
		enc.Encode(l)
	}
	if meta != nil {
		buf.WriteString(`,"meta":`)
		enc.Encode(meta)
	}
	buf.WriteByte('}')
	h := w.Header()
	h.Set("Content-Type", jsonAPIType)
	h.Set("snyk-request-id", requestID())
	h.Set("snyk-version-requested", requested)
	h.Set("snyk-version-served", served.String())
	h.Set("snyk-version-lifecycle-stage", served.stab.String())
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

// itemEncoder writes one JSON value into a document being built: Encode
// with encoding/json, Raw as already encoded bytes.
type itemEncoder interface {
	Encode(v any) error
	Raw(p []byte)
}

// trimEncoder is a json.Encoder without the newline after each value.
type trimEncoder struct {
	buf *bytes.Buffer
	enc *json.Encoder
}

func (t *trimEncoder) Raw(p []byte) { t.buf.Write(p) }

func (t *trimEncoder) Encode(v any) error {
	if err := t.enc.Encode(v); err != nil {
		return err
	}
	t.buf.Truncate(t.buf.Len() - 1)
	return nil
}
