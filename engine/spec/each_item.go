package spec

import (
	"fmt"
	"strings"
)

// EachMark is JSONPath's "each item" in a parent field:
// {resources.PARENT.FIELD[*]} runs one request chain per item of the
// parent record's list FIELD, and {resources.PARENT.FIELD[*].SUB} one per
// item, SUB read in it.
const EachMark = "[*]"

// EachItem splits a parent field that fans out, "F[*]" or "F[*].G", into
// the gjson path of the list, F, and the gjson path in each item, G (""
// for the item itself). ok is false for a field without "[*]"; a field
// that holds it but is no such form (see CheckEachField) gives what is
// before its first "[*]" and after it, unchecked.
func EachItem(field string) (list, sub string, ok bool) {
	list, rest, ok := strings.Cut(field, EachMark)
	if !ok {
		return field, "", false
	}
	return list, strings.TrimPrefix(rest, "."), true
}

// EachColumn is the column suffix of a parent field that fans out, as
// include_from_parent names it: "F[*]" gives F's own, "F[*].G" F's and
// G's joined, so that the column is _<parent>_<F> or _<parent>_<F>_<G>
// once snake-cased ("chunks_available[*]" → _export_status_chunks_available,
// "fields.subtasks[*].key" → _issues_fields_subtasks_key).
func EachColumn(field string) string {
	list, sub, ok := EachItem(field)
	if !ok || sub == "" {
		return list
	}
	return list + "." + sub
}

// CheckEachField reports what is wrong with a parent field as a
// placeholder or include_from_parent entry writes it: "[*]" at most
// once, after a list's path and followed by nothing or by ".G"; and no
// gjson "#" that counts a list or collects its items, which a newcomer
// writes for "each item" (F.# is the count of F's items, a number that
// would be sent as if it were one).
func CheckEachField(field string) error {
	steps := strings.Split(field, ".")
	for k, step := range steps {
		if step != "#" {
			continue
		}
		want := strings.Join(steps[:k], ".") + EachMark
		if sub := strings.Join(steps[k+1:], "."); sub != "" {
			want += "." + sub
		}
		return fmt.Errorf("%q: gjson's # counts the items of a list (or collects them into one list), it does not run one request chain per item: write %s", field, want)
	}
	if !strings.Contains(field, EachMark) {
		if strings.Contains(field, "[") {
			return fmt.Errorf("%q: a bracket in a parent field is only %s, each item of a list (F[*] or F[*].G)", field, EachMark)
		}
		return nil
	}
	list, sub, _ := EachItem(field)
	rest := field[len(list)+len(EachMark):]
	switch {
	case list == "":
		return fmt.Errorf("%q: %s follows the path of a list in the parent record (F[*])", field, EachMark)
	case strings.Contains(rest, EachMark):
		return fmt.Errorf("%q: one %s per field (a resource fans out over one list; a list in each item is a child resource of its own)", field, EachMark)
	case rest != "" && !strings.HasPrefix(rest, "."):
		return fmt.Errorf("%q: %s is followed by nothing or by .FIELD, a field of each item", field, EachMark)
	case rest != "" && sub == "":
		return fmt.Errorf("%q: %s. is followed by no field of each item", field, EachMark)
	case strings.Contains(list, "[") || strings.Contains(sub, "["):
		return fmt.Errorf("%q: a bracket in a parent field is only %s, each item of a list (F[*] or F[*].G)", field, EachMark)
	}
	return nil
}
