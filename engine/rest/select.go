package rest

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Selector finds the records in a response body (data_selector). It is
// safe for concurrent use and may serve many request chains of one
// resource; a detected path is remembered and logged once.
type Selector struct {
	// EmptyListOmitted makes a body without the path a page with no
	// records (endpoint.empty_list_omitted); set before the first Select.
	EmptyListOmitted bool

	path   string
	logger *slog.Logger

	mu       sync.Mutex
	detected *string // nil until an array was found by detection
	logged   map[string]bool
	shape    string // "array" or "object": what the first page held at the path
	// objectKeys names the keys of the first page's object, when shape is
	// "object", for the error a later array gets.
	objectKeys string
}

// NewSelector returns a Selector for the gjson path (data_selector). An
// empty path means detect: a top-level array is the records; else the one
// array-valued top-level key; else the one array one level deeper; else,
// when the body holds no array at all, the whole object is one record.
// Several candidates at the same level are an error listing them.
func NewSelector(path string, logger *slog.Logger) *Selector {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Selector{path: path, logger: logger, logged: map[string]bool{}}
}

var (
	// errNotJSON reports a body that is not a JSON document.
	errNotJSON = errors.New("response body is not JSON")
	// errNotUTF8 reports a JSON body with bytes that are not UTF-8.
	errNotUTF8 = errors.New("response body is not valid UTF-8")
	// errEmptyBody reports a body with nothing in it.
	errEmptyBody = errors.New("response body is empty")
)

// Select returns the records of body. An array at the path yields its
// items, an object one record, null, {} or [] no records (unless a
// top-level "error", "errors" or "fault" holds something: see
// errorBeside), and so does a body that is {}. A path the body does not
// hold is an error naming the keys it does hold ({"error": "quota
// exceeded"} is not an empty page), as are a string, number or boolean at
// the path, an empty body and a body that is not JSON.
func (s *Selector) Select(body []byte) ([]gjson.Result, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errEmptyBody
	}
	if !gjson.ValidBytes(body) {
		return nil, errNotJSON
	}
	if at := invalidUTF8(body); at >= 0 {
		return nil, &notUTF8Error{at: at}
	}
	if emptyObject(body) {
		return nil, nil
	}
	path := s.path
	if path == "" {
		var err error
		if path, err = s.detect(body); err != nil {
			return nil, err
		}
	}
	if recs, ok := topArray(bodyString(body), path); ok {
		if len(recs) == 0 {
			if err := errorBeside(body, path, "[]"); err != nil {
				return nil, err
			}
		}
		return recs, s.sameShape(path, "array", gjson.Result{})
	}
	v := gjson.Parse(bodyString(body))
	if path != "" {
		v = v.Get(path)
	}
	switch {
	case !v.Exists():
		err := fmt.Errorf("data_selector %q not found in the response (it holds %s)", path, keysOf(body))
		if e := errorKeys(gjson.Parse(bodyString(body))); len(e) > 0 {
			// Slack and others report errors on HTTP 200: name the setting
			// that makes such a body an error of its own, or ignores it.
			return nil, fmt.Errorf("%w: body %q is %s (response_actions can fail, retry or ignore such a body: {condition: %q, action: fail})", err, e[0], kindText(gjson.GetBytes(body, e[0])), e[0])
		}
		if s.EmptyListOmitted && path != "" {
			return nil, nil // Google's {"nextPageToken": "…"} alone
		}
		if !holdsList(body) {
			// Nothing else in the body could be the records.
			return nil, fmt.Errorf("%w (if the API leaves an empty list out, as Google's JSON does: set endpoint.empty_list_omitted)", err)
		}
		return nil, err
	case v.Type == gjson.Null, v.IsObject() && emptyObject([]byte(v.Raw)):
		// No records; but {"data": null, "errors": [...]} on a 200 is a
		// failed request, not an empty page.
		return nil, errorBeside(body, path, v.Raw)
	case v.IsArray():
		recs := v.Array()
		if len(recs) == 0 {
			if err := errorBeside(body, path, v.Raw); err != nil {
				return nil, err
			}
		}
		return recs, s.sameShape(path, "array", v)
	case v.IsObject():
		return []gjson.Result{v}, s.sameShape(path, "object", v)
	}
	return nil, fmt.Errorf("data_selector %q selects a %s, want an array or an object", path, kind(v))
}

