package fakecore

import (
	"encoding/json"
	"sort"
	"strings"
)

// MissingKeys compares a fake's records with a response sample of the
// real API (the samples shipped with the specs under sources/*/testdata)
// and returns, sorted, the key paths of the sample's records that no
// fake record has. at names the sample's top-level key that holds the
// records ("" when the document is the bare list); fake is any value
// that encodes to JSON. Paths are dotted with list levels collapsed, and
// records may sit one or two list levels deep on either side.
func MissingKeys(sample []byte, at string, fake any) ([]string, error) {
	var doc map[string]any
	var list []any
	if json.Unmarshal(sample, &list) == nil {
		doc = map[string]any{"": list}
	} else if err := json.Unmarshal(sample, &doc); err != nil {
		return nil, err
	}
	fakeJSON, err := json.Marshal(fake)
	if err != nil {
		return nil, err
	}
	var fakeDoc any
	if err := json.Unmarshal(fakeJSON, &fakeDoc); err != nil {
		return nil, err
	}
	want, have := map[string]bool{}, map[string]bool{}
	keyPaths(doc[at], "", want)
	keyPaths(fakeDoc, "", have)
	have = trimLists(have)
	var missing []string
	for p := range trimLists(want) {
		if p != "" && !have[p] {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	return missing, nil
}

// keyPaths adds the dotted paths of every object key in v to out, with
// list indexes collapsed to [].
func keyPaths(v any, prefix string, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			p := strings.TrimPrefix(prefix+"."+k, ".")
			out[p] = true
			keyPaths(e, p, out)
		}
	case []any:
		for _, e := range v {
			keyPaths(e, prefix+"[]", out)
		}
	}
}

// trimLists drops the leading list levels of every path.
func trimLists(m map[string]bool) map[string]bool {
	out := map[string]bool{}
	for p := range m {
		for strings.HasPrefix(p, "[]") || strings.HasPrefix(p, ".") {
			p = strings.TrimPrefix(strings.TrimPrefix(p, "[]"), ".")
		}
		out[p] = true
	}
	return out
}
