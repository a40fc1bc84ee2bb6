package rest

import (
	"net/url"
	"strconv"
)

// StepsByPosition reports whether a page's request parameters next
// differ from those of the page before, prev, in one integer parameter
// alone, by 1 or by n, the records of that page: a walk by page number
// or offset (a parameter prev lacks counts from 1, or from 0 when it is
// n: a first page asked without page=1 or offset=0). A walk by cursor,
// id or time does not step so. The moved-record check and json_link's
// hold on the first page's total both ask it.
func StepsByPosition(prev, next map[string]string, n int) bool {
	k, ok := changedParam(prev, next)
	if !ok {
		return false
	}
	to, err := strconv.Atoi(next[k])
	if err != nil {
		return false
	}
	from := 1
	if s, ok := prev[k]; ok {
		if from, err = strconv.Atoi(s); err != nil {
			return false
		}
	} else if to == n {
		from = 0
	}
	return to-from == 1 || (n > 0 && to-from == n)
}

// changedParam returns the one parameter whose value differs between a
// and b (or that one of them lacks); ok is false when none or several do.
func changedParam(a, b map[string]string) (string, bool) {
	var changed []string
	for k, v := range b {
		if a[k] != v {
			changed = append(changed, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			changed = append(changed, k)
		}
	}
	if len(changed) != 1 {
		return "", false
	}
	return changed[0], true
}

// queryParams is u's query, the first value of each parameter.
func queryParams(u *url.URL) map[string]string {
	m := map[string]string{}
	for k, v := range u.Query() {
		if len(v) > 0 {
			m[k] = v[0]
		}
	}
	return m
}

// sameList reports whether a and b name the same list: host and path.
func sameList(a, b *url.URL) bool {
	return a.Host == b.Host && a.Path == b.Path
}
