package plan

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pipe-etl/pipe/engine/spec"
)

// Lookup returns the value of a placeholder that remains in a plan
// template: {secrets.*}, {resources.*} or {incremental.*}.
type Lookup func(spec.Part) (string, error)

// RequestURL builds the absolute URL of a resource's first request. A path
// that is an absolute URL is used as is; otherwise it is appended to
// base_url's path (a leading slash in the path does not drop base_url's
// path, as in dlt). Placeholder values in the path are path-escaped; query
// parameters are encoded and sorted by name. Parameters whose value
// expands to an empty string are left out (an optional variable), unless
// the spec wrote the value as "", which is sent as NAME= (as dlt does).
func (p *Plan) RequestURL(r *Resource, lookup Lookup) (*url.URL, error) {
	i := -1
	path, err := r.Path.Expand(func(part spec.Part) (string, error) {
		i++
		v, err := lookup(part)
		if i == 0 && r.Path[0].IsPlaceholder() {
			return v, err // a URL prefix, as in compilePath
		}
		return url.PathEscape(v), err
	})
	if err != nil {
		return nil, err
	}
	raw := path
	if !isAbsolute(path) {
		base, err := p.Base(lookup)
		if err != nil {
			return nil, err
		}
		raw = strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("resource %q: url %q: %w", r.Name, raw, err)
	}
	q := u.Query()
	for _, prm := range r.Params {
		v, err := prm.Value.Expand(lookup)
		if err != nil {
			return nil, err
		}
		if v != "" || prm.Empty {
			q.Set(prm.Name, v)
		}
	}
	u.RawQuery = q.Encode()
	return u, nil
}

// Base returns base_url with its placeholders expanded.
func (p *Plan) Base(lookup Lookup) (string, error) {
	t, err := spec.ParseTemplate(p.BaseURL)
	if err != nil {
		return "", fmt.Errorf("client.base_url: %w", err)
	}
	i := -1
	base, err := t.Expand(func(part spec.Part) (string, error) {
		i++
		v, err := lookup(part)
		if i == 0 && t[0].IsPlaceholder() || part.Namespace != spec.NSSecrets {
			return v, err // a URL prefix (scheme and host), or a variable
		}
		// A secret in the path (a token in /bot<token>/) is one segment,
		// escaped as path placeholders are: a "#" or "?" in it would
		// otherwise end the path, split the secret and send the rest
		// elsewhere.
		return url.PathEscape(v), err
	})
	if err != nil {
		return "", err
	}
	if base == "" {
		return "", fmt.Errorf("client.base_url is empty (set it in the spec or pass --base-url)")
	}
	return base, nil
}

func isAbsolute(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// bindPathParams replaces dlt's {NAME} path placeholders with the
// template of the param NAME, reporting which params it used; they are
// not sent as query parameters. A param's literal text is escaped as part
// of one path segment; its placeholders are escaped when expanded. The
// spec checker has refused placeholders bound to nothing.
func bindPathParams(path string, params map[string]spec.Param) (string, map[string]bool) {
	used := map[string]bool{}
	for _, name := range spec.PathParams(path) {
		p, ok := params[name]
		if !ok || p.Incremental != nil || used[name] {
			continue
		}
		used[name] = true
		path = strings.ReplaceAll(path, "{"+name+"}", segmentTemplate(paramText(p)))
	}
	return path, used
}

// paramText is a param's value as template text.
func paramText(p spec.Param) string {
	if p.Resolve != nil {
		return "{resources." + p.Resolve.Resource + "." + p.Resolve.Field + "}"
	}
	return p.Value
}

// segmentTemplate path-escapes the literal text of template text, so a
// param value such as "a/b" stays one segment; text that does not parse
// is escaped whole (its error is reported where the param is compiled).
func segmentTemplate(text string) string {
	t, err := spec.ParseTemplate(text)
	if err != nil {
		return url.PathEscape(text)
	}
	var b strings.Builder
	for _, part := range t {
		if part.IsPlaceholder() {
			b.WriteString(part.String())
		} else {
			b.WriteString(url.PathEscape(part.Literal))
		}
	}
	return b.String()
}
