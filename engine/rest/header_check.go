package rest

import (
	"fmt"
	"net/http"
	"sort"
)

// sendableHeader refuses a header value net/http would not send: one
// holding a control character (a newline, a carriage return, a NUL). The
// common cause is a secret or a variable read whole from a file, with its
// final newline; net/http's own error names no cause and would be
// retried. The value is not shown: it may be a credential.
func sendableHeader(h http.Header) error {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			for i := 0; i < len(v); i++ {
				if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
					return fmt.Errorf("header %s: its value holds the control character %q at byte %d of %d, which HTTP cannot send (a secret or variable read whole from a file keeps its final newline: remove it from the value)", k, c, i, len(v))
				}
			}
		}
	}
	return nil
}
