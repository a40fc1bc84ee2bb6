package rest

import (
	"fmt"

	"github.com/tidwall/gjson"
)

// recordTotal follows, through a walk by position (page_number, or
// offset without total_path), a total of records that the API reports
// and the spec does not name (SonarQube's paging.total, InsightVM's
// page.totalResources, meta.total, …): found on the walk's first page
// among the totals the end check reads, then read at that path on every
// page. A total that changes means that records were added or removed
// while the walk paged, so that a page may have skipped or repeated one:
// ErrShifted, as with offset's total_path.
type recordTotal struct {
	path  string // "" when the first page showed none
	first int    // -1 before the first page
	read  bool   // the first page was read
}

func (t *recordTotal) reset() { *t = recordTotal{first: -1} }

// check reads the total of body, the page at (for messages) of a walk of
// kind, and fails when it differs from the first page's.
func (t *recordTotal) check(kind string, body []byte, at string) error {
	if !t.read {
		t.read = true
		t.path = detectTotal(body)
	}
	if t.path == "" {
		return nil
	}
	v := gjson.GetBytes(body, t.path)
	if v.Type != gjson.Number || v.Num < 0 {
		return nil
	}
	total := int(v.Num)
	return keepTotal(&t.first, total, fmt.Sprintf("%s: body %q was %d and is %d at %s", kind, t.path, t.first, total, at), "pages")
}

// detectTotal returns the path of the first total of records in body, in
// the order the end check reads them, or "".
func detectTotal(body []byte) string {
	for _, t := range readPagingFields(body).totals() {
		if t.v.Num >= 0 {
			return t.path
		}
	}
	return ""
}

// KeepsTotal reports whether a walk of the paginator kind, with the spec's
// total_path (or ""), fails with ErrShifted when the total of records the
// API reports changes: offset with total_path, offset and page_number
// with a total of records their first page shows (firstBody; page_number's
// total_path counts pages, which a record created may leave as they
// were), json_link with total_path. Through such a walk the collection
// holds as many records on every page, so the walk reads each place once:
// a record read twice means another was read on no page.
func KeepsTotal(kind, totalPath string, firstBody []byte) bool {
	switch kind {
	case KindOffset:
		return totalPath != "" || detectTotal(firstBody) != ""
	case KindPageNumber:
		return detectTotal(firstBody) != ""
	case KindJSONLink, KindJSONResponse:
		return totalPath != ""
	}
	return false
}
