package rest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Paginator values a spec may write as {paginator.NAME} inside the text
// of a parameter, a header or a JSON or form body, for APIs that page
// inside a query language: QuickBooks Online's
// "select * from Invoice STARTPOSITION {paginator.offset} MAXRESULTS
// {paginator.limit}", Microsoft Dataverse's FetchXML
// <fetch page="{paginator.page}" count="50">. A value written this way is
// not also sent in the paginator's own parameter or body path.
const (
	ValueOffset = "offset" // offset: the offset of the page
	ValueLimit  = "limit"  // offset: the limit
	ValuePage   = "page"   // page_number: the page number
	ValueCursor = "cursor" // cursor, header_cursor: the next page's cursor
)

// ValueKinds maps each paginator value to the kinds that have it.
var ValueKinds = map[string][]string{
	ValueOffset: {KindOffset},
	ValueLimit:  {KindOffset},
	ValuePage:   {KindPageNumber},
	ValueCursor: {KindCursor, KindHeaderCursor},
}

// noCursor is the value of {paginator.cursor} on a walk's first page,
// which has none: a parameter or header whose whole value is the
// placeholder is left out, a JSON body value that is exactly it is null,
// and the placeholder inside other text is an error.
type noCursor struct{}

// slotMark opens and ends a slot: a paginator value's place in a request
// built from a plan, filled before each page is sent. A NUL byte cannot
// come from a spec's YAML text, and engine/extract refuses a parent
// record's value that holds one, so a slot cannot be forged by data.
const slotMark = "\x00"

const slotPrefix = slotMark + "paginator."

// Slot is the text that stands for {paginator.NAME} in a first request,
// until the paginator fills it (engine/extract writes it in place of the
// placeholder).
func Slot(name string) string { return slotPrefix + name + slotMark }

// pagerValues holds a request's slot template and the values its
// paginator set; shared by the clones of one walk's requests, read only
// once set.
type pagerValues struct {
	tmpl *Request // the first request with its slots, as built
}

// hasSlot reports whether s holds a slot.
func hasSlot(s string) bool { return strings.Contains(s, slotPrefix) }

// capture keeps req's slots as the template of every page of the walk.
// A request without slots is left as is.
func (r *Request) capture() {
	if !r.holdsSlots() {
		return
	}
	t := r.Clone()
	r.slots = &pagerValues{tmpl: t}
	r.values = map[string]any{}
}

func (r *Request) holdsSlots() bool {
	if queryHasSlot(r) || hasSlot(r.Raw) {
		return true
	}
	for _, vs := range []map[string][]string{r.Header, r.Form} {
		for _, v := range vs {
			for _, s := range v {
				if hasSlot(s) {
					return true
				}
			}
		}
	}
	return jsonHoldsSlot(r.JSON)
}

// queryHasSlot reports whether a query parameter of r holds a slot (its
// NUL bytes are percent-encoded in the URL).
func queryHasSlot(r *Request) bool {
	return r.URL != nil && strings.Contains(r.URL.RawQuery, "%00paginator.")
}

