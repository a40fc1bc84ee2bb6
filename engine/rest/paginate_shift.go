package rest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// recordTotal follows, through a walk by position (page_number, or
// offset without total_path), a total of records that the API reports
// and the spec does not name (SonarQube's paging.total, InsightVM's
// page.totalResources, meta.total, …, or WordPress' X-WP-Total header):
// found on the walk's first page among the totals the end check reads,
// then read there on every page. A total that changes means that
// records were added or removed while the walk paged, so that a page may
// have skipped or repeated one: ErrShifted, as with offset's total_path.
type recordTotal struct {
	path   string // "" when the first page's body showed none
	header string // a header's total, when the body showed none
	first  int    // -1 before the first page
	read   bool   // the first page was read
}

func (t *recordTotal) reset() { *t = recordTotal{first: -1} }

// drop stops following the total for the rest of the walk.
func (t *recordTotal) drop() { *t = recordTotal{first: -1, read: true} }

// check reads the total of resp, the page at (for messages) of a walk of
// kind, and fails when it differs from the first page's.
func (t *recordTotal) check(kind string, resp *Response, at string) error {
	if !t.read {
		t.read = true
		if t.path = detectTotal(resp.Body); t.path == "" {
			t.header, _ = headerTotal(resp.Header)
		}
	}
	switch {
	case t.path != "":
		v := gjson.GetBytes(resp.Body, keyOrPath(resp.Body, t.path))
		if v.Type != gjson.Number || v.Num < 0 {
			return nil
		}
		total := int(v.Num)
		return keepTotal(&t.first, total, fmt.Sprintf("%s: %s was %d and is %d at %s", kind, t.where(), t.first, total, at), "pages")
	case t.header != "":
		total, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get(t.header)))
		if err != nil || total < 0 {
			return nil
		}
		return keepTotal(&t.first, total, fmt.Sprintf("%s: %s was %d and is %d at %s", kind, t.where(), t.first, total, at), "pages")
	}
	return nil
}

// where names the total for messages: body "meta.total" or header
// "X-WP-Total".
func (t *recordTotal) where() string {
	if t.header != "" {
		return fmt.Sprintf("header %q", t.header)
	}
	return fmt.Sprintf("body %q", t.path)
}

// totalHeaders are response headers that carry the total of records of
// a list: WordPress' and WooCommerce's X-WP-Total, X-Total-Count (JSON
// Server, many Rails and Django APIs), GitLab's X-Total.
var totalHeaders = []string{"X-WP-Total", "X-Total-Count", "X-Total"}

// headerTotal returns the first of totalHeaders that h holds as a
// number, and that number.
func headerTotal(h http.Header) (string, int) {
	for _, name := range totalHeaders {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Get(name))); err == nil && n >= 0 {
			return name, n
		}
	}
	return "", -1
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
// with a total of records their first page shows in its body or a
// header (first; page_number's total_path counts pages, which a record
// created may leave as they were), json_link with total_path or, walking
// by position, with a total of records its first page shows, and
// header_link walking by position with one. Through
// such a walk the collection holds as many records on every page, so the
// walk reads each place once: a record read twice means another was read
// on no page.
func KeepsTotal(kind, totalPath string, first *Response) bool {
	shown := func() bool {
		h, _ := headerTotal(first.Header)
		return detectTotal(first.Body) != "" || h != ""
	}
	switch kind {
	case KindOffset:
		return totalPath != "" || shown()
	case KindPageNumber:
		return shown()
	case KindJSONLink, KindJSONResponse:
		// Without total_path a walk by position is held to the total its
		// first page shows (JSONLink.Next), as offset's is.
		return totalPath != "" || shown()
	case KindHeaderLink:
		// Held so when its links step a page number or an offset.
		return shown()
	}
	return false
}
