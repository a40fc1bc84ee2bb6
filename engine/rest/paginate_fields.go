package rest

import "github.com/tidwall/gjson"

// pagingFields are the members of a response body's top-level object and
// of its paging objects (pagingObjects, one of them nested in another:
// meta.pagination), read in one pass over the body.
// The end check and detection ask for some two hundred names (flags and
// totals in eight places); a gjson.Get for each scanned every record
// before them, which on a full last page of 1–2 KB records cost more CPU
// than normalizing the page.
type pagingFields struct {
	top    map[string]gjson.Result
	nested map[string]map[string]gjson.Result // by paging object, "meta."
}

// readPagingFields reads the paging fields of body, which need not be a
// JSON object (then none exist).
func readPagingFields(body []byte) pagingFields {
	f := pagingFields{top: map[string]gjson.Result{}, nested: map[string]map[string]gjson.Result{}}
	obj := gjson.ParseBytes(body)
	if !obj.IsObject() {
		return f
	}
	obj.ForEach(func(k, v gjson.Result) bool {
		key := k.String()
		addFirst(f.top, key, v)
		if p := key + "."; v.IsObject() && isPagingObject(p) {
			m := f.nested[p]
			if m == nil {
				m = map[string]gjson.Result{}
				f.nested[p] = m
			}
			// gjson.Get("meta.total") looks in every "meta" object in turn
			// until one has "total".
			v.ForEach(func(k2, v2 gjson.Result) bool {
				key2 := k2.String()
				addFirst(m, key2, v2)
				if q := p + key2 + "."; v2.IsObject() && isPagingObject(q) && f.nested[q] == nil {
					inner := map[string]gjson.Result{}
					v2.ForEach(func(k3, v3 gjson.Result) bool {
						addFirst(inner, k3.String(), v3)
						return true
					})
					f.nested[q] = inner // meta.pagination.total
				}
				return true
			})
		}
		return true
	})
	// Segment's data.pagination.totalEntries: a paging object inside the
	// data envelope, beside the records.
	if v := obj.Get("data.pagination"); v.IsObject() && f.nested["data.pagination."] == nil {
		m := map[string]gjson.Result{}
		v.ForEach(func(k, v gjson.Result) bool {
			addFirst(m, k.String(), v)
			return true
		})
		f.nested["data.pagination."] = m
	}
	return f
}

// addFirst adds key to m unless it is there: gjson.Get finds the first
// of a repeated key.
func addFirst(m map[string]gjson.Result, key string, v gjson.Result) {
	if _, seen := m[key]; !seen {
		m[key] = v
	}
}

func isPagingObject(p string) bool {
	for _, q := range pagingObjects {
		if q == p {
			return true
		}
	}
	return false
}

// get returns the member name of paging object p ("" for the top level,
// else as in pagingObjects): what gjson.GetBytes(body, p+name) returns
// for the names the paging checks use, which have no dots or wildcards.
func (f pagingFields) get(p, name string) gjson.Result {
	if p == "" {
		return f.top[name]
	}
	return f.nested[p][name]
}

// pagedTotal is a number under one of totalNames in a paging object.
type pagedTotal struct {
	path string
	v    gjson.Result
}

// totals returns the totals of records the body reports, in the order of
// pagingObjects and totalNames: numbers only, Bitbucket's "size" where
// "pagelen" stands beside it, and no total its API calls an estimate.
func (f pagingFields) totals() []pagedTotal {
	var out []pagedTotal
	for _, p := range pagingObjects {
		names := totalNames
		if f.get(p, "pagelen").Exists() {
			names = append(names[:len(names):len(names)], "size")
		}
		if p == "" && f.get(p, "results").IsArray() && f.get(p, "next").Exists() && f.get(p, "previous").Exists() {
			names = append(names[:len(names):len(names)], "count") // Django REST framework's page (Docker Hub, PostHog)
		}
		for _, n := range names {
			if v := f.get(p, n); v.Type == gjson.Number && !estimate(p+n) {
				out = append(out, pagedTotal{p + n, v})
			}
		}
	}
	return out
}

// flag finds the first flag among names (in any paging object) whose
// boolean value is want.
func (f pagingFields) flag(names []string, want bool) (string, bool) {
	for _, p := range pagingObjects {
		for _, n := range names {
			v := f.get(p, n)
			if (v.Type == gjson.True && want) || (v.Type == gjson.False && !want) {
				return p + n, true
			}
		}
	}
	return "", false
}