func jsonHoldsSlot(v any) bool {
	switch t := v.(type) {
	case string:
		return hasSlot(t)
	case map[string]any:
		for _, e := range t {
			if jsonHoldsSlot(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if jsonHoldsSlot(e) {
				return true
			}
		}
	}
	return false
}

// place sets the paginator value name of req when the spec writes it as
// a placeholder, and reports whether it did: the paginator then sends
// no parameter of its own for it.
func (b *bounds) place(req *Request, name string, v any) bool {
	if !b.placed[name] {
		return false
	}
	if req.values == nil {
		req.values = map[string]any{}
	}
	req.values[name] = v
	return true
}

// fill writes the values the paginator set into the slots of req's
// template: query parameters, headers, form fields, a raw body and the
// strings of a JSON body that hold one. A slot alone in a JSON string
// takes the value's JSON type (a number stays a number).
func (r *Request) fill() error {
	if r.slots == nil {
		return nil
	}
	t := r.slots.tmpl
	if queryHasSlot(t) {
		tq, q := t.URL.Query(), r.URL.Query()
		for k, vs := range tq {
			if !anySlot(vs) {
				continue
			}
			out, err := r.fillAll(vs, "parameter "+k)
			if err != nil {
				return err
			}
			q[k] = out
			if len(out) == 0 {
				delete(q, k)
			}
		}
		r.URL.RawQuery = q.Encode()
	}
	for k, vs := range t.Header {
		if anySlot(vs) {
			out, err := r.fillAll(vs, "header "+k)
			if err != nil {
				return err
			}
			r.Header[k] = out
			if len(out) == 0 {
				delete(r.Header, k)
			}
		}
	}
	for k, vs := range t.Form {
		if anySlot(vs) {
			out, err := r.fillAll(vs, "data "+k)
			if err != nil {
				return err
			}
			r.Form[k] = out
			if len(out) == 0 {
				delete(r.Form, k)
			}
		}
	}
	if hasSlot(t.Raw) {
		s, err := r.fillText(t.Raw, "data")
		if err != nil {
			return err
		}
		r.Raw = s
	}
	if jsonHoldsSlot(t.JSON) {
		v, err := r.fillJSON(t.JSON, r.JSON, "json")
		if err != nil {
			return err
		}
		r.JSON = v
	}
	return nil
}

func anySlot(vs []string) bool {
	for _, s := range vs {
		if hasSlot(s) {
			return true
		}
	}
	return false
}

func (r *Request) fillAll(vs []string, where string) ([]string, error) {
	out := make([]string, 0, len(vs))
	for _, s := range vs {
		if name, ok := singleSlot(s); ok {
			if _, none := r.values[name].(noCursor); none {
				continue // the first page: no cursor yet, nothing sent
			}
		}
		v, err := r.fillText(s, where)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// fillText replaces every slot of s with its value as text.
func (r *Request) fillText(s, where string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, slotPrefix)
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		rest := s[i+len(slotPrefix):]
		j := strings.Index(rest, slotMark)
		if j < 0 {
			return "", fmt.Errorf("%s: unterminated paginator placeholder", where)
		}
		name := rest[:j]
		v, err := r.value(name, where)
		if err != nil {
			return "", err
		}
		text, err := valueText(v)
		if err != nil {
			return "", fmt.Errorf("%s: {paginator.%s} %w", where, name, err)
		}
		b.WriteString(text)
		s = rest[j+len(slotMark):]
	}
}

// fillJSON walks the template t beside the request's body v and returns
// v with every string of t that holds a slot filled.
func (r *Request) fillJSON(t, v any, where string) (any, error) {
	switch tt := t.(type) {
	case string:
		if !hasSlot(tt) {
			return v, nil
		}
		if name, ok := singleSlot(tt); ok {
			v, err := r.value(name, where)
			if _, none := v.(noCursor); none {
				return nil, nil // the first page: null, as dlt sends None
			}
			return v, err
		}
		return r.fillText(tt, where)
	case map[string]any:
		m, ok := v.(map[string]any)
		if !ok {
			return v, nil
		}
		for k, e := range tt {
			if !jsonHoldsSlot(e) {
				continue
			}
			out, err := r.fillJSON(e, m[k], where+"."+k)
			if err != nil {
				return nil, err
			}
			m[k] = out
		}
		return m, nil
	case []any:
		s, ok := v.([]any)
		if !ok || len(s) != len(tt) {
			return v, nil
		}
		for i, e := range tt {
			out, err := r.fillJSON(e, s[i], fmt.Sprintf("%s[%d]", where, i))
			if err != nil {
				return nil, err
			}
			s[i] = out
		}
		return s, nil
	}
	return v, nil
}

// singleSlot returns the name of the slot s is, when s is exactly one.
func singleSlot(s string) (string, bool) {
	name, ok := strings.CutPrefix(s, slotPrefix)
	if !ok || !strings.HasSuffix(name, slotMark) {
		return "", false
	}
	name = strings.TrimSuffix(name, slotMark)
	return name, !strings.Contains(name, slotMark)
}

func (r *Request) value(name, where string) (any, error) {
	v, ok := r.values[name]
	if !ok {
		return nil, fmt.Errorf("%s: {paginator.%s} has no value: the paginator does not set it (%s)", where, name, valueHint(name))
	}
	return v, nil
}

// valueHint names the paginator kinds that set a value.
func valueHint(name string) string {
	if k, ok := ValueKinds[name]; ok {
		return "it is " + strings.Join(k, " or ") + "'s"
	}
	return "want one of offset, limit, page, cursor"
}

// valueText renders a paginator value inside text.
func valueText(v any) (string, error) {
	switch t := v.(type) {
	case int:
		return strconv.Itoa(t), nil
	case string:
		return t, nil
	case json.Number:
		return t.String(), nil
	case noCursor:
		return "", fmt.Errorf("has no value on the first page, which has no cursor: write it alone as a parameter's or header's whole value, so that the first request leaves it out")
	}
	return "", fmt.Errorf("is %T, not text", v)
}

// cloneValues copies the values of a request for its clone.
func cloneValues(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