// holdsList reports whether body, an object, holds a list at its top
// level or one level down: where records the selector missed could be.
func holdsList(body []byte) bool {
	found := false
	gjson.ParseBytes(body).ForEach(func(_, v gjson.Result) bool {
		if v.IsObject() {
			v.ForEach(func(_, w gjson.Result) bool {
				found = w.IsArray()
				return !found
			})
		}
		found = found || v.IsArray()
		return !found
	})
	return found
}

// emptyObject reports whether body is {}: no records, no error, no
// cursor. Square answers a list with nothing in it this way
// (https://developer.squareup.com/forums/t/pagination-question-for-customer-api/8501),
// leaving out its empty array.
func emptyObject(body []byte) bool {
	b := bytes.TrimSpace(body)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	return len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}

// sameShape fails a page whose records at path are an array where the
// first page's were an object, or the other way round: an API that sends
// its list as an object keyed by position ({"0": {…}, "2": {…}}, as PHP
// encodes an array with gaps) would otherwise load as one record.
func (s *Selector) sameShape(path, shape string, v gjson.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shape == "" {
		s.shape = shape
		if shape == "object" {
			s.objectKeys = keysOf([]byte(v.Raw))
		}
		return nil
	}
	if s.shape == shape {
		return nil
	}
	keys := s.objectKeys // the object: an earlier page's, or this one
	if shape == "object" {
		keys = keysOf([]byte(v.Raw))
	}
	return fmt.Errorf("data_selector %q selects an %s, but earlier pages held an %s there; the object holds %s (records must keep one shape: an error object on a 200, or records keyed by position, would load as one record)", path, shape, s.shape, keys)
}

// bodyString returns body as a string without copying it: the records
// Select returns point into the response body instead of into a copy, so
// a page costs one buffer, not two. Response bodies are never modified
// once read, as this requires.
func bodyString(body []byte) string {
	return unsafe.String(unsafe.SliceData(body), len(body))
}

// detect returns the records path of body ("" for the whole body),
// remembering it once an array was found.
func (s *Selector) detect(body []byte) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.detected != nil {
		return *s.detected, nil
	}
	root := gjson.Parse(bodyString(body))
	if root.IsArray() {
		s.remember("", "response is an array")
		return "", nil
	}
	if !root.IsObject() {
		return "", fmt.Errorf("data_selector: response is a %s, want an array or an object", kind(root))
	}
	top := arrayKeys(root, "")
	if len(top) == 1 {
		s.remember(top[0], "the only array at the top level")
		return top[0], nil
	}
	if len(top) > 1 {
		return "", fmt.Errorf("data_selector: several arrays in the response: %s (set data_selector)", quoteAll(top))
	}
	var nested []string
	root.ForEach(func(k, v gjson.Result) bool {
		if v.IsObject() {
			nested = append(nested, arrayKeys(v, escapePath(k.String())+".")...)
		}
		return true
	})
	if len(nested) == 0 {
		if e := errorKeys(root); len(e) > 0 {
			return "", fmt.Errorf("data_selector: the response holds no records but %s (it holds %s; set data_selector, or a response_action for this body)", quoteAll(e), keysOf(body))
		}
	}
	switch len(nested) {
	case 0:
		// No array anywhere: one object is one record. Not remembered, so
		// a later page that does carry an array is still detected.
		if !s.logged[""] {
			s.logged[""] = true
			s.logger.Info(`data_selector: detected "" (response is one object, no array)`)
		}
		return "", nil
	case 1:
		s.remember(nested[0], "the only array one level down")
		return nested[0], nil
	}
	return "", fmt.Errorf("data_selector: several arrays in the response: %s (set data_selector)", quoteAll(nested))
}

