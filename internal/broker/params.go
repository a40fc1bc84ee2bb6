package broker

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// maxBody is the largest request body accepted (JSON or form); a
// larger one is answered 413, never read in part.
const maxBody = 64 << 10

// errTooLarge reports a body over maxBody.
var errTooLarge = errors.New("request body too large")

// params collects a request's inputs: the query string, overridden by a
// form (application/x-www-form-urlencoded) or JSON object body, so that
// secrets need not travel in URLs. JSON arrays of strings are joined with
// commas (for scopes and redirect_uris). A body over maxBody gives
// errTooLarge.
func params(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	out := url.Values{}
	for k, v := range r.URL.Query() {
		out[k] = v
	}
	if r.Body == nil || r.ContentLength == 0 {
		return out, nil
	}
	if r.ContentLength > maxBody {
		return nil, errTooLarge
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, errors.New("unreadable request body")
	}
	switch ct {
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errors.New("malformed form body")
		}
		for k, v := range form {
			out[k] = v
		}
	case "application/json":
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, errors.New("malformed JSON body (want an object)")
		}
		for k, v := range m {
			s, err := jsonString(v)
			if err != nil {
				return nil, fmt.Errorf("field %q: %w", k, err)
			}
			out.Set(k, s)
		}
	case "":
		if len(strings.TrimSpace(string(body))) > 0 {
			return nil, errors.New("request body without a Content-Type")
		}
	default:
		return nil, fmt.Errorf("unsupported Content-Type %q (want form or JSON)", ct)
	}
	return out, nil
}

func jsonString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return "", errors.New("want a string or a list of strings")
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	return "", errors.New("want a string or a list of strings")
}

// idPattern is what org and client ids may look like: they become store
// paths and cache keys, so nothing that could walk a path or split a key.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$`)

// input reads the request's parameters and the required names, in
// order. On a problem it answers as snykey (FastAPI) does and returns
// false: 413 for an oversized body, 400 for a malformed one, and 422
// {"detail":[{"type","loc","msg","input"}]} listing every missing or
// invalid parameter at once.
func input(w http.ResponseWriter, r *http.Request, names ...string) (url.Values, []string, bool) {
	q, err := params(w, r)
	if errors.Is(err, errTooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", maxBody))
		return nil, nil, false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, nil, false
	}
	out := make([]string, len(names))
	var problems []validationError
	for i, n := range names {
		v := strings.TrimSpace(q.Get(n))
		switch {
		case v == "":
			problems = append(problems, validationError{Type: "missing", Loc: []string{"query", n}, Msg: "Field required"})
		case (n == "org_id" || n == "client_id") && !idPattern.MatchString(v):
			problems = append(problems, validationError{Type: "string_pattern_mismatch", Loc: []string{"query", n},
				Msg: "String should match pattern '" + idPattern.String() + "'", Input: v})
		}
		out[i] = v
	}
	if len(problems) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": problems})
		return nil, nil, false
	}
	return q, out, true
}

// validationError is one item of FastAPI's 422 "detail" list (pydantic
// v2 shape). Input echoes only ids, never a secret; null when missing.
type validationError struct {
	Type  string   `json:"type"`
	Loc   []string `json:"loc"`
	Msg   string   `json:"msg"`
	Input any      `json:"input"`
}

// splitCSV splits a comma-separated list, dropping blanks.
func splitCSV(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
