package schema

import (
	"fmt"
	"strings"
)

// NarrowingHint says, for a table the destination finds too wide, which
// nested object's fields make it so and the settings that narrow it:
// Jira's fields object holds a customfield_NNNNN per custom field,
// thousands in a large instance.
func NarrowingHint(cols []Column) string {
	prefix, n := widestObject(cols)
	if prefix == "" {
		return fmt.Sprintf("a record with %d fields; leave some out with processing_steps exclude_columns", n)
	}
	return fmt.Sprintf("the object %s alone has %d fields: store it as one JSON column, columns: {%s: {data_type: json}}, or leave it out with processing_steps exclude_columns", prefix, n, prefix)
}

// widestObject returns the nested object (its column name, as "fields"
// of fields__customfield_10000) whose fields have the most of cols, and
// how many; "" and the count of top-level columns when those are the
// most. Bookkeeping columns do not count.
func widestObject(cols []Column) (string, int) {
	counts := map[string]int{}
	for _, c := range cols {
		if strings.HasPrefix(c.Name, "_pipe_") {
			continue
		}
		prefix := ""
		if i := strings.Index(c.Name, "__"); i > 0 {
			prefix = c.Name[:i]
		}
		counts[prefix]++
	}
	best, most := "", -1
	for p, n := range counts {
		if n > most || n == most && p < best {
			best, most = p, n
		}
	}
	return best, most
}
