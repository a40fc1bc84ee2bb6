package extract

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/pipe-etl/pipe/engine/plan"
	"github.com/pipe-etl/pipe/engine/spec"
)

// A resource whose requests name each item of a parent record's list,
// {resources.P.F[*]} or {resources.P.F[*].G} (plan.Resource.EachList),
// runs one request chain per item of F in each P record: Tenable's
// export status lists its chunks_available, [1, 2, 3], and each chunk is
// one request. Items reads and checks the list; a chain's Element is its
// item, which its placeholders, include_from_parent and state key read.
//
// What a list may hold, so that exit 0 stays exact:
//   - [] runs no chain (the parent has nothing to fan out over), and so
//     does null, as a data_selector reads null as no records;
//   - a missing field, or one that is no list, fails, naming the field;
//   - every value the requests read (the item, or its G) must be a string
//     or a number, all of one kind: an object or a list, a missing or null
//     G, or a list that mixes 1 and "2" fails, naming the item;
//   - an item listed twice runs one chain (one request would load the same
//     records twice); two items the requests cannot tell apart (one G,
//     other fields differing) fail, naming both.

// EachError is a parent record's list that cannot be fanned out over;
// the engine adds the page the record came from.
type EachError struct{ Err error }

func (e *EachError) Error() string { return e.Err.Error() }
func (e *EachError) Unwrap() error { return e.Err }

// ParentField returns a field of the chain's parent record, as
// Parent.Field, or, for a field that names each item of the list the
// chain fans out over (F[*], F[*].G), the chain's item or G in it.
func (c Chain) ParentField(path string) (gjson.Result, bool) {
	if list, sub, ok := spec.EachItem(path); ok && c.Resource != nil && list == c.Resource.EachList {
		v := c.Element
		if sub != "" {
			v = v.Get(sub)
		}
		return v, v.Exists()
	}
	if c.Parent == nil {
		return gjson.Result{}, false
	}
	return c.Parent.Field(path)
}

// Items returns the items of the list res fans out over in the parent
// record p, one per distinct item, in list order (see above). A list of
// any length is read in one pass; the engine submits its chains as
// slots free up. Credentials in the values an error quotes are redacted.
func (x *Extractor) Items(res *plan.Resource, p *Parent) ([]gjson.Result, error) {
	out, err := items(res, p)
	if err != nil {
		msg := err.Error()
		if x != nil && x.Redactor != nil {
			msg = x.Redactor.String(msg)
		}
		return nil, &EachError{errors.New(msg)}
	}
	return out, nil
}

