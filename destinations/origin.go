package destinations

import (
	"fmt"
	"strconv"
	"strings"
)

func quote(s string) string { return strconv.Quote(s) }

// describeOrigin renders origin values as col=value pairs; a nil list
// (values not known) renders the columns alone.
func describeOrigin(cols []string, vals []any) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		switch {
		case vals == nil:
			parts[i] = c
		case i < len(vals) && vals[i] != nil:
			v := vals[i]
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts[i] = fmt.Sprintf("%s=%q", c, fmt.Sprint(v))
		default:
			parts[i] = c + "=NULL"
		}
	}
	return strings.Join(parts, ", ")
}