func (s *Selector) remember(path, why string) {
	s.detected = &path
	if !s.logged[path] {
		s.logged[path] = true
		s.logger.Info(fmt.Sprintf("data_selector: detected %q (%s)", path, why))
	}
}

func arrayKeys(obj gjson.Result, prefix string) []string {
	var keys []string
	obj.ForEach(func(k, v gjson.Result) bool {
		if v.IsArray() {
			keys = append(keys, prefix+escapePath(k.String()))
		}
		return true
	})
	sort.Strings(keys)
	return keys
}

// escapePath escapes a key's gjson metacharacters.
func escapePath(key string) string {
	var b strings.Builder
	for _, r := range key {
		if strings.ContainsRune(`.*?|#@\!=<>%`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func kind(v gjson.Result) string {
	switch v.Type {
	case gjson.String:
		return "string"
	case gjson.Number:
		return "number"
	case gjson.True, gjson.False:
		return "boolean"
	case gjson.Null:
		return "null"
	}
	if v.IsArray() {
		return "array"
	}
	return "object"
}

// keysOf describes the top level of body for an error: its keys, or its
// kind when it is not an object.
func keysOf(body []byte) string {
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		return "a " + kind(root)
	}
	var keys []string
	root.ForEach(func(k, _ gjson.Result) bool {
		keys = append(keys, k.String())
		return len(keys) < 20
	})
	if len(keys) == 0 {
		return "no keys"
	}
	return "keys " + quoteAll(keys)
}

// errorBeside is the error of a body whose records at path are none
// (null, {} or [], written as empty) while a top-level key says the
// request failed: CrowdStrike's {"resources": [], "errors": [{"code":
// 500, …}]} or GraphQL's {"data": null, "errors": […]} on a 200 are failed
// requests, not empty pages. nil when no such key holds anything.
func errorBeside(body []byte, path, empty string) error {
	e := failureKeys(gjson.Parse(bodyString(body)))
	if len(e) == 0 {
		return nil
	}
	return fmt.Errorf("data_selector %q is %s and body %q is %s (response_actions can fail, retry or ignore such a body: {condition: %q, action: fail})", path, empty, e[0], kindText(gjson.GetBytes(body, e[0])), failureCondition(e[0]))
}

// partial fails a page whose records come beside a top-level error key
// that holds something (GraphQL's partial data, CrowdStrike's errors
// beside its resources): the API says it answered in part. A key that is
// the first of path holds the records themselves.
func partial(body []byte, recs []gjson.Result, path string) error {
	whole := path == "" || path[0] == '@' // the body is the record
	before, after := body, []byte(nil)
	if !whole {
		before, after = frame(body, recs)
	}
	if !mayHold(before, after, `"error`, `"fault"`, `"Fault"`) &&
		(whole || !mayHold(before, after, `"success"`, `"ok"`)) {
		return nil // no key to look at: spares a walk of every full page
	}
	first := path
	if i := strings.IndexByte(path, '.'); i >= 0 {
		first = path[:i]
	}
	keys := errorKeys
	if !whole {
		keys = failureKeys // a record's own success field says nothing of the request
	}
	for _, k := range keys(gjson.Parse(bodyString(body))) {
		if k == first {
			continue
		}
		return fmt.Errorf("the page holds records, but body %q is %s: the API answered in part, so the page may lack records or values: %w (if such answers are complete enough: response_actions {condition: %q, action: load} loads them as they are)",
			k, kindText(gjson.GetBytes(body, k)), ErrPartial, failureCondition(k))
	}
	return nil
}

// incompleteFlags are top-level members by which APIs say that an
// answer may lack records it should hold, with the condition that finds
// them: GitHub's search sets incomplete_results when the query timed out
// ("search returns all matches that were found prior to the timeout"),
// Google Drive's files.list incompleteSearch when not every drive was
// searched, Elasticsearch's and OpenSearch's _search timed_out, and
// _shards.failed when some shards did not answer.
var incompleteFlags = map[string]struct{ member, cond string }{
	"incomplete_results": {"", "incomplete_results"},
	"incompleteSearch":   {"", "incompleteSearch"},
	"timed_out":          {"", "timed_out"},
	"_shards":            {"failed", "_shards.failed>0"},
}

// incomplete fails a page whose body says the answer may be incomplete
// (incompleteFlags), with or without records: loaded as it is, the run
// would end with records missing and exit 0. Only a body whose records
// are below its top level is looked at: the members of a body that is
// itself the record are the record's fields.
func incomplete(body []byte, recs []gjson.Result, path string) error {
	if path == "" || path[0] == '@' {
		return nil
	}
	if before, after := frame(body, recs); !mayHold(before, after, `complete`, `"timed_out"`, `"_shards"`) {
		return nil // no such member: spares a walk of every full page
	}
	var err error
	gjson.Parse(bodyString(body)).ForEach(func(k, v gjson.Result) bool {
		f, ok := incompleteFlags[k.Str]
		if !ok {
			return true
		}
		name := k.Str
		if f.member != "" {
			v, name = v.Get(f.member), name+"."+f.member
		}
		if v.Type == gjson.True || v.Type == gjson.Number && v.Num > 0 {
			err = fmt.Errorf("body %q is %s: the API says this answer may lack records (a search that timed out or did not reach every shard or drive): %w (run again, or narrow the query; response_actions {condition: %q, action: retry} asks again, {condition: %q, action: load} loads such answers as they are)",
				name, v.Raw, ErrPartial, f.cond, f.cond)
			return false
		}
		return true
	})
	return err
}

// frame returns the text of body before and after its records, the
// items recs of one array in it: where the top-level members that say a
// page failed or is partial must be, if anywhere. The records are most
// of a full page, so looking for those members' names around them
// rather than in the whole body spares seven searches of every page.
// Records that are not text of body (or none) leave the whole body in
// before.
func frame(body []byte, recs []gjson.Result) (before, after []byte) {
	if len(recs) == 0 {
		return body, nil
	}
	s := bodyString(body)
	first, last := recs[0], recs[len(recs)-1]
	if !pieceAt(s, first) || !pieceAt(s, last) || last.Index < first.Index {
		return body, nil
	}
	return body[:first.Index], body[last.Index+len(last.Raw):]
}

// mayHold reports whether before or after holds one of the needles.
func mayHold(before, after []byte, needles ...string) bool {
	for _, n := range needles {
		if bytes.Contains(before, []byte(n)) || bytes.Contains(after, []byte(n)) {
			return true
		}
	}
	return false
}

// Path returns the data_selector the selector reads: the spec's, or the
// one detected so far ("" before).
func (s *Selector) Path() string {
	if s.path != "" {
		return s.path
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.detected != nil {
		return *s.detected
	}
	return ""
}

// failureKeys is errorKeys and the top-level flags that are false when
// a request failed: Cloudflare's {"success": false, "errors": [],
// "result": []} and Slack's {"ok": false} on a 200. They count only
// where the records are below the top level: a record's own "success"
// field says nothing of the request.
func failureKeys(root gjson.Result) []string {
	out := errorKeys(root)
	for _, k := range []string{"success", "ok"} {
		if root.Get(k).Type == gjson.False {
			out = append(out, k)
		}
	}
	return out
}

// failureCondition is the response_actions condition that matches
// failure key k.
func failureCondition(k string) string {
	if k == "success" || k == "ok" {
		return k + "==false"
	}
	return k
}

// errorKeys returns the top-level keys of an object that say it reports
// an error rather than holding a record.
func errorKeys(root gjson.Result) []string {
	var out []string
	// QuickBooks Online writes "Fault", capitalized
	for _, k := range []string{"error", "errors", "fault", "Fault", "error_message", "errorMessage"} {
		if truthy(root.Get(k)) {
			out = append(out, k)
		}
	}
	return out
}