func items(res *plan.Resource, p *Parent) ([]gjson.Result, error) {
	field := res.EachList
	placeholder := "{resources." + res.Parent + "." + field + spec.EachMark + "}"
	list, ok := p.Field(field)
	switch {
	case !ok:
		return nil, fmt.Errorf("%s: the %s record has no field %q (%s): write the path of a list its records hold before [*]", placeholder, res.Parent, field, nearest(p.Record, field))
	case list.Type == gjson.Null:
		return nil, nil
	case !list.IsArray():
		return nil, fmt.Errorf("%s: field %q of the %s record is %s, not a list: [*] runs one request chain per item of a list; for one value write {resources.%s.%s}", placeholder, field, res.Parent, kindOf(list), res.Parent, field)
	}
	var subs []string // the paths in each item that the requests read
	for _, f := range res.ParentFields {
		if l, sub, ok := spec.EachItem(f); ok && l == field {
			subs = append(subs, sub)
		}
	}
	kinds := make([]gjson.Type, len(subs))
	firstOf := make([]int, len(subs))
	seen := map[string]int{} // the values the requests read -> index in out
	var out []gjson.Result
	var pos []int // each item's position in the list, 1-based
	var key strings.Builder
	i := 0
	var err error
	list.ForEach(func(_, item gjson.Result) bool {
		i++
		key.Reset()
		for j, sub := range subs {
			name := field + spec.EachMark
			v := item
			if sub != "" {
				name += "." + sub
				if !item.IsObject() {
					err = fmt.Errorf("%s: item %d of %q in the %s record is %s, not an object with a field %q", placeholder, i, field, res.Parent, kindOf(item), sub)
					return false
				}
				v = item.Get(sub)
			}
			switch {
			case !v.Exists() && sub != "":
				err = fmt.Errorf("{resources.%s.%s}: item %d of %q in the %s record has no field %q (it has %s)", res.Parent, name, i, field, res.Parent, sub, keysOf(item))
				return false
			case v.Type == gjson.Null && sub != "":
				err = fmt.Errorf("{resources.%s.%s}: item %d of %q in the %s record has %q null, not a value to send", res.Parent, name, i, field, res.Parent, sub)
				return false
			case v.Type == gjson.Null:
				err = fmt.Errorf("{resources.%s.%s}: item %d of %q in the %s record is null, not a value to send", res.Parent, name, i, field, res.Parent)
				return false
			case v.Type != gjson.String && v.Type != gjson.Number:
				hint := "a placeholder takes a string or a number"
				if v.IsObject() {
					hint += ": name a field of each item, {resources." + res.Parent + "." + name + ".FIELD}"
				}
				err = fmt.Errorf("{resources.%s.%s}: item %d of %q in the %s record is %s: %s", res.Parent, name, i, field, res.Parent, kindOf(v), hint)
				return false
			case kinds[j] == 0:
				kinds[j], firstOf[j] = v.Type, i
			case v.Type != kinds[j]:
				err = fmt.Errorf("{resources.%s.%s}: item %d of %q in the %s record is %s where item %d is %s: a list whose items change type is not one list of ids", res.Parent, name, i, field, res.Parent, kindOf(v), firstOf[j], typeName(kinds[j]))
				return false
			}
			key.WriteString(v.String())
			key.WriteByte(0)
		}
		if at, dup := seen[key.String()]; dup {
			if out[at].Raw != item.Raw && gjson.Get(out[at].Raw, "@ugly").Raw != gjson.Get(item.Raw, "@ugly").Raw {
				err = fmt.Errorf("%s: items of %q in the %s record send the same values (%s) but differ (item %d: %s; item %d: %s): one of them would be loaded under the other's requests", placeholder, field, res.Parent, strings.ReplaceAll(strings.TrimSuffix(key.String(), "\x00"), "\x00", ", "), pos[at], brief(out[at]), i, brief(item))
				return false
			}
			return true
		}
		seen[key.String()] = len(out)
		out, pos = append(out, item), append(pos, i)
		return true
	})
	return out, err
}

// kindOf names a JSON value's type for errors, with a short value for a
// scalar, never a long text (a record may hold anything).
func kindOf(v gjson.Result) string {
	switch {
	case v.IsArray():
		return "a list"
	case v.IsObject():
		return "an object"
	case v.Type == gjson.String && len(v.Str) <= 40:
		return fmt.Sprintf("a string (%q)", v.Str)
	case v.Type == gjson.Number:
		return "a number (" + v.Raw + ")"
	}
	return typeName(v.Type)
}

func typeName(t gjson.Type) string {
	switch t {
	case gjson.String:
		return "a string"
	case gjson.Number:
		return "a number"
	case gjson.True, gjson.False:
		return "a boolean"
	case gjson.Null:
		return "null"
	}
	return "an object or a list"
}

// brief is a JSON value's text cut to 60 bytes, for errors.
func brief(v gjson.Result) string {
	if len(v.Raw) <= 60 {
		return v.Raw
	}
	return v.Raw[:57] + "..."
}

// keysOf lists an object's keys, for errors: the names, never values.
func keysOf(v gjson.Result) string {
	if !v.IsObject() {
		return kindOf(v)
	}
	var keys []string
	v.ForEach(func(k, _ gjson.Result) bool {
		keys = append(keys, k.String())
		return len(keys) < 20
	})
	if len(keys) == 0 {
		return "no keys"
	}
	return "keys " + strings.Join(keys, ", ")
}

// nearest says what the record holds where path is missing: the keys of
// the deepest object on the path ("fields has keys summary, status"),
// names only, for errors.
func nearest(rec gjson.Result, path string) string {
	steps := strings.Split(path, ".")
	for n := len(steps) - 1; n > 0; n-- {
		prefix := strings.Join(steps[:n], ".")
		if v := rec.Get(prefix); v.Exists() {
			return prefix + " has " + keysOf(v)
		}
	}
	return "it has " + keysOf(rec)
}
