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

// params collects a request's inputs: the query string, overridden by a
// form (application/x-www-form-urlencoded) or JSON object body, so that
// secrets need not travel in URLs. JSON arrays of strings are joined with
// commas (for scopes and redirect_uris).
func params(r *http.Request) (url.Values, error) {
	out := url.Values{}
	for k, v := range r.URL.Query() {
		out[k] = v
	}
	if r.Body == nil || r.ContentLength == 0 {
		return out, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
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

// require returns the named values, or an error naming the first missing one.
func require(q url.Values, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		v := strings.TrimSpace(q.Get(n))
		if v == "" {
			return nil, fmt.Errorf("missing required parameter %s", n)
		}
		if (n == "org_id" || n == "client_id") && !idPattern.MatchString(v) {
			return nil, fmt.Errorf("%s has characters other than letters, digits, '.', '_' and '-'", n)
		}
		out[i] = v
	}
	return out, nil
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
