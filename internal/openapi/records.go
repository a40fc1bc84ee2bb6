package openapi

import "strings"

// listNames are the property names that usually hold a page's records.
var listNames = []string{"data", "items", "results", "records", "entries", "values", "elements", "list", "content", "objects", "rows", "resources", "members"}

// selectRecords finds the records in a response schema: the body when it
// is an array, else the array property that holds them. why explains a
// guess; ok is false when the response holds no list.
func selectRecords(resp *Schema) (selector string, item *Schema, why string, ok bool) {
	if resp == nil {
		return "", nil, "", false
	}
	if resp.Type == "array" {
		return "", resp.Items, "the response is an array", true
	}
	if resp.Prop("id") != nil {
		return "", nil, "", false // a record, not a page of them
	}
	var arrays []string
	for _, p := range resp.Props {
		if p.Schema != nil && p.Schema.Type == "array" {
			arrays = append(arrays, p.Name)
		}
	}
	for _, n := range listNames {
		for _, a := range arrays {
			if strings.EqualFold(a, n) {
				return a, resp.Prop(a).Items, "the array property " + quote(a) + " of the response", true
			}
		}
	}
	if len(arrays) == 0 {
		// One level down: {"_embedded": {"users": [...]}}, {"page": {"items": [...]}}.
		for _, p := range resp.Props {
			if p.Schema == nil || p.Schema.Type != "object" {
				continue
			}
			if sel, it, _, ok := selectRecords(p.Schema); ok && sel != "" && !strings.Contains(sel, ".") && it != nil && it.Type == "object" {
				return p.Name + "." + sel, it, "the array " + quote(p.Name+"."+sel) + " of the response", true
			}
		}
		return "", nil, "", false
	}
	// Prefer an array of objects over arrays of strings (warnings, errors).
	for _, a := range arrays {
		if it := resp.Prop(a).Items; it != nil && it.Type == "object" {
			why := "the array property " + quote(a)
			if len(arrays) > 1 {
				why += " (others: " + strings.Join(without(arrays, a), ", ") + ")"
			}
			return a, it, why, true
		}
	}
	return arrays[0], resp.Prop(arrays[0]).Items, "the array property " + quote(arrays[0]), true
}

func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// primaryKey picks the record's key: id, else <singular>_id, uuid, key,
// else a property documented as a unique identifier.
func primaryKey(item *Schema, resource string) (key, why string) {
	if item == nil {
		return "", ""
	}
	if item.Prop("id") != nil {
		return "id", "the record's id property"
	}
	for _, cand := range []string{singular(resource) + "_id", singular(resource) + "Id", "uuid", "key", "ID", "Id"} {
		if item.Prop(cand) != nil {
			return cand, "guess: the record's " + cand + " property"
		}
	}
	for _, p := range item.Props {
		if p.Schema == nil {
			continue
		}
		d := strings.ToLower(p.Schema.Description)
		// Twilio's sid: "The unique string that we created to identify the Flow resource."
		unique := strings.Contains(d, "unique identifier") || strings.Contains(d, "unique id") ||
			strings.Contains(d, "unique") && strings.Contains(d, "to identify")
		if unique && p.Schema.Type != "object" && p.Schema.Type != "array" {
			return p.Name, "guess: " + p.Name + " is documented as a unique identifier"
		}
	}
	return "", ""
}
